# The demo's RQ job (Debian's python3-rq): a digest that takes 100-500 ms.
import random
import time


def build_digest(n):
    time.sleep(random.uniform(0.1, 0.5))
    return f'digest {n}'
