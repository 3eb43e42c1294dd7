// Snapshots read back from Redis are parsed, never cast: a well-formed one comes back equal, a
// malformed one is dropped, and fields of unknown shape are not passed on.
import * as assert from 'node:assert/strict';
import { parseSupervisorSnapshot } from '../../src/core/snapshot-parse';
import type { SupervisorSnapshot } from '../../src/core/snapshot';

const snap: SupervisorSnapshot = {
  id: 'web-1', host: 'web', pid: 42, startedAt: 1, lastSeen: 2, configFile: '/srv/chaperone.json', version: '0.1.0',
  controlPlane: { connected: true, disconnects: 1, lastGap: { from: 1, to: 2, ms: 1 } },
  pools: [{
    name: 'emails', state: 'running', desired: 2, min: 1, max: 4, queues: ['bullmq:mail'], scaling: { by: 'pinned', strategy: 'depth', until: 99 },
    workers: [
      { id: 'emails-1', pid: 100, state: 'running', restarts: 0, uptimeMs: 5, cpu: 1.5, memoryBytes: 1024, lastExit: null },
      { id: 'emails-2', pid: null, state: 'backoff', restarts: 3, uptimeMs: 0, cpu: null, memoryBytes: null, nextStartInMs: 500,
        lastExit: { at: 3, code: 1, signal: null, uptimeMs: 10, reason: 'crashed', stderrTail: ['boom'] } },
    ],
  }],
};

describe('supervisor snapshots read from Redis', () => {
  it('a well-formed snapshot comes back equal', () => {
    assert.deepEqual(parseSupervisorSnapshot(JSON.stringify(snap)), snap);
  });
  it('a malformed one is dropped, not shown with undefined numbers', () => {
    assert.equal(parseSupervisorSnapshot('not json'), undefined);
    assert.equal(parseSupervisorSnapshot(JSON.stringify({ ...snap, pid: 'x' })), undefined);
    assert.equal(parseSupervisorSnapshot(JSON.stringify({ ...snap, pools: [{ name: 'p' }] })), undefined);
    assert.equal(parseSupervisorSnapshot(JSON.stringify({ ...snap, pools: [{ ...snap.pools[0], workers: [{ pid: 1 }] }] })), undefined);
  });
  it('unknown states and extra fields are not passed on', () => {
    const odd = JSON.parse(JSON.stringify(snap)) as Record<string, unknown> & { pools: Record<string, unknown>[] };
    odd.pools[0].state = 'exploding';
    odd.pools[0].command = ['rm', '-rf', '/'];
    const p = parseSupervisorSnapshot(JSON.stringify(odd));
    assert.equal(p?.pools[0].state, 'degraded');
    assert.ok(p && !('command' in p.pools[0]));
  });
});
