// A demo BullMQ worker: processes "demo-mail" jobs for 100-400 ms each; 1 in 20 fails.
// SIGTERM: finish the jobs in hand (worker.close()), then exit 0.
'use strict';
const { Worker } = require('bullmq');

const url = process.env.CHAPERONE_REDIS_URL || 'redis://127.0.0.1:6379';
const id = process.env.CHAPERONE_WORKER_ID || `bullmq-${process.pid}`;
const worker = new Worker(
  'demo-mail',
  async (job) => {
    await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 300)));
    if (job.data.n % 20 === 0) throw new Error(`mailbox of ${job.data.to} is full`);
    console.log(`${id}: sent mail ${job.id} to ${job.data.to}`);
  },
  { connection: { url, maxRetriesPerRequest: null }, concurrency: 2 },
);
worker.on('error', (err) => console.error(`${id}: ${err.message}`));
worker.on('ready', () => console.log(`${id}: ready (pid ${process.pid})`));
process.on('SIGTERM', async () => {
  console.log(`${id}: SIGTERM, finishing the jobs in hand`);
  await worker.close();
  process.exit(0);
});
