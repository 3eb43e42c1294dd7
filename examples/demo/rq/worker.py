# A real RQ worker on "demo-digest" (as `rq worker demo-digest`), Redis from CHAPERONE_REDIS_URL.
import os
import sys

from redis import Redis
from rq import Queue, Worker

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
conn = Redis.from_url(os.environ.get('CHAPERONE_REDIS_URL', 'redis://127.0.0.1:6379'))
Worker([Queue('demo-digest', connection=conn)], connection=conn).work()
