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
        const f = statFields(this.buf, n);
        if (f.zombie) throw new Error('zombie');
        const ticks = f.utime + f.stime;
        const memoryBytes = f.rss * this.pageSize;
        let cpu: number;
        if (p) {
          const dtS = Number(now - p.at) / 1e9;
          cpu = dtS > 0 ? ((ticks - p.ticks) / this.clockTicks / dtS) * 100 : 0;
        } else {
          // First sight of this pid: the average since it started, as pidusage reports it.
          uptimeS ??= Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
          const ageS = uptimeS - f.starttime / this.clockTicks;
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

/**
 * The fields we need from /proc/<pid>/stat, read straight from the bytes (no string per field).
 * Fields are counted after the ")" that ends the command name (which may itself contain spaces):
 * state is the 1st, utime the 12th, stime the 13th, starttime the 20th, rss the 22nd.
 */
export function statFields(buf: Buffer, n: number): { zombie: boolean; utime: number; stime: number; starttime: number; rss: number } {
  let i = buf.lastIndexOf(0x29, n - 1) + 2; // after ") "
  const zombie = buf[i] === 0x5a; // 'Z'
  let field = 1;
  const want: Record<number, number> = { 12: 0, 13: 0, 20: 0, 22: 0 };
  while (i < n && field <= 22) {
    if (buf[i] === 0x20) {
      field++;
    } else if (field in want) {
      want[field] = want[field] * 10 + (buf[i] - 0x30);
    }
    i++;
  }
  return { zombie, utime: want[12], stime: want[13], starttime: want[20], rss: want[22] };
}
