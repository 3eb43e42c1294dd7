// Queue discovery keeps a queue's identity: the same queue found again is the same ref object
// (what is cached per ref, such as the signals' key of a queue, stays valid across discoveries).
import { strict as assert } from 'node:assert';
import { chunkedAfter, QueueDiscovery } from '../../src/queues/queue-discovery';

describe('queue discovery', () => {
  it('a queue found again keeps its ref; a new one gets its own; a gone one is gone; names sorted and once each', async () => {
    let names = ['mail', 'sms', 'mail'];
    const d = new QueueDiscovery('bullmq', 'default', () => Promise.resolve(names));
    const first = await d.discover(true);
    assert.deepEqual(first.map((r) => r.id), ['bullmq:mail', 'bullmq:sms']);
    names = ['sms', 'reports'];
    const second = await d.discover(true);
    assert.deepEqual(second.map((r) => r.id), ['bullmq:reports', 'bullmq:sms']);
    assert.equal(second[1], first[1], 'sms is the same object');
    assert.equal(second[0].connection, 'default');
    names = ['mail', 'sms'];
    const third = await d.discover(true);
    assert.notEqual(third[0], first[0], 'mail came back after it was gone: a new ref');
    assert.equal(third[1], first[1]);
  });

  it('chunks for the counts calls: a small first chunk, then chunks of the size given, none empty', () => {
    const items = Array.from({ length: 235 }, (_, i) => i);
    assert.deepEqual(chunkedAfter(items, 25, 100).map((c) => c.length), [25, 100, 100, 10]);
    assert.deepEqual(chunkedAfter(items, 25, 100).flat(), items);
    assert.deepEqual(chunkedAfter(items.slice(0, 7), 25, 100), [items.slice(0, 7)]);
    assert.deepEqual(chunkedAfter(items.slice(0, 25), 25, 100), [items.slice(0, 25)]);
    assert.deepEqual(chunkedAfter([], 25, 100), []);
  });
});

