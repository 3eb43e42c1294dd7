// From a frame of a trace to a file here: a job often ran elsewhere (a server, a container), so its
// paths are mapped first (chaperone.json's "pathMappings", as PHP Debug's and debugpy's are:
// "/var/www/html" -> the folder of chaperone.json), then a relative path is taken from that folder.
// Whether the file is there is asked through a port (core does no I/O).
import * as path from 'node:path';
import type { StackFrame } from './stack-frames';

export interface PathMapping {
  /** A path prefix on the machine that ran the job, as its traces write it. */
  remote: string;
  /** Where that is here: an absolute path. */
  local: string;
}

export type FileExists = (absolutePath: string) => Promise<boolean>;

/** A frame found here: its file relative to the root (with "/"), and absolute. */
export interface SourcePlace {
  file: string;
  absolute: string;
  line: number;
  fn: string | null;
}

/** Directories of code the project did not write: a frame there is not "its" frame. */
const LIBRARY_DIRS = new Set(['node_modules', 'vendor', 'site-packages', 'dist-packages', 'gems', '.bundle', 'lib64', '__pypackages__']);

const slashed = (p: string): string => p.replace(/\\/g, '/');

function isAbsoluteAnywhere(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);
}

/** The path here of a file a trace names (the longest mapping that applies; none: as written, or from the root). */
export function localPath(file: string, mappings: readonly PathMapping[], root: string): string {
  const f = slashed(file);
  let best: { remote: string; local: string } | undefined;
  for (const m of mappings) {
    const remote = slashed(m.remote).replace(/\/+$/, '');
    if ((f === remote || f.startsWith(`${remote}/`)) && (!best || remote.length > best.remote.length)) best = { remote, local: m.local };
  }
  if (best) return path.join(best.local, f.slice(best.remote.length));
  return isAbsoluteAnywhere(file) ? path.normalize(file) : path.resolve(root, f);
}

/** Inside the root and outside every library directory. */
export function isOwnCode(absolute: string, root: string): boolean {
  const rel = path.relative(root, absolute);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  return !slashed(rel).split('/').some((d) => LIBRARY_DIRS.has(d));
}

/** Where a frame is here, when its file is there: mapped, then asked of `exists`. */
export async function placeOf(frame: StackFrame, mappings: readonly PathMapping[], root: string, exists: FileExists): Promise<SourcePlace | undefined> {
  const absolute = localPath(frame.file, mappings, root);
  if (!(await exists(absolute))) return undefined;
  return { file: slashed(path.relative(root, absolute)), absolute, line: frame.line, fn: frame.fn };
}

/** The innermost frame in the project's own code (under the root, not a library) whose file is here. */
export async function topOwnFrame(frames: readonly StackFrame[], mappings: readonly PathMapping[], root: string, exists: FileExists): Promise<SourcePlace | undefined> {
  for (const f of frames) {
    const absolute = localPath(f.file, mappings, root);
    if (!isOwnCode(absolute, root)) continue;
    const place = await placeOf(f, mappings, root, exists);
    if (place) return place;
  }
  return undefined;
}
