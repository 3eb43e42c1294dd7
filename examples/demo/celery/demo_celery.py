# The demo's Celery app (Debian's python3-celery, kombu Redis transport): thumbnails of 100-300 ms.
import os
import random
import time

from celery import Celery

app = Celery('demo_celery', broker=os.environ.get('CHAPERONE_REDIS_URL', 'redis://127.0.0.1:6379'))
app.conf.update(worker_hijack_root_logger=False, broker_connection_retry_on_startup=True)


@app.task(name='demo.thumbnail')
def thumbnail(n):
    time.sleep(random.uniform(0.1, 0.3))
    return n
