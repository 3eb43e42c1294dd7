// A pool's CPU and memory: a running worker not sampled yet makes the sum a lower bound (unknown
// when none is sampled), never the 0 a missing sample would add; the engine's history leaves a gap.
import { strict as assert } from 'node:assert';
import { parseConfigText } from '../../src/core/config/parse-config';
import { poolUsage } from '../../src/core/signals/pool-usage';
import { SignalsEngine } from '../../src/core/signals/signals-engine';
import type { PoolObservation, WorkerObservation } from '../../src/core/signals/observations';

const T0 = 1_763_800_000_000;
const worker = (id: string, state: string, cpu?: number, memoryBytes?: number): WorkerObservation => ({
  id, state, restarts: 0, ...(cpu !== undefined ? { cpu } : {}), ...(memoryBytes !== undefined ? { memoryBytes } : {}),
});

describe('pool usage', () => {
  it('sums sampled workers; a running one without a sample makes it a lower bound, none sampled unknown', () => {
    assert.deepEqual(poolUsage([worker('a', 'running', 10, 100), worker('b', 'running', 5, 50)], 'cpu'), { value: 15, precision: 'exact', source: "the supervisor's last sample of each worker" });
    const partial = poolUsage([worker('a', 'running', 10, 100), worker('b', 'running')], 'memoryBytes');
    assert.equal(partial.value, 100);
    assert.equal(partial.precision, 'lower-bound');
    const none = poolUsage([worker('a', 'running'), worker('b', 'running')], 'cpu');
    assert.equal(none.value, null, 'not 0');
    assert.equal(none.precision, 'unknown');
  });

  it('a pool with no running worker is a true 0; a stopping worker with a sample still counts', () => {
    assert.deepEqual(poolUsage([], 'cpu'), { value: 0, precision: 'exact', source: 'no worker runs' });
    assert.equal(poolUsage([worker('a', 'stopped'), worker('b', 'backoff')], 'memoryBytes').value, 0);
    const stopping = poolUsage([worker('a', 'stopping', 3, 30), worker('b', 'exited')], 'cpu');
    assert.equal(stopping.value, 3);
    assert.equal(stopping.precision, 'exact');
  });

  it("the engine's history of a pool has a gap while a running worker is unsampled, never a 0", () => {
    const { config } = parseConfigText('{}', '/w/chaperone.json');
    const engine = new SignalsEngine(config.thresholds, config.tenants, config.signals, config.pools);
    const pool = (workers: WorkerObservation[]): PoolObservation => ({ name: 'mail', queues: [], running: workers.filter((w) => w.state === 'running').length, workers });
    engine.observe(T0, { queues: [], pools: [pool([worker('a', 'running'), worker('b', 'running')])] });
    engine.observe(T0 + 1000, { queues: [], pools: [pool([worker('a', 'running', 7, 70e6), worker('b', 'running')])] });
    engine.observe(T0 + 2000, { queues: [], pools: [pool([worker('a', 'running', 7, 70e6), worker('b', 'running', 3, 30e6)])] });
    engine.observe(T0 + 3000, { queues: [], pools: [pool([])] });
    const cpu = engine.history('pool:mail:cpu', T0 - 1000, T0 + 4000)?.points.map((p) => [p.t - T0, p.avg]);
    const memory = engine.history('pool:mail:memory', T0 - 1000, T0 + 4000)?.points.map((p) => [p.t - T0, p.avg]);
    assert.deepEqual(cpu, [[2000, 10], [3000, 0]], 'no point while a running worker had no sample; 0 once none runs');
    assert.deepEqual(memory, [[2000, 100e6], [3000, 0]]);
  });
});
