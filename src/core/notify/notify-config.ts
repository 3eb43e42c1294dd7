// Where findings are told to a person ("notify" in chaperone.json): one channel per entry.
import type { Severity } from '../config/signals-config';
import type { SourceRange } from '../config/source-range';

export type NotifyFormat = 'json' | 'slack' | 'teams';

/** A secret is kept by reference where it can be: "env:NAME" reads the variable when sending. */
export type SecretText = { env: string } | { text: string };

export type NotifyTarget =
  | { kind: 'webhook'; url: SecretText; format: NotifyFormat }
  | { kind: 'email'; smtp: { url: string; user?: string; passwordEnv: string }; from: string; to: string[] };

export interface NotifyChannel {
  /** For logs: "webhook #1 (slack)", "email #2"; never the URL. */
  name: string;
  target: NotifyTarget;
  /** The lowest severity told. */
  severity: Severity;
  /** Changes within this long of the first go out as one message. */
  groupMs: number;
  /** At most `messages` per `perMs` on this channel; what happens meanwhile is told in the next one. */
  rate: { messages: number; perMs: number };
  range?: SourceRange;
}

export const NOTIFY_DEFAULTS = {
  severity: 'warning' as Severity,
  groupMs: 30_000,
  rate: { messages: 10, perMs: 3_600_000 },
  passwordEnv: 'CHAPERONE_SMTP_PASSWORD',
};
