// The supervisor-spawner protocol's handover fields: each hello carries the supervisor's grace (a
// hello without it, from an older Chaperone, keeps the spawner's), and ready says how long the
// workers waited. The spawner runs argv, so what it accepts is checked field by field.
import { strict as assert } from 'node:assert';
import { parseFromSpawner, parseToSpawner } from '../../src/node/spawner/spawner-protocol';

describe('spawner protocol: the handover fields', () => {
  it('hello: a grace of 0 to 1 h is taken, none is null (keep the spawner\'s), anything else refuses the hello', () => {
    assert.deepEqual(parseToSpawner({ type: 'hello', pid: 42, startTime: '123', graceMs: 30_000 }), { type: 'hello', pid: 42, startTime: '123', graceMs: 30_000 });
    assert.deepEqual(parseToSpawner({ type: 'hello', pid: 42, startTime: '123', graceMs: 0 }), { type: 'hello', pid: 42, startTime: '123', graceMs: 0 });
    assert.deepEqual(parseToSpawner({ type: 'hello', pid: 42, startTime: '123' }), { type: 'hello', pid: 42, startTime: '123', graceMs: null });
    for (const graceMs of [-1, 3_600_001, 1.5, '30s', null, Number.NaN]) {
      assert.equal(parseToSpawner({ type: 'hello', pid: 42, startTime: '123', graceMs }), undefined, String(graceMs));
    }
  });

  it('ready: how long the workers waited, or null when none had left (or the field is not understood)', () => {
    const ready = (waited: unknown) => parseFromSpawner({ type: 'ready', pid: 7, children: [], kept: null, waited });
    assert.deepEqual(ready({ ms: 4800, graceMs: 30_000 }), { type: 'ready', pid: 7, children: [], kept: null, waited: { ms: 4800, graceMs: 30_000 } });
    for (const w of [null, undefined, { ms: -1, graceMs: 1000 }, { ms: 5, graceMs: 'x' }, 'soon']) {
      assert.equal((ready(w) as { waited: unknown } | undefined)?.waited, null, JSON.stringify(w));
    }
  });
});
