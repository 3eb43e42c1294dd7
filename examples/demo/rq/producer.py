# Waves of digests for the demo's RQ pool, forever.
import os
import random
import sys
import time

from redis import Redis
from rq import Queue

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_tasks import build_digest  # noqa: E402

q = Queue('demo-digest', connection=Redis.from_url(os.environ.get('CHAPERONE_REDIS_URL', 'redis://127.0.0.1:6379')))
n = 0
while True:
    for _ in range(random.randint(3, 20)):
        n += 1
        q.enqueue(build_digest, n)
    time.sleep(random.uniform(2, 6))
