// Findings to people: each channel hears when a finding at or above its severity opens and when it
// closes. Changes are grouped (one message per group window), a channel never gets more than its
// rate allows (what changes meanwhile goes into the next message, so nothing is lost and a flapping
// queue cannot flood it), and a failed delivery is tried again with backoff. What a channel was told
// is a set of open findings, not a queue of messages: memory is bounded by the findings themselves.
import type { Clock, CancelTimer, Logger } from '../ports';
import type { Severity } from '../config/signals-config';
import type { Finding } from '../signals/findings';
import type { NotifyChannel } from './notify-config';
import { changeOf, type NotifyMessage } from './notify-message';

export interface NotifySender {
  send(channel: NotifyChannel, message: NotifyMessage): Promise<void>;
}

/** What each channel was told is open, kept across restarts (so a restart does not tell it again). */
export interface NotifyMemory {
  load(): Promise<Record<string, Finding[]>>;
  save(channel: string, told: Finding[]): void;
}

const RANK: Record<Severity, number> = { warning: 1, critical: 2 };
const RETRY_FIRST_MS = 30_000;
const RETRY_MAX_MS = 600_000;

interface ChannelState {
  channel: NotifyChannel;
  /** What the channel was last told is open. */
  told: Map<string, Finding>;
  /** What is open now, at or above the channel's severity. */
  now: Map<string, Finding>;
  /** Opens and closes per key since the last message. */
  changes: Map<string, number>;
  sentAt: number[];
  heldBack: number;
  failures: number;
  timer: CancelTimer | undefined;
  sending: boolean;
}

export class Notifier {
  private readonly states: ChannelState[];

  constructor(
    channels: readonly NotifyChannel[],
    private readonly deps: { clock: Clock; sender: NotifySender; logger: Logger; origin: string; memory?: NotifyMemory },
  ) {
    this.states = channels.map((channel) => ({ channel, told: new Map(), now: new Map(), changes: new Map(), sentAt: [], heldBack: 0, failures: 0, timer: undefined, sending: false }));
  }

  /** Until what the channels were told before is read, nothing is sent (it would be told twice). */
  private loaded: Promise<void> | undefined;

  private load(): Promise<void> {
    const memory = this.deps.memory;
    this.loaded ??= memory
      ? memory.load().then(
          (told) => {
            for (const st of this.states) for (const f of told[st.channel.name] ?? []) if (!st.told.has(f.key)) st.told.set(f.key, f);
          },
          (err: unknown) => this.deps.logger.warn(`notify: what the channels were told before could not be read (${err instanceof Error ? err.message : String(err)}); open findings are told again`),
        )
      : Promise.resolve();
    return this.loaded;
  }

  /** The findings of a tick. */
  update(findings: readonly Finding[]): void {
    for (const st of this.states) {
      const min = RANK[st.channel.severity];
      const next = new Map<string, Finding>();
      for (const f of findings) if (RANK[f.severity] >= min) next.set(f.key, f);
      for (const k of new Set([...next.keys(), ...st.now.keys()])) {
        if (next.has(k) !== st.now.has(k)) st.changes.set(k, (st.changes.get(k) ?? 0) + 1);
      }
      st.now = next;
      if (!st.timer && !st.sending && differs(st.now, st.told)) this.schedule(st, st.channel.groupMs);
    }
  }

  dispose(): void {
    for (const st of this.states) {
      st.timer?.();
      st.timer = undefined;
    }
  }

  private schedule(st: ChannelState, ms: number): void {
    st.timer = this.deps.clock.setTimer(Math.max(0, ms), () => {
      st.timer = undefined;
      void this.flush(st);
    });
  }

  private async flush(st: ChannelState): Promise<void> {
    await this.load();
    const at = this.deps.clock.now();
    const snapshot = new Map(st.now);
    const opened = [...snapshot.values()].filter((f) => !st.told.has(f.key));
    const closed = [...st.told.values()].filter((f) => !snapshot.has(f.key));
    if (opened.length === 0 && closed.length === 0) {
      st.changes.clear();
      return;
    }
    const { messages, perMs } = st.channel.rate;
    st.sentAt = st.sentAt.filter((t) => t > at - perMs);
    if (st.sentAt.length >= messages) {
      st.heldBack++;
      this.schedule(st, st.sentAt[0] + perMs - at);
      return;
    }
    const changes = (f: Finding): number => Math.max(1, st.changes.get(f.key) ?? 1);
    const message: NotifyMessage = {
      origin: this.deps.origin, at,
      opened: opened.map((f) => changeOf(f, changes(f))),
      closed: closed.map((f) => changeOf(f, changes(f))),
      stillOpen: snapshot.size - opened.length,
      heldBack: st.heldBack,
    };
    st.sending = true;
    // Counted when tried: a receiver that fails slowly must not earn more attempts than the rate.
    st.sentAt.push(at);
    try {
      await this.deps.sender.send(st.channel, message);
      st.told = snapshot;
      this.deps.memory?.save(st.channel.name, [...snapshot.values()]);
      st.changes.clear();
      st.heldBack = 0;
      st.failures = 0;
    } catch (err) {
      st.failures++;
      const retry = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (st.failures - 1));
      this.deps.logger.warn(`notify ${st.channel.name}: ${err instanceof Error ? err.message : String(err)}; trying again in ${Math.round(retry / 1000)}s`);
      st.sending = false;
      this.schedule(st, retry);
      return;
    }
    st.sending = false;
    if (!st.timer && differs(st.now, st.told)) this.schedule(st, st.channel.groupMs);
  }
}

function differs(a: Map<string, Finding>, b: Map<string, Finding>): boolean {
  if (a.size !== b.size) return true;
  for (const k of a.keys()) if (!b.has(k)) return true;
  return false;
}
