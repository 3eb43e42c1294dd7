// The real workers of the queue systems, started the way the tests need them: each returns the
// process and a ready() that resolves once the worker is registered (or bound) in the test's Redis.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { FIXTURES } from './paths';
import type { TestRedis } from './redis-server';
import { waitFor } from './wait';

const RQ = path.join(FIXTURES, 'rq');
const SIDEKIQ = path.join(FIXTURES, 'sidekiq');
const CELERY = path.join(FIXTURES, 'celery');

export function startRq(redis: TestRedis, queue: string, jobMs: number) {
  const w = spawn(path.join(RQ, 'worker.sh'), [], { env: { ...process.env, REDIS_URL: redis.url, QUEUE: queue, JOB_MS: String(jobMs) }, stdio: 'ignore' });
  // Ready once it is registered in rq:workers with its pid.
  const ready = async () => {
    const c = redis.client();
    try {
      await waitFor(async () => {
        for (const k of await c.smembers('rq:workers')) if (Number(await c.hget(k, 'pid')) === w.pid) return k.slice('rq:worker:'.length);
        return undefined;
      }, 'rq worker registered', 20_000, 100);
    } finally {
      c.disconnect();
    }
  };
  return { w, ready };
}

export function startSidekiq(redis: TestRedis, queue: string, jobMs: number, namespace = '') {
  const env = { ...process.env, REDIS_URL: redis.url, QUEUE: queue, JOB_MS: String(jobMs), ...(namespace ? { SIDEKIQ_NAMESPACE: namespace } : {}) };
  const w = spawn(path.join(SIDEKIQ, 'worker.sh'), [], { env, stdio: 'ignore' });
  // Ready once its heartbeat is in Redis (the process registers itself with its pid).
  const ready = async () => {
    const c = redis.client();
    try {
      await waitFor(async () => {
        for (const id of await c.smembers(`${namespace ? `${namespace}:` : ''}processes`)) if (id.includes(`:${w.pid}:`)) return true;
        return undefined;
      }, 'sidekiq registered', 20_000, 100);
    } finally {
      c.disconnect();
    }
  };
  return { w, ready };
}

/** events: the worker sends task events (-E), as with worker_send_task_events. */
/** events: task events (-E); backend: results in the Redis result backend (result_extended). */
export function startCelery(redis: TestRedis, queue: string, jobMs: number, prefix = '', events = false, backend = false) {
  const name = `w${randomUUID().slice(0, 8)}@chaperone-test`;
  const w = spawn(path.join(CELERY, 'worker.sh'), [], { env: { ...process.env, REDIS_URL: redis.url, QUEUE: queue, JOB_MS: String(jobMs), WORKER_NAME: name, CELERY_KEYPREFIX: prefix, ...(events ? { CELERY_EVENTS: '1' } : {}), ...(backend ? { CELERY_BACKEND: '1' } : {}) }, stdio: 'ignore' });
  // Ready once its pidbox queue is bound: it consumes from then on.
  const ready = async () => {
    const c = redis.client();
    try {
      await waitFor(async () => ((await c.smembers(`${prefix}_kombu.binding.celery.pidbox`)).some((m) => m.endsWith(`${name}.celery.pidbox`)) ? true : undefined), 'celery worker ready', 30_000, 100);
    } finally {
      c.disconnect();
    }
  };
  return { w, name, ready };
}
