import { strict as assert } from 'node:assert';
import { commandFields, parseCommand } from '../../src/core/commands';
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
    assert.match((parseCommand({ ...base, count: 'many' }) as { error: string }).error, /not a number/);
    assert.match((parseCommand({ ...base, count: undefined as unknown as string }) as { error: string }).error, /integer count/);
  });
});
