import { strict as assert } from 'node:assert';
import { TimeSlicedQueue } from '../../src/node/time-slices';

describe('time-sliced queue (the signals tick works on counts as they arrive)', () => {
  it('works on every item once, in the order the parts came, in batches of at most 8, a turn going on into the next part', async () => {
    const seen: number[][] = [];
    const q = new TimeSlicedQueue<number>((batch) => seen.push(batch), 1_000); // one long budget: a single turn
    q.push([1, 2, 3]);
    q.push(Array.from({ length: 10 }, (_, i) => 10 + i));
    q.push([]);
    q.push([99]);
    await q.done();
    assert.deepEqual(seen.flat(), [1, 2, 3, ...Array.from({ length: 10 }, (_, i) => 10 + i), 99]);
    assert.ok(seen.every((b) => b.length >= 1 && b.length <= 8));
    q.push([7]);
    await q.done();
    assert.deepEqual(seen.at(-1), [7], 'used again after it ran dry');
  });

  it('yields to the event loop between turns (a zero budget: a batch a turn)', async () => {
    const order: string[] = [];
    const q = new TimeSlicedQueue<number>((batch) => order.push(`batch ${batch[0]}`), 0);
    q.push(Array.from({ length: 24 }, (_, i) => i));
    setImmediate(() => order.push('other work'));
    await q.done();
    assert.deepEqual(order, ['batch 0', 'other work', 'batch 8', 'batch 16']);
  });

  it('what the work throws reaches done(), never an unhandled rejection, and the rest is dropped', async () => {
    const q = new TimeSlicedQueue<number>((batch) => {
      if (batch.includes(3)) throw new Error('bad item');
    }, 0);
    q.push([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await new Promise((r) => setTimeout(r, 10)); // the failure happens before anyone waits
    await assert.rejects(q.done(), /bad item/);
  });
});
