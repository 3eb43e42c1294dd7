#!/usr/bin/env node
// npm run demo: a supervisor on examples/demo/chaperone.json (real worker processes consuming the
// Redis list demo:jobs), a producer filling that list in waves, and the live status view.
// Redis: CHAPERONE_REDIS_URL, else 127.0.0.1:6379 if it answers, else a private redis-server on a
// free port with no persistence (said on screen), stopped again on exit.
'use strict';
const { execFile, spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const Redis = require('ioredis');

const root = path.resolve(__dirname, '..');

async function answers(url) {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function privateRedis() {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const failed = new Promise((resolve) => proc.once('error', () => resolve(false)));
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await Promise.race([answers(url), failed])) return { url, proc };
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  return undefined;
}

/** php with Debian's Illuminate queue components and phpredis: then the Laravel pool runs too. */
function laravelAvailable() {
  return new Promise((resolve) => {
    if (!fs.existsSync('/usr/share/php/Illuminate/Queue/Worker.php')) return resolve(false);
    execFile('php', ['-m'], (err, out) => resolve(!err && /^redis$/m.test(String(out))));
  });
}

/** Whether a command runs and exits 0 (used to see which queue runtimes this machine has). */
function runs(cmd, args) {
  return new Promise((resolve) => execFile(cmd, args, (err) => resolve(!err)));
}

/** The Sidekiq, RQ and Celery pools of the demo, each with its runtime check and producer. */
const OTHER_SYSTEMS = [
  { pool: 'billing', name: 'Sidekiq', check: ['ruby', ['-e', 'require "sidekiq"']], producer: ['ruby', ['examples/demo/sidekiq/producer.rb']] },
  { pool: 'digest', name: 'RQ', check: ['/usr/bin/python3', ['-c', 'import rq']], producer: ['/usr/bin/python3', ['examples/demo/rq/producer.py']] },
  { pool: 'thumbnails', name: 'Celery', check: ['/usr/bin/python3', ['-c', 'import celery, redis']], producer: ['/usr/bin/python3', ['examples/demo/celery/producer.py']] },
];

async function main() {
  let url = process.env.CHAPERONE_REDIS_URL;
  let own;
  if (!url) {
    if (await answers('redis://127.0.0.1:6379')) {
      url = 'redis://127.0.0.1:6379';
    } else {
      own = await privateRedis();
      if (!own) {
        console.error('demo: no Redis at 127.0.0.1:6379 and no redis-server on PATH. Either point CHAPERONE_REDIS_URL at a Redis (redis://host:6379), or install one: apt-get install redis-server (as root; bash scripts/setup.sh installs it with everything the tests need).');
        process.exit(1);
      }
      url = own.url;
      console.log(`demo: no Redis at 127.0.0.1:6379; started a private redis-server at ${url} (no persistence; stopped on exit)`);
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
  const env = { ...process.env, CHAPERONE_REDIS_URL: url };
  const producer = spawn(process.execPath, [path.join(root, 'examples/demo/producer.js')], { env, stdio: 'ignore' });
  const sup = spawn(process.execPath, [path.join(root, 'dist/cli.js'), 'supervise', '--config', path.join(root, 'examples/demo/chaperone.json'), '--redis', url, '--live'], { env, stdio: ['inherit', 'inherit', 'inherit'] });
  let phpProducer;
  if (await laravelAvailable()) {
    // Start the Laravel pool the way anyone would: a command through the control plane.
    await new Promise((r) => setTimeout(r, 2000));
    execFile(process.execPath, [path.join(root, 'dist/cli.js'), 'start', 'reports', '--redis', url], { env }, () => undefined);
    phpProducer = spawn('php', [path.join(root, 'examples/demo/laravel/producer.php')], { env, stdio: 'ignore' });
  }
  // Sidekiq, RQ and Celery pools where their runtimes are installed, started the same way.
  const producers = [];
  for (const s of OTHER_SYSTEMS) {
    if (!(await runs(...s.check))) {
      console.log(`demo: ${s.name} is not installed; pool "${s.pool}" stays stopped`);
      continue;
    }
    execFile(process.execPath, [path.join(root, 'dist/cli.js'), 'start', s.pool, '--redis', url], { env }, () => undefined);
    producers.push(spawn(s.producer[0], s.producer[1].map((a) => path.join(root, a)), { env, stdio: 'ignore' }));
  }
  // Ctrl-C reaches the whole terminal group: supervise drains its pools and exits by itself.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => sup.kill('SIGTERM'));
  const code = await new Promise((r) => sup.once('exit', (c) => r(c ?? 1)));
  producer.kill('SIGTERM');
  phpProducer?.kill('SIGTERM');
  for (const p of producers) p.kill('SIGTERM');
  own?.proc.kill('SIGTERM');
  process.exit(code);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
