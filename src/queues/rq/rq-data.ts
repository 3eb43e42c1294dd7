// An RQ job's call as RQ stores it: the hash's `data` is zlib-compressed (func_name, instance, args,
// kwargs), serialized by the queue's serializer: pickle by default, JSON with JSONSerializer. The
// `description` is no substitute: RQ cuts every argument's repr there (get_call_string with
// max_length), so a 5 KB argument shows as its first 75 characters.
//
// Pickle is read by pickleparser, which only builds data: classes and functions a pickle names
// become inert placeholder objects, nothing is imported or run (unlike Python's own unpickler).
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Parser } from 'pickleparser';

const inflate = promisify(zlib.inflate);
/** A call decompressed beyond this is not decoded (a job's arguments are not meant to be megabytes). */
const MAX_DATA_BYTES = 4 * 1024 * 1024;

export type RqCall = { ok: true; call: { func: string | null; args: unknown[]; kwargs: Record<string, unknown> } } | { ok: false; why: string };

export async function decodeRqData(data: Buffer | undefined): Promise<RqCall> {
  if (!data?.length) return { ok: false, why: 'the job keeps no data' };
  let raw: Buffer;
  try {
    raw = await inflate(data, { maxOutputLength: MAX_DATA_BYTES });
  } catch (e) {
    return { ok: false, why: `its data does not decompress (${(e as Error).message})` };
  }
  let value: unknown;
  try {
    // Pickle protocol 2+ starts with PROTO (0x80); RQ's JSONSerializer writes UTF-8 JSON.
    value = raw[0] === 0x80 ? new Parser().parse(raw) : (JSON.parse(raw.toString('utf8')) as unknown);
  } catch (e) {
    return { ok: false, why: `its data is neither pickle nor JSON RQ can have written (${(e as Error).message})` };
  }
  if (!Array.isArray(value) || value.length < 4) return { ok: false, why: 'its data is not the (func, instance, args, kwargs) RQ stores' };
  const [func, , args, kwargs] = value as [unknown, unknown, unknown, unknown];
  return {
    ok: true,
    call: {
      func: typeof func === 'string' ? func : null,
      args: Array.isArray(args) ? args : [],
      kwargs: kwargs && typeof kwargs === 'object' ? (kwargs as Record<string, unknown>) : {},
    },
  };
}
