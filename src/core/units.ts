// Durations ("500ms", "10s", "5m", "1h" or a number of ms) and sizes ("512MB", "1.5GB", bytes).

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const DURATION_FACTOR: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;
const SIZE_FACTOR: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

export const DURATION_HINT = 'a duration such as "500ms", "10s", "5m" or a number of milliseconds, at most about 24.8 days';
export const SIZE_HINT = 'a size such as "512MB", "1GB" or a number of bytes';

/** The longest a timer can wait (2^31 - 1 ms): a longer one would fire at once. */
export const MAX_DURATION_MS = 2_147_483_647;

export function parseDuration(value: unknown): number | undefined {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? fromText(value) : undefined;
  return ms !== undefined && Number.isFinite(ms) && ms >= 0 && ms <= MAX_DURATION_MS ? Math.round(ms) : undefined;
}

function fromText(value: string): number | undefined {
  const m = DURATION.exec(value.trim());
  return m ? Number(m[1]) * DURATION_FACTOR[m[2]] : undefined;
}

export function parseSize(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = SIZE.exec(value.trim());
  return m ? Math.round(Number(m[1]) * SIZE_FACTOR[m[2].toLowerCase()]) : undefined;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.floor((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h${Math.floor((ms % 3_600_000) / 60_000)}m`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(0)}KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)}MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)}GiB`;
}

/** A time until something happens, as people say it: "45 s", "83 min", "5.2 h", "3 days". */
export function formatEta(ms: number): string {
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (ms < 3 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 2 * 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${Math.round(ms / 86_400_000)} days`;
}

/** Decimal units, as sizes are written in chaperone.json ("400MB" = 400 000 000 bytes). */
export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 || Number.isInteger(Math.round(v * 10) / 10) ? Math.round(v * 10) / 10 : v.toFixed(1)} ${units[u]}`;
}
