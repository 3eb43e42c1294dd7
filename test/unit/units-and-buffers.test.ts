import { ScriptRows } from '../../src/queues/contract';
import { strict as assert } from 'node:assert';
import { auditLine, sanitizeAudit } from '../../src/core/audit-text';
import { commandFields, parseCommand, parseCommandResult } from '../../src/core/commands';
import { redactUrl } from '../../src/node/redis-connection';
import { RingBuffer } from '../../src/core/ring-buffer';
import { parseDuration, parseSize } from '../../src/core/units';

describe('units', () => {
  it('parses durations and sizes', () => {
    assert.deepEqual(['500ms', '10s', '5m', '1.5h', 250, ' 2s '].map(parseDuration), [500, 10_000, 300_000, 5_400_000, 250, 2000]);
    assert.deepEqual(['soon', '-1s', -5, '10 parsecs', null].map(parseDuration), [undefined, undefined, undefined, undefined, undefined]);
    assert.deepEqual(['512MB', '1GiB', '100kb', 42].map(parseSize), [512_000_000, 1024 ** 3, 100_000, 42]);
    assert.equal(parseSize('big'), undefined);
  });
});

describe('ring buffer', () => {
  it('keeps the newest entries within capacity and counts what it dropped', () => {
    const r = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    assert.deepEqual(r.tail(), [3, 4, 5]);
    assert.deepEqual(r.tail(2), [4, 5]);
    assert.equal(r.length, 3);
    assert.equal(r.droppedCount, 2);
    assert.throws(() => new RingBuffer(0), /positive integer/);
  });
});

describe('commands from Redis', () => {
  const base = { id: 'c1', verb: 'scale', pool: 'emails', count: '3', actor: 'cli:a@b', sentAt: '1', deadline: '99' };
  it('round-trips through commandFields', () => {
    const p = parseCommand(base);
    assert.ok(!('error' in p));
    assert.deepEqual(commandFields(p.command), base);
  });
  it('refuses any field outside the allowlist: a command never carries a command line', () => {
    const p = parseCommand({ ...base, command: 'rm -rf /' });
    assert.deepEqual(p, { error: 'unknown field "command" in command' });
  });
  it('refuses unknown verbs, bad pool names and non-numeric counts', () => {
    assert.match((parseCommand({ ...base, verb: 'exec' }) as { error: string }).error, /unknown verb "exec"/);
    assert.match((parseCommand({ ...base, pool: '../x' }) as { error: string }).error, /pool name/);
    assert.match((parseCommand({ ...base, count: 'many' }) as { error: string }).error, /count must be a whole number in decimal digits/);
    assert.match((parseCommand({ ...base, count: undefined as unknown as string }) as { error: string }).error, /scale needs a count/);
  });
  it('range-checks every numeric field, in decimal only', () => {
    const err = (f: Record<string, string | undefined>): string => (parseCommand({ ...base, ...f } as Record<string, string>) as { error?: string }).error ?? 'accepted';
    assert.match(err({ verb: 'stop', timeoutMs: '-1', count: undefined }), /timeoutMs must be between 0 and 86400000, not -1/);
    assert.match(err({ count: '0x3' }), /count must be a whole number in decimal digits, not "0x3"/);
    assert.match(err({ count: '3e0' }), /decimal digits/);
    assert.match(err({ count: '1.5' }), /decimal digits/);
    assert.match(err({ count: '99999' }), /count must be between 0 and 10000/);
    assert.match(err({ verb: 'logs', lines: '0', count: undefined }), /lines must be between 1 and 10000/);
    assert.match(err({ deadline: '1e400' }), /deadline must be a whole number/);
    assert.equal(err({ verb: 'stop', timeoutMs: '0', count: undefined }), 'accepted');
  });
  it('each verb takes its own fields only (a union, not a bag of optionals)', () => {
    const err = (f: Record<string, string | undefined>): string => (parseCommand({ ...base, ...f } as Record<string, string>) as { error?: string }).error ?? 'accepted';
    assert.equal(err({ verb: 'stop' }), 'stop does not take count');
    assert.equal(err({ verb: 'start', count: undefined, timeoutMs: '5' }), 'start does not take timeoutMs');
    assert.equal(err({ verb: 'drain', count: undefined, lines: '5' }), 'drain does not take lines');
    const p = parseCommand({ ...base, verb: 'logs', count: undefined, worker: 'emails-2', lines: '20', follow: '1' } as unknown as Record<string, string>);
    assert.ok('command' in p);
    assert.deepEqual(p.command, { id: 'c1', pool: 'emails', actor: 'cli:a@b', sentAt: 1, deadline: 99, verb: 'logs', worker: 'emails-2', lines: 20, follow: true });
  });
  it('parses results read back from Redis, never trusting their shape', () => {
    const ok = parseCommandResult(JSON.stringify({ id: 'c1', supervisor: 's', ok: true, status: 'ok', message: '2 line(s)', at: 5, data: { kind: 'logs', lines: [{ at: 1, worker: 'w-1', pid: 9, stream: 'stdout', text: 'hi' }, { at: 'x' }] } }));
    assert.ok(!('error' in ok));
    assert.deepEqual(ok.data, { kind: 'logs', lines: [{ at: 1, worker: 'w-1', pid: 9, stream: 'stdout', text: 'hi' }] });
    assert.match((parseCommandResult('{"id":1}') as { error: string }).error, /without id/);
    assert.match((parseCommandResult('nope') as { error: string }).error, /not JSON/);
    const odd = parseCommandResult(JSON.stringify({ id: 'c', supervisor: 's', ok: true, status: 'ok', message: 'm', at: 1, data: { kind: 'exec', rm: '-rf' } }));
    assert.ok(!('error' in odd) && odd.data === undefined, 'an unknown kind of data is dropped');
  });
  it('says "missing verb", and takes a worker only where the verb acts on one', () => {
    const err = (f: Record<string, string | undefined>): string => (parseCommand({ ...base, ...f } as Record<string, string>) as { error?: string }).error ?? 'accepted';
    assert.match(err({ verb: undefined }), /^missing verb; expected one of drain, stop/);
    assert.match(err({ verb: '' }), /^missing verb/);
    assert.match(err({ worker: 'emails-1' }), /scale acts on the whole pool and does not take a worker/);
    assert.equal(err({ verb: 'stop', worker: 'emails-1', count: undefined }), 'accepted');
    assert.match(err({ verb: 'stop', worker: 'a\nb', count: undefined }), /invalid worker id/);
  });
});

describe('audit text', () => {
  it('escapes control characters, so a newline cannot forge a line and no terminal escape passes', () => {
    const line = auditLine({ at: 1, actor: 'cli:eve\naudit: admin restart emails -> ok\x1b[2J', verb: 'scale', target: 'emails', outcome: 'ok', detail: 'tab\there\u2028' });
    assert.equal(line.split('\n').length, 1);
    assert.ok(!line.includes('\x1b'));
    assert.match(line, /cli:eve\\naudit: admin restart emails -> ok\\x1b\[2J scale emails -> ok: tab\\there\\u2028$/);
  });
  it('cuts a long refused command, saying how much was left out', () => {
    const e = sanitizeAudit({ at: 1, actor: 'x'.repeat(10_000), verb: 'v'.repeat(500), target: 't', outcome: 'error', detail: `refused: ${'d'.repeat(10_000)}` });
    assert.ok(e.actor.length < 260 && e.actor.endsWith('(9800 more characters)'), e.actor.slice(-40));
    assert.ok((e.detail ?? '').length < 1100);
    assert.ok(e.verb.length < 100);
  });
});

describe('redactUrl', () => {
  it('hides the whole user-info, even a password holding @ or /', () => {
    assert.equal(redactUrl('redis://:ss@ss-S3CRETpart@host:6379/0'), 'redis://***@host:6379/0');
    assert.equal(redactUrl('rediss://user:p/a@ss@example.com:6380'), 'rediss://***@example.com:6380');
    assert.equal(redactUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  });
});

describe('rows of a counts script', () => {
  it('reads each field as Number would, row by row, whole numbers without a string made', () => {
    const rows = ['3,0,1,-1', '12,,5,x', '1.5,2e3,-7,0', '0,-0,007,123456789', '-,+4, 5,1e400'];
    const reader = new ScriptRows(rows.join(';'));
    const into = [0, 0, 0, 0];
    for (const row of rows) {
      reader.next(into);
      assert.deepEqual(into, row.split(',').map(Number), row);
    }
  });

  it('reads 0 for the fields a short row lacks, skips those beyond, and 0 past the last row', () => {
    const reader = new ScriptRows('5,6;1,2,3,4,99;;7');
    const into = [9, 9, 9, 9];
    const read = () => {
      reader.next(into);
      return [...into];
    };
    assert.deepEqual([read(), read(), read(), read(), read()], [[5, 6, 0, 0], [1, 2, 3, 4], [0, 0, 0, 0], [7, 0, 0, 0], [0, 0, 0, 0]]);
  });
});
