// RotatingLogFile on a real file system: the write bound holds its sources off and lets them go,
// keep 0 keeps the current file only, and a line longer than a file goes alone into a new one.
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { RotatingLogFile } from '../../src/node/logs/rotating-log-file';
import { followLogFile, tailLogFile } from '../../src/node/logs/read-log-files';
import { tempDir } from '../helpers/engine-harness';
import { waitFor } from '../helpers/wait';

describe('rotating log file', () => {
  it('holds its sources off past 1 MiB waiting and lets them go once written', async () => {
    const dir = tempDir();
    const events: boolean[] = [];
    const f = new RotatingLogFile(path.join(dir, 'x.log'), { maxBytes: 1e9, keep: 1 }, (hold) => events.push(hold), (m) => assert.fail(m));
    const line = `${'y'.repeat(1023)}\n`;
    for (let i = 0; i < 3000; i++) f.write(line); // 3 MiB in one go, before any write can finish
    assert.deepEqual(events, [true]);
    assert.ok(f.pendingBytes > 2 * 1024 * 1024);
    await f.close();
    assert.deepEqual(events, [true, false]);
    assert.equal(readFileSync(path.join(dir, 'x.log')).length, 3000 * 1024);
  });

  it('keep 0 keeps only the current file; a line longer than maxSize goes alone into a file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'y.log');
    const f = new RotatingLogFile(file, { maxBytes: 100, keep: 0 }, () => undefined, (m) => assert.fail(m));
    for (let i = 0; i < 10; i++) f.write(`line ${i} ${'z'.repeat(20)}\n`); // 30 bytes each: 3 to a file
    await f.flush();
    assert.deepEqual(readdirSync(dir), ['y.log']);
    assert.equal(readFileSync(file, 'utf8'), `line 9 ${'z'.repeat(20)}\n`);
    f.write(`${'L'.repeat(300)}\n`);
    f.write('after\n');
    await f.close();
    assert.equal(readFileSync(file, 'utf8'), 'after\n', 'the long line had a file of its own, then rotated away');
  });

  it('tails across rotated files and follows through a rotation without losing a line', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'z.log');
    const f = new RotatingLogFile(file, { maxBytes: 1000, keep: 5 }, () => undefined, (m) => assert.fail(m));
    for (let i = 0; i < 100; i++) f.write(`old ${String(i).padStart(3, '0')}\n`); // 8 bytes: 125 a file
    await f.flush();
    assert.deepEqual(await tailLogFile(file, 5, 3), ['old 097', 'old 098', 'old 099']);
    const seen: string[] = [];
    const stop = followLogFile(file, 5, (l) => seen.push(l), (m) => assert.fail(m), 20);
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 400; i++) f.write(`new ${String(i).padStart(3, '0')}\n`); // rotates three times
    await f.flush();
    await waitFor(() => seen.length >= 400, 'all new lines followed', 5000);
    stop();
    await f.close();
    assert.deepEqual(seen, Array.from({ length: 400 }, (_, i) => `new ${String(i).padStart(3, '0')}`));
    const tail = await tailLogFile(file, 5, 200);
    assert.equal(tail.length, 200);
    assert.equal(tail[0], 'new 200');
  });
});
