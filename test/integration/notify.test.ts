// Notifications end to end: a real engine's findings on a real queue, posted to a local HTTP server
// (generic JSON and Slack formats) and mailed through a local SMTP server (smtp-server), once when a
// finding opens and once when it closes; a flapping one is held to the channel's rate.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { SMTPServer } from 'smtp-server';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { startEngine, tempDir, type Harness } from '../helpers/engine-harness';
import { runCli } from '../helpers/run-cli';
import { TestRedis } from '../helpers/redis-server';
import { sleep, waitFor } from '../helpers/wait';

interface Post {
  path: string;
  body: Record<string, unknown>;
}

async function hookServer(): Promise<{ url: string; posts: Post[]; close(): Promise<void> }> {
  const posts: Post[] = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(data) as Record<string, unknown> });
      res.writeHead(req.url === '/broken' ? 500 : 200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts, close: () => new Promise((r) => server.close(() => r())) };
}

async function smtpServer(): Promise<{ port: number; mails: { to: string[]; text: string; user: string | undefined }[]; close(): Promise<void> }> {
  const mails: { to: string[]; text: string; user: string | undefined }[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'], allowInsecureAuth: true, logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === 'ops' && auth.password === 's3cret') cb(null, { user: 'ops' });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      let text = '';
      stream.on('data', (d: Buffer) => (text += d.toString()));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), text, user: typeof session.user === 'string' ? session.user : undefined });
        cb();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.server.address() as AddressInfo).port, mails, close: () => new Promise((r) => server.close(() => r())) };
}

describe('notifications', function () {
  this.timeout(90_000);
  let redis: TestRedis;
  let hooks: Awaited<ReturnType<typeof hookServer>>;
  let smtp: Awaited<ReturnType<typeof smtpServer>>;
  let h: Harness | undefined;
  before(async () => {
    redis = await TestRedis.start();
    hooks = await hookServer();
    smtp = await smtpServer();
    process.env.CHAPERONE_TEST_HOOK = `${hooks.url}/slack-secret-token`;
    process.env.CHAPERONE_TEST_SMTP_PASSWORD = 's3cret';
  });
  after(async () => {
    delete process.env.CHAPERONE_TEST_HOOK;
    delete process.env.CHAPERONE_TEST_SMTP_PASSWORD;
    await hooks?.close();
    await smtp?.close();
    await redis?.stop();
  });
  afterEach(async () => {
    await h?.engine.shutdown(2000);
    h = undefined;
  });

  const config = (queue: string, notify: object[]) => ({
    redis: { url: redis.url }, queues: { bullmq: {} },
    thresholds: {
      hysteresis: { breachAfter: 1, clearAfter: 1 },
      host: { cpu: { warning: 100 }, memory: { warning: 100 }, disk: { warning: 100 }, loadPerCore: { warning: 1000 } },
      queues: { [`bullmq:${queue}`]: { depth: { warning: 5 }, zeroConsumers: 'off' } },
    },
    notify,
  });

  it('posts once when a finding opens and once when it closes, as JSON, Slack and email; a critical-only channel hears nothing', async () => {
    const q = new Queue('mail', { connection: { port: redis.port } });
    // Known before the engine starts (discovery is cached for 30 s); a delayed job stays through drain().
    await q.add('later', {}, { delay: 3_600_000 });
    try {
      h = await startEngine(config('mail', [
        { webhook: `${hooks.url}/json`, format: 'json', group: '200ms' },
        { webhook: 'env:CHAPERONE_TEST_HOOK', format: 'slack', group: '200ms' },
        { webhook: `${hooks.url}/critical`, severity: 'critical', group: '0s' },
        { email: { smtp: `smtp://ops@127.0.0.1:${smtp.port}`, passwordEnv: 'CHAPERONE_TEST_SMTP_PASSWORD', from: 'chaperone@example.test', to: ['oncall@example.test', 'lead@example.test'] }, group: '200ms' },
      ]), { redisUrl: redis.url, signals: { intervalMs: 150 }, notify: true });
      await q.addBulk(Array.from({ length: 8 }, (_, i) => ({ name: 'send', data: { i } })));
      await waitFor(() => hooks.posts.filter((p) => p.path === '/json').length === 1 && smtp.mails.length === 1 && hooks.posts.some((p) => p.path === '/slack-secret-token'), 'the opening posted and mailed', 20_000);
      await sleep(1000); // more ticks with the finding open: nothing more is sent
      const json = hooks.posts.filter((p) => p.path === '/json');
      assert.equal(json.length, 1, JSON.stringify(json));
      const opened = json[0].body as { source: string; opened: { message: string; severity: string; state: string }[]; closed: unknown[]; summary: string };
      assert.equal(opened.source, 'chaperone');
      assert.deepEqual(opened.opened.map((o) => [o.severity, o.message, o.state]), [['warning', 'bullmq:mail depth 8 > 5', 'open']]);
      assert.deepEqual(opened.closed, []);
      const slack = hooks.posts.filter((p) => p.path === '/slack-secret-token');
      assert.equal(slack.length, 1);
      assert.match(String(slack[0].body.text), /^Chaperone: 1 opened: warning bullmq:mail depth 8 &gt; 5$/);
      assert.ok(Array.isArray(slack[0].body.blocks));
      assert.deepEqual(smtp.mails[0].to, ['oncall@example.test', 'lead@example.test']);
      assert.equal(smtp.mails[0].user, 'ops', 'authenticated with the password from the environment');
      assert.match(smtp.mails[0].text, /Subject: \[Chaperone\] 1 opened: warning bullmq:mail depth 8 > 5/);

      await q.drain();
      await waitFor(() => hooks.posts.filter((p) => p.path === '/json').length === 2 && smtp.mails.length === 2, 'the closing posted and mailed', 20_000);
      await sleep(1000);
      const closed = hooks.posts.filter((p) => p.path === '/json')[1].body as { opened: unknown[]; closed: { message: string; state: string }[] };
      assert.deepEqual(closed.opened, []);
      assert.deepEqual(closed.closed.map((c) => [c.message, c.state]), [['bullmq:mail depth 8 > 5', 'closed']]);
      assert.equal(hooks.posts.filter((p) => p.path === '/json').length, 2);
      assert.equal(hooks.posts.filter((p) => p.path === '/slack-secret-token').length, 2);
      assert.equal(hooks.posts.filter((p) => p.path === '/critical').length, 0, 'a warning never reaches a critical-only channel');
      assert.ok(!h.logs.some((l) => l.includes('slack-secret-token') || l.includes('s3cret')), 'no secret in the log');
    } finally {
      await q.close();
    }
  });

  it('a flapping finding is held to the rate limit; a failing receiver is logged by host only and tried again later', async () => {
    const q = new Queue('flappy', { connection: { port: redis.port } });
    await q.add('later', {}, { delay: 3_600_000 });
    try {
      h = await startEngine(config('flappy', [
        { webhook: `${hooks.url}/flap`, group: '0s', rateLimit: { messages: 2, per: '1m' } },
        { webhook: `${hooks.url}/broken`, group: '0s' },
      ]), { redisUrl: redis.url, signals: { intervalMs: 100 }, notify: true });
      const harness = h;
      const open = () => harness.engine.findings().some((f) => f.subject.id === 'default/bullmq:flappy');
      for (let i = 0; i < 3; i++) {
        await q.addBulk(Array.from({ length: 8 }, (_, j) => ({ name: 'x', data: { j } })));
        await waitFor(() => (open() ? true : undefined), `open #${i + 1}`, 10_000);
        await sleep(300);
        await q.drain();
        await waitFor(() => (open() ? undefined : true), `closed #${i + 1}`, 10_000);
        await sleep(300);
      }
      await sleep(1000);
      const flap = hooks.posts.filter((p) => p.path === '/flap');
      assert.equal(flap.length, 2, `6 changes, 2 messages allowed a minute: ${JSON.stringify(flap.map((p) => p.body.summary))}`);
      assert.equal(hooks.posts.filter((p) => p.path === '/broken').length, 1, 'a failed delivery waits 30 s before it is tried again');
      assert.ok(harness.logs.some((l) => /notify webhook #2 \(json\): 127\.0\.0\.1:\d+ answered 500 Internal Server Error; trying again in 30s/.test(l)), harness.logs.join('\n'));
    } finally {
      await q.close();
    }
  });

  it('a restart of the supervisor does not tell an open finding again; its close still comes', async () => {
    const q = new Queue('restarts', { connection: { port: redis.port } });
    await q.add('later', {}, { delay: 3_600_000 });
    const dir = tempDir();
    const cfg = config('restarts', [{ webhook: `${hooks.url}/restart`, group: '0s' }]);
    const posts = () => hooks.posts.filter((p) => p.path === '/restart');
    try {
      h = await startEngine(cfg, { dir, redisUrl: redis.url, signals: { intervalMs: 150 }, notify: true });
      await q.addBulk(Array.from({ length: 8 }, (_, i) => ({ name: 'x', data: { i } })));
      await waitFor(() => posts().length === 1, 'the opening posted', 20_000);
      await h.engine.shutdown(2000);
      h = await startEngine(cfg, { dir, redisUrl: redis.url, signals: { intervalMs: 150 }, notify: true });
      const again = h;
      await waitFor(() => (again.engine.findings().some((f) => f.subject.id === 'default/bullmq:restarts') ? true : undefined), 'the finding open in the new engine', 10_000);
      await sleep(1500);
      assert.equal(posts().length, 1, 'still open: not told again');
      await q.drain();
      await waitFor(() => posts().length === 2, 'the closing posted by the new engine', 20_000);
      assert.deepEqual((posts()[1].body as { closed: { message: string }[] }).closed.map((c) => c.message), ['bullmq:restarts depth 8 > 5']);
    } finally {
      await q.close();
    }
  });

  it('chaperone notify test: one message to each channel, which answered and which did not', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'chaperone.json'), JSON.stringify({ notify: [{ webhook: `${hooks.url}/probe`, format: 'teams' }, { webhook: `${hooks.url}/broken` }, { webhook: 'env:CHAPERONE_NOT_SET' }] }));
    const r = await runCli(['notify', 'test'], { cwd: dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(r.stdout.trim(), 'webhook #1 (teams): sent');
    assert.match(r.stderr, /webhook #2 \(json\): error: 127\.0\.0\.1:\d+ answered 500/);
    assert.match(r.stderr, /webhook #3 \(json\): error: the environment variable CHAPERONE_NOT_SET \(the webhook's URL\) is not set/);
    const card = hooks.posts.find((p) => p.path === '/probe')?.body as { type: string; attachments: { contentType: string; content: { type: string; body: { text: string }[] } }[] };
    assert.equal(card.type, 'message');
    assert.equal(card.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
    assert.match(card.attachments[0].content.body[1].text, /this channel works/);
  });
});
