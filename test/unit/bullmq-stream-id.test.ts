// The first stream id after another: the bound that reads a BullMQ events stream newest first down
// to (not including) a cursor, on Redis versions without exclusive ranges.
import { strict as assert } from 'node:assert';
import { nextStreamId } from '../../src/queues/bullmq/bullmq-keys';

describe('nextStreamId', () => {
  it('is the next sequence number in the same millisecond', () => {
    assert.equal(nextStreamId('1733555555555-0'), '1733555555555-1');
    assert.equal(nextStreamId('1733555555555-41'), '1733555555555-42');
  });

  it('counts exactly past 2^53, where a double would round', () => {
    assert.equal(nextStreamId('5-9007199254740991'), '5-9007199254740992');
    assert.equal(nextStreamId('5-9007199254740993'), '5-9007199254740994');
  });

  it('goes on to the next millisecond after the largest sequence number', () => {
    assert.equal(nextStreamId('1733555555555-18446744073709551615'), '1733555555556-0');
  });
});
