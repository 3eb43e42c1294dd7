// Finding jobs by text, page by page, for every adapter: the jobs of one state live in one or more
// Redis lists or sorted sets (the sources); each is read in bounded slices by JOB_SEARCH_LUA, and
// a cursor ("source.offset") says where the next page starts. Like SCAN, a cursor is a position:
// jobs added or removed meanwhile can shift what a later page sees.
import type { JobSummary, SearchPage, SearchQuery } from './contract';
export type { SearchPage, SearchQuery } from './contract';
import { JOB_SEARCH_LUA } from './job-search-script';
import { LuaScript } from './lua-script';
import type { RedisClient } from './redis-client';

const JOB_SEARCH = new LuaScript(JOB_SEARCH_LUA);

/** Members read per call: sized so that one slice of payloads of a few hundred bytes (or of ids and their hashes) stays near 3 ms of Redis time (bench:search). */
export const PAYLOAD_SLICE = 700;
export const HASH_SLICE = 300;
/** A page stops after this many members scanned even without a match: the cursor goes on from there. */
const MAX_SCANNED_PER_PAGE = 200_000;

/** A list or sorted set holding the jobs of a state. */
interface SourceBase {
  key: string;
  kind: 'list' | 'zset';
  /** fwd: from the head (lowest score); rev: from the tail (highest score). */
  order: 'fwd' | 'rev';
  /** Text a match must also hold, as stored: the queue's own jobs in a set several queues share. */
  must?: string;
}
export type SearchSource =
  | (SourceBase & { members: 'payload' })
  /**
   * Members are job ids; the job is the hash at hashPrefix + id. The first `matched` fields are
   * searched (with the id), all `fields` are returned. idBeforeColon: members are "id:execution".
   */
  | (SourceBase & { members: 'id'; hashPrefix: string; fields: readonly string[]; matched: number; idBeforeColon?: boolean });

/** One match: the member as stored (a payload or an id), and the hash fields asked for. */
export interface SearchHit {
  member: string;
  /** Its score in a sorted set (when it runs, for delayed jobs in most systems); null in a list. */
  score: number | null;
  fields: Record<string, string>;
}

export class CursorError extends Error {}

/**
 * Lower case as Redis's Lua does it (ASCII letters only): the same text matches inside Redis and
 * here. Letters beyond ASCII match as typed (and payloads that JSON-escape them, as PHP's and
 * Python's encoders do, hold them as \u00e9).
 */
export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}


/** "source.offset" -> numbers; a cursor of another shape is refused with what it should look like. */
export function parseCursor(cursor: string | undefined, sources: number): { source: number; offset: number } {
  if (cursor === undefined || cursor === '') return { source: 0, offset: 0 };
  const m = /^(\d{1,2})\.(\d{1,12})$/.exec(cursor);
  if (!m || Number(m[1]) >= sources) throw new CursorError(`cursor "${cursor}" is not one this search gave (expected SOURCE.OFFSET, e.g. 0.2000)`);
  return { source: Number(m[1]), offset: Number(m[2]) };
}

/**
 * Reads the sources from the cursor on, until `limit` matches or their end. `summarize` turns a
 * hit into a row; it may drop one (undefined), e.g. a job of another queue in a shared set.
 */
export async function searchSources(redis: RedisClient, sources: readonly SearchSource[], q: SearchQuery, summarize: (hit: SearchHit, source: number) => JobSummary | undefined): Promise<SearchPage> {
  let { source, offset } = parseCursor(q.cursor, sources.length);
  const needle = asciiLower(q.text);
  const jobs: JobSummary[] = [];
  let scanned = 0;
  let total = 0;
  const totals: number[] = [];
  const sliceOf = (src: number) => (sources[src].members === 'payload' ? PAYLOAD_SLICE : HASH_SLICE);
  const call = (src: number, off: number, remaining: number): Slice => {
    const s = sources[src];
    const members = s.members === 'payload' ? ['', '', '0'] : [s.hashPrefix, s.idBeforeColon ? '1' : '', String(s.matched), ...s.fields];
    const reply = JOB_SEARCH.run(redis, 1, s.key, s.kind, s.order, String(off), String(sliceOf(src)), needle, String(remaining), s.must ?? '', ...members) as Promise<(string | number)[]>;
    reply.catch(() => undefined); // a slice read ahead and not used must not be an unhandled rejection
    return { source: src, offset: off, remaining, reply };
  };
  if (source >= sources.length || q.limit < 1) return { jobs, cursor: source < sources.length ? `${source}.${offset}` : null, scanned, total };
  let current = call(source, offset, q.limit);
  for (;;) {
    // The next slice is asked for before this one's answer arrives (one round trip hidden per
    // slice): it is used when this slice ends where the next starts with no match that changes the
    // remaining limit, which is the case for most slices of a search; else it is asked again.
    const size = totals[current.source];
    const aheadAt = current.offset + sliceOf(current.source);
    const ahead = size !== undefined && aheadAt < size ? call(current.source, aheadAt, current.remaining) : undefined;
    const reply = await current.reply;
    const s = sources[source];
    const next = Number(reply[0]);
    totals[source] = Number(reply[1]);
    const width = 3 + (s.members === 'id' ? s.fields.length : 0);
    for (let i = 2; i + width <= reply.length; i += width) {
      const fields: Record<string, string> = {};
      if (s.members === 'id') s.fields.forEach((f, k) => (fields[f] = String(reply[i + 3 + k])));
      const score = reply[i + 2] === '' ? null : Number(reply[i + 2]);
      const row = summarize({ member: String(reply[i + 1]), score: Number.isFinite(score) ? score : null, fields }, source);
      if (row) jobs.push(row);
    }
    scanned += Math.max(0, (next < 0 ? Number(reply[1]) : next) - offset);
    if (next < 0) {
      source++;
      offset = 0;
    } else offset = next;
    if (!(source < sources.length && jobs.length < q.limit && scanned < MAX_SCANNED_PER_PAGE)) break;
    const remaining = q.limit - jobs.length;
    current = ahead && ahead.source === source && ahead.offset === offset && ahead.remaining === remaining ? ahead : call(source, offset, remaining);
  }
  for (let i = 0; i < sources.length; i++) total += totals[i] ?? 0;
  return { jobs, cursor: source < sources.length ? `${source}.${offset}` : null, scanned, total };
}

/** One slice asked of the script: where it starts, the limit it was given, and its answer. */
interface Slice {
  source: number;
  offset: number;
  remaining: number;
  reply: Promise<(string | number)[]>;
}

/**
 * The same search over items already in memory (a handful: the jobs running now, a bounded SCAN of
 * results), as one page: each is matched on `textOf` (the member as stored, by default), like the
 * script does.
 */
export function searchInMemory<T>(items: readonly T[], q: SearchQuery, summarize: (item: T) => JobSummary | undefined, textOf: (item: T) => string = String): SearchPage {
  const { offset } = parseCursor(q.cursor, 1);
  const needle = asciiLower(q.text);
  const jobs: JobSummary[] = [];
  let i = offset;
  for (; i < items.length && jobs.length < q.limit; i++) {
    if (needle && !asciiLower(textOf(items[i])).includes(needle)) continue;
    const row = summarize(items[i]);
    if (row) jobs.push(row);
  }
  return { jobs, cursor: i < items.length ? `0.${i}` : null, scanned: i - offset, total: items.length };
}

/**
 * The first member of the sources that holds `text` and that `is` accepts, with its score: a job
 * looked for by its id where the system keys nothing by id (its id is somewhere in the payload).
 */
export async function findMember(redis: RedisClient, sources: readonly SearchSource[], text: string, is: (member: string) => boolean): Promise<SearchHit | undefined> {
  let found: SearchHit | undefined;
  let cursor: string | undefined;
  do {
    const page = await searchSources(redis, sources, { text, cursor, limit: 10 }, (hit) => {
      if (found === undefined && is(hit.member)) found = hit;
      return undefined;
    });
    cursor = page.cursor ?? undefined;
  } while (found === undefined && cursor);
  return found;
}
