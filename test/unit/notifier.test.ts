// The notifier's rules on a fake clock: grouping, severity, rate limit, retries.
import { strict as assert } from 'node:assert';
import { Notifier, type NotifyMemory } from '../../src/core/notify/notifier';
import type { NotifyChannel } from '../../src/core/notify/notify-config';
import type { NotifyMessage } from '../../src/core/notify/notify-message';
import { webhookBody, emailOf } from '../../src/core/notify/notify-formats';
import type { Finding } from '../../src/core/signals/findings';
import { FakeClock } from '../helpers/fake-clock';

const finding = (key: string, severity: Finding['severity'] = 'warning'): Finding => ({
  key, severity, subject: { kind: 'queue', id: `default/${key}` }, metric: 'depth', value: 10, limit: 5, message: `${key} depth 10 > 5`, builtIn: false, since: 0,
});

function setup(over: Partial<NotifyChannel> = {}, fail?: () => boolean, memory?: NotifyMemory) {
  const clock = new FakeClock();
  const sent: NotifyMessage[] = [];
  const warnings: string[] = [];
  const channel: NotifyChannel = { name: 'webhook #1 (json)', target: { kind: 'webhook', url: { text: 'http://x' }, format: 'json' }, severity: 'warning', groupMs: 10_000, rate: { messages: 3, perMs: 3_600_000 }, ...over };
  const n = new Notifier([channel], {
    clock, origin: 'sup@host', ...(memory ? { memory } : {}),
    logger: { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined },
    sender: { send: async (_c, m) => { if (fail?.()) throw new Error('down'); sent.push(m); } },
  });
  return { clock, sent, warnings, n };
}

describe('notifier', () => {
  it('groups what changes within the window into one message; a blip inside it is never sent', async () => {
    const { clock, sent, n } = setup();
    n.update([finding('a')]);
    await clock.advance(3000);
    n.update([finding('a'), finding('b'), finding('blip')]);
    await clock.advance(3000);
    n.update([finding('a'), finding('b')]);
    await clock.advance(5000);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].opened.map((c) => c.key), ['a', 'b']);
    n.update([finding('b')]);
    await clock.advance(10_000);
    assert.deepEqual(sent.map((m) => m.closed.map((c) => c.key)), [[], ['a']]);
    assert.equal(sent[1].stillOpen, 1);
  });

  it('tells a critical-only channel only of critical findings, including a warning that escalates', async () => {
    const { clock, sent, n } = setup({ severity: 'critical', groupMs: 0 });
    n.update([finding('a', 'warning')]);
    await clock.advance(1000);
    assert.equal(sent.length, 0);
    n.update([finding('a', 'critical')]);
    await clock.advance(1000);
    assert.deepEqual(sent.map((m) => m.opened.map((c) => c.severity)), [['critical']]);
  });

  it('holds a flapping finding to the rate; the held message counts its changes and goes out when allowed', async () => {
    const { clock, sent, n } = setup({ groupMs: 0, rate: { messages: 2, perMs: 60_000 } });
    for (let i = 0; i < 10; i++) {
      n.update(i % 2 === 0 ? [finding('a')] : []);
      await clock.advance(1000);
    }
    n.update([finding('a')]);
    await clock.advance(1000);
    assert.equal(sent.length, 2, 'two a minute');
    await clock.advance(60_000);
    assert.equal(sent.length, 3);
    assert.ok(sent[2].heldBack > 0);
    assert.ok(sent[2].opened[0].changes >= 8, `changes: ${sent[2].opened[0]?.changes}`);
    assert.match(JSON.stringify(webhookBody('slack', sent[2])), /flapping: changed \d+ times/);
  });

  it('tries a failed delivery again with backoff and logs it', async () => {
    let failing = true;
    const { clock, sent, warnings, n } = setup({ groupMs: 0 }, () => failing);
    n.update([finding('a')]);
    await clock.advance(1000);
    assert.equal(sent.length, 0);
    assert.match(warnings[0], /webhook #1 \(json\): down; trying again in 30s/);
    failing = false;
    await clock.advance(30_000);
    assert.equal(sent.length, 1);
    assert.equal(emailOf(sent[0]).subject, '[Chaperone] 1 opened: warning a depth 10 > 5');
  });

  it('remembers what a channel was told across a restart: an open finding is not told again, its close is', async () => {
    const saved: Record<string, Finding[]> = { 'webhook #1 (json)': [finding('a')] };
    const memory: NotifyMemory = { load: async () => saved, save: (ch, told) => (saved[ch] = told) };
    const { clock, sent, n } = setup({ groupMs: 0 }, undefined, memory);
    n.update([finding('a'), finding('b')]);
    await clock.advance(1000);
    assert.deepEqual(sent.map((m) => [m.opened.map((c) => c.key), m.closed.map((c) => c.key)]), [[['b'], []]], 'only b is new');
    assert.deepEqual(saved['webhook #1 (json)'].map((f) => f.key), ['a', 'b']);
    n.update([finding('b')]);
    await clock.advance(1000);
    assert.deepEqual(sent[1].closed.map((c) => c.key), ['a']);
  });
});

