// Failures grouped by what failed: the exception class, its message with the parts that differ from
// job to job (numbers, ids, uuids, hex digests, e-mail addresses, quoted values) made alike, and the
// top frame of the trace (the place it was thrown). A thousand "Connection to 10.0.0.7:5432 timed
// out after 3001 ms" become one group, with its count, first and last seen and a few sample ids.
import { parseFrames, type StackFrame } from '../core/stack-frames';
import type { JobSummary } from './contract';

export interface FailureGroup {
  /** Stable for the same failure: a short hash of class, pattern and frame. */
  key: string;
  class: string | null;
  /** The message with its varying parts replaced (<n>, <id>, <email>, "<…>"). */
  pattern: string;
  /** The first line of the first one, as it was. */
  example: string;
  /** Where it was thrown: the trace's top frame ("file:line" and the function where known). */
  frame: string | null;
  /** The frames of its first job's trace, innermost first (at most FRAMES_KEPT): where in the code it failed. */
  frames: StackFrame[];
  count: number;
  /** ms since the epoch; null where the system records no time for a failure. */
  firstSeen: number | null;
  lastSeen: number | null;
  sampleIds: string[];
}

const SAMPLES = 5;

/** The message's varying parts made alike, so that the same failure groups together. */
export function normalizeMessage(message: string): string {
  return message
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>')
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '<email>')
    .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{12,}\b/gi, '<id>')
    .replace(/(["'`])(?:(?!\1).){1,200}\1/g, '$1<…>$1')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/** How many frames of a group's first trace it keeps (its top in-project frame is among them). */
const FRAMES_KEPT = 50;

/** A frame as "file:line fn". */
function frameText(f: StackFrame | undefined): string | null {
  return f ? `${f.file}:${f.line}${f.fn ? ` ${f.fn}` : ''}` : null;
}

/** The frame where it was thrown, as "file:line fn" (stack-frames.ts reads the five systems' languages). */
export function topFrame(trace: string): string | null {
  return frameText(parseFrames(trace)[0]);
}

/** "Class: message" as systems write it in one line; a class is a dotted or namespaced identifier. */
export function splitError(line: string): { class: string | null; message: string } {
  const m = /^([A-Za-z_][\w.$\\:]*?(?:Error|Exception|Failure|Interrupt|Exit|Timeout|Warning|Fault)?):\s+(.*)$/s.exec(line.trim());
  if (m && !/\s/.test(m[1])) return { class: m[1], message: m[2] };
  return { class: null, message: line.trim() };
}

/** The line of a trace that names the error: a Python traceback's last, anyone else's first. */
function headline(trace: string): string {
  const lines = trace.split('\n').map((l) => l.trim()).filter(Boolean);
  return (/^Traceback \(most recent call last\)/.test(lines[0] ?? '') ? lines[lines.length - 1] : lines[0]) ?? '';
}

function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36).padStart(7, '0');
}

/** What a failed job's group is made of (its trace read once): one place, for grouping and for a group's ids. */
function failureOf(j: JobSummary): Pick<FailureGroup, 'key' | 'class' | 'pattern' | 'example' | 'frame' | 'frames'> {
  const example = (j.failedReason ?? '').split('\n')[0] ?? '';
  const own = splitError(example);
  // BullMQ's failedReason is the message alone: the class is on the trace's headline.
  const cls = own.class ?? (j.trace ? splitError(headline(j.trace)).class : null);
  const pattern = normalizeMessage(own.message);
  const frames = parseFrames(j.trace ?? '');
  const frame = frameText(frames[0]);
  return { key: shortHash(`${cls ?? ''}\n${pattern}\n${frame ?? ''}`), class: cls, pattern, example, frame, frames: frames.slice(0, FRAMES_KEPT) };
}

/** Groups failed jobs (their failedReason and trace), largest group first. */
export function groupFailures(jobs: readonly JobSummary[], now: number): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const j of jobs) {
    const f = failureOf(j);
    const at = j.failedAt ?? (j.ageMs !== null ? now - j.ageMs : null);
    let g = groups.get(f.key);
    if (!g) groups.set(f.key, (g = { ...f, count: 0, firstSeen: at, lastSeen: at, sampleIds: [] }));
    g.count++;
    if (at !== null) {
      g.firstSeen = g.firstSeen === null ? at : Math.min(g.firstSeen, at);
      g.lastSeen = g.lastSeen === null ? at : Math.max(g.lastSeen, at);
    }
    if (g.sampleIds.length < SAMPLES) g.sampleIds.push(j.id);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || (b.lastSeen ?? 0) - (a.lastSeen ?? 0));
}

/** The ids of every job of each group, by group key, in one pass over the jobs. */
export function idsByGroup(jobs: readonly JobSummary[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const j of jobs) {
    const key = failureOf(j).key;
    const ids = out.get(key);
    if (ids) ids.push(j.id);
    else out.set(key, [j.id]);
  }
  return out;
}

/** The ids of every job of a group (to retry or delete the group). */
export function idsOf(jobs: readonly JobSummary[], key: string): string[] {
  return idsByGroup(jobs).get(key) ?? [];
}
