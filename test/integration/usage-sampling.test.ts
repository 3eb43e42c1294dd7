// The Linux /proc reader the spawner uses for CPU and memory, against real processes.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { ProcStatReader, statFields } from '../../src/node/spawner/proc-stat-reader';
import { sleep } from '../helpers/wait';

/** The same fields, computed independently: split the text after the command name. */
function splitParse(text: string) {
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { zombie: f[0] === 'Z', utime: Number(f[11]), stime: Number(f[12]), starttime: Number(f[19]), rss: Number(f[21]) };
}

describe('usage sampling from /proc (Linux)', function () {
  this.timeout(20_000);
  const children: ChildProcess[] = [];
  after(() => children.forEach((c) => c.kill('SIGKILL')));

  it('statFields reads the same numbers as a plain split, including odd command names', () => {
    const real = readFileSync('/proc/self/stat');
    assert.deepEqual(statFields(real, real.length), splitParse(real.toString('latin1')));
    const odd = Buffer.from('4242 (my (odd) worker) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 567 0 0 20 0 7 0 98765 1000000 2048 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n');
    assert.deepEqual(statFields(odd, odd.length), { zombie: false, utime: 1234, stime: 567, starttime: 98765, rss: 2048 });
    assert.deepEqual(statFields(odd, odd.length), splitParse(odd.toString('latin1')));
  });

  it('tells a busy process from an idle one and reports its memory; forgets exited pids', async () => {
    const busy = spawn(process.execPath, ['-e', 'for(;;){}']);
    const idle = spawn(process.execPath, ['-e', 'setInterval(()=>{},1e6)']);
    children.push(busy, idle);
    await sleep(300);
    const reader = new ProcStatReader();
    reader.sample([busy.pid as number, idle.pid as number]);
    await sleep(1000);
    const rows = new Map(reader.sample([busy.pid as number, idle.pid as number]).map((u) => [u.pid, u]));
    const b = rows.get(busy.pid as number);
    const i = rows.get(idle.pid as number);
    assert.ok(b && i);
    assert.ok(b.cpu > 50, `busy loop at ${b.cpu.toFixed(1)}%`);
    assert.ok(i.cpu < 10, `idle process at ${i.cpu.toFixed(1)}%`);
    const statusRss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${idle.pid}/status`, 'utf8'))?.[1]) * 1024;
    assert.ok(Math.abs(i.memoryBytes - statusRss) / statusRss < 0.2, `rss ${i.memoryBytes} vs VmRSS ${statusRss}`);
    busy.kill('SIGKILL');
    await new Promise((r) => busy.once('exit', r));
    const after = reader.sample([busy.pid as number, idle.pid as number]);
    assert.deepEqual(after.map((u) => u.pid), [idle.pid]);
    reader.close();
  });
});
