// A demo queue worker: takes jobs from the Redis list `demo:jobs`, "processes" each one for a while,
// counts it in `demo:done`. On SIGTERM it finishes the job in hand, then exits 0 - like real workers.
'use strict';
const Redis = require('ioredis');

const url = process.env.CHAPERONE_REDIS_URL || 'redis://127.0.0.1:6379';
const id = process.env.CHAPERONE_WORKER_ID || `worker-${process.pid}`;
const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
redis.on('error', () => undefined);
let stopping = false;
let busy = false;

process.on('SIGTERM', () => {
  stopping = true;
  console.log(`${id}: SIGTERM, ${busy ? 'finishing the current job first' : 'idle, exiting'}`);
  if (!busy) finish();
});

function finish() {
  redis.quit().finally(() => process.exit(0));
}

async function loop() {
  console.log(`${id}: ready (pid ${process.pid})`);
  while (!stopping) {
    const item = await redis.blpop('demo:jobs', 1).catch(() => null);
    if (!item) continue;
    busy = true;
    const job = JSON.parse(item[1]);
    const ms = 200 + Math.floor(Math.random() * 600);
    await new Promise((r) => setTimeout(r, ms));
    if (job.fail) {
      console.error(`${id}: job ${job.id} failed: simulated failure`);
    } else {
      await redis.incr('demo:done');
      console.log(`${id}: job ${job.id} done in ${ms}ms`);
    }
    busy = false;
  }
  finish();
}
loop();
