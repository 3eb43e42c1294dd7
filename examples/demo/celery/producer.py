# Waves of thumbnails for the demo's Celery pool, forever (some with a countdown: ETA tasks).
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from demo_celery import thumbnail  # noqa: E402

n = 0
while True:
    for _ in range(random.randint(5, 30)):
        n += 1
        thumbnail.apply_async((n,), queue='demo-thumbnails', countdown=random.choice([None, None, None, 20]))
    time.sleep(random.uniform(2, 6))
