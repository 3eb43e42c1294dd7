// CPU and memory of many pids on Linux, cheaply: one kept-open fd per pid and one pread of
// /proc/<pid>/stat into a preallocated buffer per sample. Runs in the spawner (sync reads there block
// nobody who matters). Measured for 50 idle node workers: ~0.8 ms CPU per tick, against ~5 ms for
// pidusage (async read per pid, a fresh buffer per read, /proc/uptime on every call); see README.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

interface Prev {
  fd: number;
  ticks: number;
  at: bigint; // hrtime ns
}

export interface Usage {
  pid: number;
  cpu: number; // percent of one core since the previous sample
  memoryBytes: number;
}

export class ProcStatReader {
  private readonly prev = new Map<number, Prev>();
  private readonly buf = Buffer.allocUnsafe(4096);

  constructor(
    private readonly clockTicks = 100,
    private readonly pageSize = 4096,
  ) {}

  sample(pids: readonly number[]): Usage[] {
    const wanted = new Set(pids);
    for (const [pid, p] of this.prev) {
      if (!wanted.has(pid)) {
        closeSync(p.fd);
        this.prev.delete(pid);
      }
    }
    const now = process.hrtime.bigint();
    const out: Usage[] = [];
    let uptimeS: number | undefined;
    for (const pid of pids) {
      let p = this.prev.get(pid);
      let fd = p?.fd;
      try {
        fd ??= openSync(`/proc/${pid}/stat`, 'r');
        const n = readSync(fd, this.buf, 0, this.buf.length, 0);
        const stat = this.buf.toString('latin1', 0, n);
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (f[0] === 'Z') throw new Error('zombie');
        const ticks = Number(f[11]) + Number(f[12]); // utime + stime
        const memoryBytes = Number(f[21]) * this.pageSize; // rss pages
        let cpu: number;
        if (p) {
          const dtS = Number(now - p.at) / 1e9;
          cpu = dtS > 0 ? ((ticks - p.ticks) / this.clockTicks / dtS) * 100 : 0;
        } else {
          // First sight of this pid: the average since it started, as pidusage reports it.
          uptimeS ??= Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
          const ageS = uptimeS - Number(f[19]) / this.clockTicks;
          cpu = ageS > 0 ? (ticks / this.clockTicks / ageS) * 100 : 0;
        }
        p = { fd, ticks, at: now };
        this.prev.set(pid, p);
        out.push({ pid, cpu: Math.max(0, cpu), memoryBytes });
      } catch {
        // Gone (or a zombie): forget it; its fd is closed.
        if (fd !== undefined) closeSync(fd);
        this.prev.delete(pid);
      }
    }
    return out;
  }

  close(): void {
    for (const p of this.prev.values()) closeSync(p.fd);
    this.prev.clear();
  }
}
