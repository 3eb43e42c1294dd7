// `chaperone init` on real project layouts and a real Redis: what it finds, what it imports from
// supervisord and PM2 files, what it says did not carry over; every file it writes is a valid config.
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { parseConfigText } from '../../src/core/config/parse-config';
import { tempDir } from '../helpers/engine-harness';
import { TestRedis } from '../helpers/redis-server';
import { runCli } from '../helpers/run-cli';

const write = (dir: string, files: Record<string, string>): void => {
  for (const [f, t] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), t);
  }
};

describe('chaperone init', function () {
  this.timeout(60_000);
  let redis: TestRedis;
  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await redis?.stop();
  });

  it('a polyglot project and its queues in Redis: Laravel (prefix from .env), Sidekiq, Celery, RQ, BullMQ', async () => {
    const dir = tempDir();
    write(dir, {
      artisan: '#!/usr/bin/env php\n<?php\n',
      '.env': 'APP_NAME="My Shop"\nAPP_ENV=production\n',
      'composer.json': '{"require": {"laravel/framework": "^11.0"}}',
      'config/sidekiq.yml': ':concurrency: 5\n:queues:\n  - [critical, 2]\n  - default\n',
      'proj/celery.py': 'from celery import Celery\napp = Celery("proj")\n',
      'requirements.txt': 'celery==5.3\nrq>=1.15\n',
      'package.json': '{"dependencies": {"bullmq": "^5.0.0"}}',
    });
    const conn = new Redis(redis.port, '127.0.0.1');
    await conn.rpush('my_shop_database_queues:emails', JSON.stringify({ uuid: 'u1', displayName: 'App\\Jobs\\SendMail', job: 'Illuminate\\Queue\\CallQueuedHandler@call', data: {} }));
    conn.disconnect();
    const q = new Queue('reports', { connection: { port: redis.port } });
    await q.add('build', {});
    await q.close();
    const r = await runCli(['init', '--redis', redis.url], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(path.join(dir, 'chaperone.json'), 'utf8');
    const { config } = parseConfigText(text, path.join(dir, 'chaperone.json'));
    const pools = Object.fromEntries(config.pools.map((p) => [p.name, p]));
    assert.deepEqual(Object.keys(pools).sort(), ['celery', 'laravel', 'rq', 'sidekiq']);
    assert.deepEqual(pools.laravel.command, ['php', 'artisan', 'queue:work', 'redis', '--sleep=3', '--tries=3', '--max-time=3600']);
    assert.deepEqual(pools.laravel.queues, ['laravel:emails'], 'the queue found in Redis, under the prefix from .env');
    assert.deepEqual(pools.sidekiq.queues, ['sidekiq:critical', 'sidekiq:default']);
    assert.deepEqual(pools.sidekiq.command, ['bundle', 'exec', 'sidekiq', '-C', 'config/sidekiq.yml']);
    assert.deepEqual(pools.celery.command, ['celery', '-A', 'proj', 'worker', '--loglevel=INFO']);
    assert.equal(config.connections[0].systems.laravel?.prefix, 'my_shop_database_');
    assert.ok(config.connections[0].systems.bullmq, 'bullmq watched: in package.json and in Redis');
    assert.match(r.stdout, /bullmq queues reports/);
    assert.match(r.stdout, /laravel queues emails/);
    assert.match(r.stdout, /add the script that starts your Worker as a pool/);
    const again = await runCli(['init', '--redis', redis.url], { cwd: dir });
    assert.equal(again.code, 1, 'an existing chaperone.json is never overwritten without --force');
    assert.match(again.stderr, /exists: --force replaces it/);
  });

  it('a Procfile: each worker a pool, web noted, shell syntax run through /bin/sh; --dry-run prints', async () => {
    const dir = tempDir();
    write(dir, { Procfile: 'web: bundle exec puma -C config/puma.rb\nworker: bundle exec sidekiq -q mailers -q default\nclock: bin/clock && echo done\n', 'config/sidekiq.yml': ':queues: [default]\n' });
    const r = await runCli(['init', '--no-redis', '--dry-run'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const { config } = parseConfigText(r.stdout, path.join(dir, 'chaperone.json'));
    assert.deepEqual(config.pools.map((p) => [p.name, p.command]), [
      ['worker', ['bundle', 'exec', 'sidekiq', '-q', 'mailers', '-q', 'default']],
      ['clock', ['/bin/sh', '-c', 'bin/clock && echo done']],
    ]);
    assert.match(r.stderr, /Procfile:1: "web" is not a queue worker/);
    assert.match(r.stderr, /pool "clock" from "clock" \(runs through \/bin\/sh/);
    assert.match(r.stderr, /config\/sidekiq.yml: its pool comes from the Procfile/);
  });

  it('imports a supervisord [program:x] file (Laravel\'s documented one), saying what did not carry over', async () => {
    const dir = tempDir();
    write(dir, {
      'laravel-worker.conf': `[program:laravel-worker]
process_name=%(program_name)s_%(process_num)02d
command=php /home/forge/app.com/artisan queue:work redis --sleep=3 --tries=3 --max-time=3600
autostart=true
autorestart=true
stopasgroup=true
killasgroup=true
user=forge
numprocs=8
redirect_stderr=true
stdout_logfile=/home/forge/app.com/worker.log
stdout_logfile_maxbytes=50MB
stdout_logfile_backups=3
stopwaitsecs=3600
environment=APP_ENV="production",QUEUE_CONNECTION=redis

[group:workers]
programs=laravel-worker
`,
    });
    const r = await runCli(['init', '--no-redis', '--from-supervisord', 'laravel-worker.conf'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const { config } = parseConfigText(readFileSync(path.join(dir, 'chaperone.json'), 'utf8'), path.join(dir, 'chaperone.json'));
    const p = config.pools[0];
    assert.equal(p.name, 'laravel-worker');
    assert.deepEqual(p.command, ['php', '/home/forge/app.com/artisan', 'queue:work', 'redis', '--sleep=3', '--tries=3', '--max-time=3600']);
    assert.equal(p.max, 8);
    assert.deepEqual(p.stop, { signal: 'SIGTERM', timeoutMs: 3_600_000 });
    assert.deepEqual(p.env, { APP_ENV: 'production', QUEUE_CONNECTION: 'redis' });
    assert.deepEqual(p.logs, { file: '/home/forge/app.com/worker.log', maxBytes: 50_000_000, keep: 3, timestamps: true });
    assert.match(r.stdout, /\[program:laravel-worker\]: not carried over: user/);
    assert.match(r.stdout, /sections not carried over: \[group:workers\]/);
  });

  it('imports a PM2 ecosystem (JSON and .config.js), saying what did not carry over', async () => {
    const dir = tempDir();
    const apps = [
      { name: 'mailer', script: 'dist/worker.js', args: '--queue emails', instances: 4, exec_mode: 'cluster', max_memory_restart: '300M', kill_timeout: 5000, watch: ['dist'], ignore_watch: ['node_modules'], env: { NODE_ENV: 'production', CONCURRENCY: 5 }, env_staging: { NODE_ENV: 'staging' }, cron_restart: '0 3 * * *', out_file: 'logs/mailer.out', error_file: 'logs/mailer.err' },
      { name: 'py', script: 'worker.py', interpreter: 'python3', instances: 'max' },
    ];
    write(dir, { 'ecosystem.json': JSON.stringify({ apps }), 'ecosystem.config.js': `module.exports = { apps: ${JSON.stringify(apps)} };\n` });
    for (const file of ['ecosystem.json', 'ecosystem.config.js']) {
      const r = await runCli(['init', '--no-redis', '--dry-run', '--from-pm2', file], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const { config } = parseConfigText(r.stdout, path.join(dir, 'chaperone.json'));
      const [m, py] = config.pools;
      assert.deepEqual(m.command, ['node', 'dist/worker.js', '--queue', 'emails']);
      assert.equal(m.max, 4);
      assert.equal(m.limits.memoryBytes, 300 * 1024 * 1024);
      assert.equal(m.stop.timeoutMs, 5000);
      assert.deepEqual(m.env, { NODE_ENV: 'production', CONCURRENCY: '5' });
      assert.deepEqual(m.watch, { paths: ['dist/**'], ignore: ['node_modules/**'], debounceMs: 1000 });
      assert.equal(m.logs?.stderrFile, path.join(dir, 'logs/mailer.err'));
      assert.deepEqual(py.command, ['python3', 'worker.py']);
      assert.match(r.stderr, /apps\[0\]: cluster mode is not carried over/);
      assert.match(r.stderr, /apps\[0\]: not carried over: cron_restart/);
      assert.match(r.stderr, /env_staging not carried over/);
      assert.match(r.stderr, /apps\[1\]: instances "max"/);
    }
  });
});
