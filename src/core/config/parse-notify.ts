// "notify" in chaperone.json, after the schema has checked its shape: defaults, ranges, and the
// rules the schema cannot say (no password in a URL, durations in range).
import { NOTIFY_DEFAULTS, type NotifyChannel, type NotifyTarget } from '../notify/notify-config';
import { parseDuration } from '../units';
import type { SourceRange } from './source-range';
import type { Severity } from './signals-config';

type JsonPath = (string | number)[];

interface RawCommon {
  severity?: Severity;
  group?: string | number;
  rateLimit?: { messages?: number; per?: string | number };
}
export type RawNotify = (RawCommon & { webhook: string; format?: 'json' | 'slack' | 'teams' }) | (RawCommon & { email: { smtp: string; user?: string; passwordEnv?: string; from: string; to: string | string[] } });

export function parseNotify(raw: readonly RawNotify[] | undefined, problem: (p: JsonPath, message: string) => void, rangeOf: (p: JsonPath) => SourceRange): NotifyChannel[] {
  return (raw ?? []).map((r, i) => {
    const at = (...rest: JsonPath): JsonPath => ['notify', i, ...rest];
    const dur = (v: string | number | undefined, fallback: number): number => (v === undefined ? fallback : (parseDuration(v) ?? fallback));
    const groupMs = dur(r.group, NOTIFY_DEFAULTS.groupMs);
    if (groupMs > 600_000) problem(at('group'), 'must be between 0 and 10m');
    const perMs = dur(r.rateLimit?.per, NOTIFY_DEFAULTS.rate.perMs);
    if (perMs < 60_000 || perMs > 86_400_000) problem(at('rateLimit', 'per'), 'must be between 1m and 24h');
    let target: NotifyTarget;
    let name: string;
    if ('webhook' in r) {
      const env = /^env:(.+)$/.exec(r.webhook)?.[1];
      if (!env) {
        try {
          const u = new URL(r.webhook);
          if (u.password) problem(at('webhook'), 'must not contain a password: use env:NAME and keep the URL in the environment');
        } catch {
          problem(at('webhook'), 'is not a URL');
        }
      }
      const format = r.format ?? 'json';
      target = { kind: 'webhook', url: env ? { env } : { text: r.webhook }, format };
      name = `webhook #${i + 1} (${format})`;
    } else {
      const e = r.email;
      target = {
        kind: 'email',
        smtp: { url: e.smtp, ...(e.user ? { user: e.user } : {}), passwordEnv: e.passwordEnv ?? NOTIFY_DEFAULTS.passwordEnv },
        from: e.from,
        to: Array.isArray(e.to) ? [...e.to] : [e.to],
      };
      name = `email #${i + 1}`;
    }
    return {
      name, target,
      severity: r.severity ?? NOTIFY_DEFAULTS.severity,
      groupMs,
      rate: { messages: r.rateLimit?.messages ?? NOTIFY_DEFAULTS.rate.messages, perMs },
      range: rangeOf(['notify', i]),
    };
  });
}
