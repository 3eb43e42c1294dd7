// Host figures per tick from cheap sources, all asynchronous: CPU from /proc/stat deltas (os.cpus()
// elsewhere), memory from /proc/meminfo (MemAvailable; os.freemem() elsewhere), load per core from
// /proc/loadavg (os.loadavg() elsewhere), disk use per mount from statfs, network from
// /proc/net/dev. The mount list and the number of cores are re-read at most every 30 s. No process
// is spawned and nothing blocks the event loop: os.cpus() and os.loadavg() read /proc
// synchronously (libuv opens, reads and closes the file on the loop's thread), so neither is
// called per tick on Linux, and each /proc file stays open and is read again from its start (one
// read a tick, not open, stat, read and close).
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import type { DiskObservation, HostObservation } from '../core/signals/observations';

const MOUNTS_EVERY_MS = 30_000;
const MEM_TOTAL = /^MemTotal:\s+(\d+)/m;
const MEM_AVAILABLE = /^MemAvailable:\s+(\d+)/m;
/** Real filesystems worth watching; pseudo ones (proc, tmpfs, overlay lower layers...) are skipped. */
const DISK_FS = /^(ext[234]|xfs|btrfs|zfs|f2fs|vfat|exfat|ntfs|ntfs3|apfs|hfs|jfs|reiserfs|overlay)$/;

export class HostSampler {
  private lastCpu: { idle: number; total: number } | undefined;
  private lastNet: { at: number; rx: number; tx: number } | undefined;
  private mounts: { at: number; list: string[] } | undefined;
  private cores: { at: number; n: number } | undefined;

  constructor(private readonly platform = process.platform) {}

  private readonly files = new ProcFiles();

  async sample(now = Date.now()): Promise<HostObservation> {
    const [cpuPct, memoryPct, load, disks, net] = await Promise.all([this.cpu(), this.memory(), this.load(), this.disks(now), this.network(now)]);
    if (!this.cores || now - this.cores.at >= MOUNTS_EVERY_MS) this.cores = { at: now, n: Math.max(1, os.availableParallelism()) };
    return { cpuPct, memoryPct, loadPerCore: load / this.cores.n, disks, ...net };
  }

  /** The 1-minute load average. */
  private async load(): Promise<number> {
    const text = this.platform === 'linux' ? await this.files.read('/proc/loadavg') : undefined;
    return (text !== undefined ? loadOf(text) : undefined) ?? os.loadavg()[0];
  }

  /** Closes the /proc files it keeps open. */
  async close(): Promise<void> {
    await this.files.close();
  }

  private async cpu(): Promise<number> {
    let idle = 0;
    let total = 0;
    const stat = this.platform === 'linux' ? await this.files.read('/proc/stat') : undefined;
    if (stat !== undefined) {
      // The first line sums every CPU: user nice system idle iowait irq softirq steal (in ticks).
      const f = stat.slice(0, stat.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
      idle = f[3] + (f[4] || 0);
      total = f.slice(0, 8).reduce((a, x) => a + (x || 0), 0);
    } else {
      for (const c of os.cpus()) {
        const t = c.times;
        idle += t.idle;
        total += t.user + t.nice + t.sys + t.idle + t.irq;
      }
    }
    const prev = this.lastCpu;
    this.lastCpu = { idle, total };
    if (!prev || total <= prev.total) return 0;
    return Math.min(100, Math.max(0, (1 - (idle - prev.idle) / (total - prev.total)) * 100));
  }

  private async memory(): Promise<number> {
    if (this.platform === 'linux') {
      try {
        const text = await this.files.read('/proc/meminfo');
        if (text === undefined) throw new Error('no /proc/meminfo');
        const total = Number(MEM_TOTAL.exec(text)?.[1]);
        const available = Number(MEM_AVAILABLE.exec(text)?.[1]);
        if (total > 0 && Number.isFinite(available)) return ((total - available) / total) * 100;
      } catch {
        // fall back to the os module
      }
    }
    return (1 - os.freemem() / os.totalmem()) * 100;
  }

  private async disks(now: number): Promise<DiskObservation[]> {
    if (!this.mounts || now - this.mounts.at >= MOUNTS_EVERY_MS) this.mounts = { at: now, list: await this.listMounts() };
    const out = await Promise.all(this.mounts.list.map(async (mount) => {
      try {
        const s = await fs.statfs(mount);
        const total = s.blocks * s.bsize;
        if (total <= 0) return undefined;
        // As df: used against what non-root users can have (used + available).
        const used = (s.blocks - s.bfree) * s.bsize;
        const avail = s.bavail * s.bsize;
        return { mount, usedPct: (used / (used + avail)) * 100, freeBytes: avail };
      } catch {
        return undefined;
      }
    }));
    return out.filter((d): d is DiskObservation => d !== undefined);
  }

  private async listMounts(): Promise<string[]> {
    if (this.platform !== 'linux') return [this.platform === 'win32' ? 'C:\\' : '/'];
    try {
      const text = await fs.readFile('/proc/mounts', 'utf8');
      const devices = new Set<string>();
      const mounts: string[] = [];
      for (const line of text.split('\n')) {
        const [dev, mount, type] = line.split(' ');
        // One mount per device (bind mounts repeat it).
        if (!mount || !DISK_FS.test(type ?? '') || devices.has(dev)) continue;
        devices.add(dev);
        mounts.push(mount.replace(/\\040/g, ' '));
      }
      return mounts.length ? mounts : ['/'];
    } catch {
      return ['/'];
    }
  }

  private async network(now: number): Promise<{ rxBytesPerSec?: number; txBytesPerSec?: number }> {
    if (this.platform !== 'linux') return {};
    try {
      const text = await this.files.read('/proc/net/dev');
      if (text === undefined) return {};
      let rx = 0;
      let tx = 0;
      for (const line of text.split('\n').slice(2)) {
        const [iface, rest] = line.split(':');
        if (!rest || iface.trim() === 'lo') continue;
        const f = rest.trim().split(/\s+/).map(Number);
        rx += f[0];
        tx += f[8];
      }
      const prev = this.lastNet;
      this.lastNet = { at: now, rx, tx };
      if (!prev || now <= prev.at || rx < prev.rx || tx < prev.tx) return {};
      const s = (now - prev.at) / 1000;
      return { rxBytesPerSec: (rx - prev.rx) / s, txBytesPerSec: (tx - prev.tx) / s };
    } catch {
      return {};
    }
  }
}

/** The 1-minute load average of /proc/loadavg ("0.52 0.58 0.59 1/467 12345"), or undefined. */
export function loadOf(text: string): number | undefined {
  const one = Number(text.slice(0, text.indexOf(' ')));
  return text.includes(' ') && Number.isFinite(one) && one >= 0 ? one : undefined;
}

/**
 * /proc files kept open and read again from offset 0 at each tick (procfs renders them afresh on
 * a read from the start): one system call where readFile makes four.
 */
class ProcFiles {
  private readonly open = new Map<string, Promise<fs.FileHandle | undefined>>();
  /** A buffer per file: the files are read at the same time. */
  private readonly bufs = new Map<string, Buffer>();

  /** The whole file as text, or undefined when it cannot be opened. */
  async read(path: string): Promise<string | undefined> {
    let handle = this.open.get(path);
    if (!handle) this.open.set(path, (handle = fs.open(path, 'r').catch(() => undefined)));
    const h = await handle;
    if (!h) return undefined;
    let buf = this.bufs.get(path) ?? Buffer.alloc(8192);
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, buf.length, 0);
      // A file larger than the buffer (/proc/net/dev with many interfaces): a larger buffer, again.
      if (bytesRead < buf.length) {
        this.bufs.set(path, buf);
        return buf.toString('latin1', 0, bytesRead);
      }
      buf = Buffer.alloc(buf.length * 2);
    }
  }

  async close(): Promise<void> {
    const handles = await Promise.all(this.open.values());
    this.open.clear();
    await Promise.all(handles.map((h) => h?.close().catch(() => undefined)));
  }
}
