import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { ConfigError, type ConfigProblem } from '../../src/core/config/located-error';
import { parseConfigText } from '../../src/core/config/parse-config';

const FILE = '/work/app/chaperone.json';

function problems(text: string): ConfigProblem[] {
  try {
    parseConfigText(text, FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config: chaperone.json', () => {
  it('parses the documented shape (JSONC, comments, trailing commas) with defaults', () => {
    const text = `{
  "redis": { "url": "redis://127.0.0.1:6379/0" },       // password: env CHAPERONE_REDIS_PASSWORD
  "pools": {
    "emails": {
      "command": ["php", "artisan", "queue:work", "redis", "--queue=emails"],
      "cwd": ".", "env": { "APP_ENV": "local" },
      "processes": { "min": 1, "max": 8 },
      "restart": { "delay": "100ms", "maxDelay": "15s", "factor": 1.5, "minUptime": "2s",
                   "maxRestarts": 10, "window": "60s" },
      "stop": { "signal": "SIGTERM", "timeout": "30s" },
      "limits": { "memory": "512MB", "cpu": 95 },
      "queues": ["laravel:emails"],
      "scale": { "strategy": "fixed" },
    },
    "reports": { "command": ["node", "w.js"], "processes": 2, "stop": { "timeout": 1500 } }
  }
}`;
    const { config } = parseConfigText(text, FILE);
    const [emails, reports] = config.pools;
    assert.equal(emails.name, 'emails');
    assert.deepEqual([emails.min, emails.max, emails.initial], [1, 8, 1]);
    assert.deepEqual(emails.restart, { delayMs: 100, maxDelayMs: 15_000, factor: 1.5, jitter: 0.2, minUptimeMs: 2000, maxRestarts: 10, windowMs: 60_000 });
    assert.deepEqual(emails.stop, { signal: 'SIGTERM', timeoutMs: 30_000 });
    assert.deepEqual(emails.limits, { memoryBytes: 512_000_000, cpuPercent: 95, samples: 3 });
    assert.equal(emails.cwd, path.dirname(FILE));
    assert.deepEqual(emails.range && [emails.range.line, emails.range.column], [4, 5]);
    assert.deepEqual([reports.min, reports.max, reports.initial, reports.stop.timeoutMs], [2, 2, 2, 1500]);
    assert.equal(config.redis.url, 'redis://127.0.0.1:6379/0');
    assert.equal(config.supervisor.heartbeatMs, 2000);
  });

  it('locates a syntax error to line and column', () => {
    const ps = problems('{\n  "pools": {\n    "a": { "command": ["x"] }\n    "b": {}\n  }\n}');
    assert.equal(ps[0].range.line, 4);
    assert.equal(ps[0].range.column, 5);
    assert.match(ps[0].message, /JSON syntax/);
  });

  it('names file, line, column and JSON path of a bad duration', () => {
    const ps = problems('{\n  "pools": {\n    "emails": {\n      "command": ["x"],\n      "restart": { "delay": "soon" }\n    }\n  }\n}');
    assert.equal(ps.length, 1);
    const err = new ConfigError(ps);
    assert.equal(err.message, `${FILE}:5:29: pools.emails.restart.delay: must be a duration such as "500ms", "10s", "5m" or a number of milliseconds, at most about 24.8 days`);
  });

  it('pathMappings: server paths to folders here, relative to the file; a relative server path is refused at its key', () => {
    const { config } = parseConfigText('{ "pathMappings": { "/var/www/html": ".", "C:\\\\srv\\\\app": "../billing" } }', FILE);
    assert.deepEqual(config.pathMappings, [{ remote: '/var/www/html', local: path.resolve('/work/app') }, { remote: 'C:\\srv\\app', local: path.resolve('/work/billing') }]);
    assert.deepEqual(parseConfigText('{}', FILE).config.pathMappings, []);
    const ps = problems('{ "pathMappings": {\n  "app/": "." } }');
    assert.equal(ps.length, 1, ps.map((p) => p.message).join('; '));
    assert.equal(new ConfigError(ps).message, `${FILE}:2:3: pathMappings["app/"]: invalid name "app/": must match pattern "^(/|[A-Za-z]:[\\\\/])"`);
  });

  it('points an unknown property at its key (a typo is not silently ignored)', () => {
    const ps = problems('{ "pools": { "emails": {\n  "comand": ["x"] } } }');
    const unknown = ps.find((p) => /unknown property "comand"/.test(p.message));
    assert.ok(unknown);
    assert.deepEqual([unknown.range.line, unknown.range.column], [2, 3]);
    assert.ok(ps.some((p) => /missing required property "command"/.test(p.message)));
  });

  it('refuses an empty command, a bad signal, a bad size and min > max, each at its place', () => {
    const ps = problems(JSON.stringify({ pools: { a: { command: [], stop: { signal: 'SIGNOPE' }, limits: { memory: 'lots' } }, b: { command: ['x'], processes: { min: 5, max: 2 } } } }, null, 1));
    const byPath = Object.fromEntries(ps.map((p) => [p.path.join('.'), p.message]));
    assert.match(byPath['pools.a.command'], /must NOT have fewer than 1 items/);
    assert.match(byPath['pools.a.stop.signal'], /must be one of "SIGTERM"/);
    assert.match(byPath['pools.a.limits.memory'], /must be a size/);
    // min > max is a semantic check, reported once the schema passes
    const ps2 = problems(JSON.stringify({ pools: { b: { command: ['x'], processes: { min: 5, max: 2 } } } }, null, 1));
    assert.match(ps2[0].message, /min \(5\) must not exceed max \(2\)/);
    assert.deepEqual(ps2[0].path, ['pools', 'b', 'processes', 'min']);
  });

  it('refuses a password in the Redis URL', () => {
    const ps = problems('{ "redis": { "url": "redis://user:hunter2@db:6379" } }');
    assert.match(ps[0].message, /must not contain a password: set CHAPERONE_REDIS_PASSWORD/);
  });

  it('explains a processes value that is neither a number nor {min,max}', () => {
    const ps = problems('{ "pools": { "a": { "command": ["x"], "processes": "two" } } }');
    assert.equal(ps.length, 1);
    assert.match(ps[0].message, /must be a number of processes or \{ "min": N, "max": M \}/);
  });

  it('reports an empty file', () => {
    assert.match(problems('')[0].message, /JSON syntax|empty/);
  });
});

describe('config: hostile and broken files', () => {
  it('a 3000-level nesting, even under an unknown key, is a located error, not a stack overflow', () => {
    const deep = `{ "pools": {}, "extra": ${'['.repeat(3000)}${']'.repeat(3000)} }`;
    const [p] = problems(deep);
    assert.match(p.message, /nested deeper than 64 levels/);
    assert.equal(p.range.line, 1);
    assert.equal(p.range.offset, deep.indexOf('[') + 63);
    const objects = `{ "x": ${'{"a":'.repeat(3000)}1${'}'.repeat(3000)} }`;
    assert.match(problems(objects)[0].message, /nested deeper than 64 levels/);
  });

  it('a key written twice is an error naming both places', () => {
    const text = '{\n  "pools": {\n    "a": { "command": ["x"] },\n    "a": { "command": ["y"] }\n  }\n}';
    const [p] = problems(text);
    assert.deepEqual(p.path, ['pools', 'a']);
    assert.equal(p.range.line, 4);
    assert.match(p.message, /duplicate key "a": also at line 3, column 5/);
  });

  it('a duration past what a timer can wait, a NUL in argv, huge counts: each refused at its place', () => {
    const msg = (pool: object): string => problems(JSON.stringify({ pools: { p: { command: ['x'], ...pool } } })).map((x) => x.message).join('; ');
    assert.match(msg({ stop: { timeout: 1e20 } }), /must be <= 2147483647/);
    assert.match(msg({ stop: { timeout: '9999999h' } }), /at most about 24.8 days/);
    assert.match(msg({ command: ['x', 'a\u0000b'] }), /NUL/);
    assert.match(msg({ restart: { maxRestarts: 1e20 } }), /must be <= 1000000/);
    assert.match(msg({ scale: { maxShift: 1e9 } }), /must be <= 10000/);
  });

  it('fuzzed invalid configs: every one is a ConfigError (the CLI exit 2), none another exception', () => {
    const valid = {
      redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'chaperone:' },
      supervisor: { heartbeat: '2s', sampleInterval: '1s', logLines: 100, handoverGrace: '10s' },
      pools: {
        a: {
          command: ['node', 'w.js'], cwd: '.', env: { A: '1' }, processes: { min: 1, max: 4, initial: 2 },
          restart: { delay: '100ms', maxDelay: '15s', factor: 1.5, jitter: 0.2, minUptime: '2s', maxRestarts: 10, window: '60s' },
          stop: { signal: 'SIGTERM', timeout: '30s' }, limits: { memory: '512MB', cpu: 95, samples: 3 },
          queues: ['bullmq:a'], scale: { strategy: 'depth', jobsPerWorker: 10, cooldown: '30s', maxShift: 2, pin: '10m' },
        },
      },
      queues: { bullmq: { prefix: 'bull' } },
    };
    const leaves: (string | number)[][] = [];
    const walk = (o: unknown, p: (string | number)[]): void => {
      if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) walk(v, [...p, Array.isArray(o) ? Number(k) : k]);
      else leaves.push(p);
    };
    walk(valid, []);
    // Values that are wrong for every leaf of this config: wrong types, negatives, non-finite, absurd sizes.
    const wrong: unknown[] = [-1, -0.5, Infinity, '1e400ms', '-5s', {}, [], null, true, 'x'.repeat(5000), { nested: { deep: [1] } }];
    let seed = 42;
    const rnd = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let refused = 0;
    for (let i = 0; i < 400; i++) {
      const c = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>;
      const p = leaves[rnd(leaves.length)];
      const v = wrong[rnd(wrong.length)];
      let o = c as Record<string | number, unknown>;
      for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      const before = o[p[p.length - 1]];
      // A long string is fine where any string is (an env value, an argv entry): only wrong types count there.
      if (typeof before === 'string' && typeof v === 'string' && !/^(redis|supervisor|pools\.a\.(restart|stop|limits|scale)|queues)/.test(p.join('.'))) continue;
      if (p.join('.') === 'pools.a.cwd' && typeof v === 'string') continue;
      o[p[p.length - 1]] = v;
      try {
        parseConfigText(JSON.stringify(c), FILE);
      } catch (err) {
        assert.ok(err instanceof ConfigError, `${p.join('.')} = ${JSON.stringify(v)?.slice(0, 40)}: ${String(err)}`);
        refused++;
        continue;
      }
      assert.fail(`accepted ${p.join('.')} = ${JSON.stringify(v)?.slice(0, 40)}`);
    }
    assert.ok(refused > 250, `${refused} refused`);
  });

  it('logs, watch and notify: defaults, paths from the config\'s folder, and each bad field at its place', () => {
    const { config } = parseConfigText(JSON.stringify({
      pools: { a: { command: ['x'], logs: { file: 'logs/a.log' }, watch: ['app/**/*.php'] }, b: { command: ['y'], logs: { file: 'b.log', stderrFile: 'b.err', maxSize: '1MB', keep: 0, timestamps: false }, watch: { paths: ['src/**'], ignore: ['src/gen/**'], debounce: '250ms' } } },
      notify: [{ webhook: 'env:HOOK', format: 'slack' }, { email: { smtp: 'smtp://ops@mail.example:2525', from: 'a@b.c', to: 'c@d.e' }, severity: 'critical', group: '0s', rateLimit: { messages: 3, per: '10m' } }],
    }), FILE);
    const [a, b] = config.pools;
    assert.deepEqual(a.logs, { file: path.join(path.dirname(FILE), 'logs/a.log'), maxBytes: 10_000_000, keep: 5, timestamps: true });
    assert.deepEqual(a.watch, { paths: ['app/**/*.php'], ignore: [], debounceMs: 1000 });
    assert.deepEqual(b.logs, { file: path.join(path.dirname(FILE), 'b.log'), stderrFile: path.join(path.dirname(FILE), 'b.err'), maxBytes: 1_000_000, keep: 0, timestamps: false });
    assert.deepEqual(b.watch, { paths: ['src/**'], ignore: ['src/gen/**'], debounceMs: 250 });
    assert.deepEqual(config.notify.map((c) => [c.name, c.severity, c.groupMs, c.rate]), [
      ['webhook #1 (slack)', 'warning', 30_000, { messages: 10, perMs: 3_600_000 }],
      ['email #2', 'critical', 0, { messages: 3, perMs: 600_000 }],
    ]);
    assert.deepEqual(config.notify[0].target, { kind: 'webhook', url: { env: 'HOOK' }, format: 'slack' });
    assert.deepEqual(config.notify[1].target, { kind: 'email', smtp: { url: 'smtp://ops@mail.example:2525', passwordEnv: 'CHAPERONE_SMTP_PASSWORD' }, from: 'a@b.c', to: ['c@d.e'] });

    // The schema's checks first (a file that fails them is not read further) ...
    const shape = problems(`{
  "pools": { "a": { "command": ["x"],
    "logs": { "file": "a.log", "keep": 5000 },
    "watch": [] } },
  "notify": [
    { "webhook": "ftp://x" },
    { "email": { "smtp": "smtp://u:pw@host", "from": "a@b.c", "to": "c@d.e" } }
  ]
}`);
    const lines = (ps: ConfigProblem[], key: string) => ps.filter((p) => p.path.join('.') === key).map((p) => p.range.line);
    assert.deepEqual(lines(shape, 'pools.a.logs.keep'), [3]);
    assert.deepEqual(lines(shape, 'pools.a.watch'), [4]);
    assert.deepEqual(lines(shape, 'notify.0.webhook'), [6]);
    assert.deepEqual(lines(shape, 'notify.1.email.smtp'), [7], 'a password in the SMTP URL');
    // ... then the ranges and rules it cannot say.
    const bad = problems(`{
  "pools": { "a": { "command": ["x"],
    "logs": { "file": "a.log", "maxSize": "1KB" },
    "watch": { "paths": ["../elsewhere/**"], "debounce": "5m" } } },
  "notify": [
    { "webhook": "https://user:pw@hooks.example/x" },
    { "webhook": "https://hooks.example/y", "group": "1h", "rateLimit": { "per": "10s" } }
  ]
}`);
    const at = (key: string) => bad.filter((p) => p.path.join('.') === key).map((p) => `${p.range.line}: ${p.message}`);
    assert.deepEqual(at('pools.a.logs.maxSize'), ['3: must be at least 4KB']);
    assert.deepEqual(at('pools.a.watch.paths.0'), ['4: must be a glob inside the folder of chaperone.json (no absolute path, no "..")']);
    assert.deepEqual(at('pools.a.watch.debounce'), ['4: must be between 100ms and 1m']);
    assert.deepEqual(at('notify.0.webhook'), ['6: must not contain a password: use env:NAME and keep the URL in the environment']);
    assert.deepEqual(at('notify.1.group'), ['7: must be between 0 and 10m']);
    assert.deepEqual(at('notify.1.rateLimit.per'), ['7: must be between 1m and 24h']);
  });
});

