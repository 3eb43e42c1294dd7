// Pushes demo jobs onto `demo:jobs` in waves, so the backlog rises and falls.
'use strict';
const Redis = require('ioredis');
const { Queue } = require('bullmq');

const url = process.env.CHAPERONE_REDIS_URL || 'redis://127.0.0.1:6379';
const redis = new Redis(url);
redis.on('error', () => undefined);
// BullMQ jobs too, through BullMQ's own API, in bursts, so the autoscaled pool has work to follow.
const mail = new Queue('demo-mail', { connection: { url } });
mail.on('error', () => undefined);
let n = 0;
let t = 0;
const timer = setInterval(async () => {
  t++;
  const wave = Math.round(4 + 3 * Math.sin(t / 5));
  const jobs = [];
  for (let i = 0; i < wave; i++) jobs.push(JSON.stringify({ id: ++n, fail: n % 17 === 0, at: Date.now() }));
  await redis.rpush('demo:jobs', ...jobs).catch(() => undefined);
  const burst = t % 20 < 6 ? 40 : 2;
  await mail.addBulk(Array.from({ length: burst }, () => ({ name: 'send', data: { n: ++n, to: `user${n % 97}@example.com` } }))).catch(() => undefined);
}, 1000);
const stop = () => {
  clearInterval(timer);
  Promise.allSettled([mail.close(), redis.quit()]).finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
