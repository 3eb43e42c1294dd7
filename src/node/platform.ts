// Everything that differs between POSIX and Windows about signalling process groups lives here.
//
// POSIX: workers are started detached (setsid), so each is the leader of its own process group and
// process.kill(-pid, sig) reaches it and every descendant that did not leave the group.
// Windows: there are no POSIX signals and no process groups in that sense. The documented fallback:
// graceful stop = `taskkill /PID <pid> /T` (asks the tree to close), SIGKILL = `taskkill /PID <pid> /T /F`.
// taskkill is run through the spawner (argv array, no shell) so the host never spawns.
import { readFile } from 'node:fs/promises';

export const isWindows = process.platform === 'win32';

/**
 * Signals the group led by pid. Returns false when the signal could not be delivered (ESRCH: no
 * such group; anything else, e.g. EINVAL). Never throws: callers fire and forget, and a signal that
 * cannot be sent must not take the supervisor down. POSIX only.
 */
export function signalGroupPosix(pid: number, signal: string): boolean {
  try {
    process.kill(-pid, signal as NodeJS.Signals);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, not ours to signal
  }
}

/** argv for the Windows fallback of a signal. */
export function windowsKillArgv(pid: number, signal: string): string[] {
  return signal === 'SIGKILL' ? ['taskkill', '/PID', String(pid), '/T', '/F'] : ['taskkill', '/PID', String(pid), '/T'];
}

/**
 * True while the group led by pid has a live member. A zombie leader that nobody reaps yet
 * (its parent is gone) counts as dead: on Linux, /proc/<pid>/stat tells.
 */
export async function isGroupAlive(pid: number): Promise<boolean> {
  if (isWindows) {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
  try {
    process.kill(-pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  // The group exists; if its only member is the zombie leader, treat it as gone.
  const leader = await procStat(pid);
  if (leader && leader.state !== 'Z') return true;
  return groupHasLiveMember(pid); // the leader is a zombie, or gone while other members remain
}

async function groupHasLiveMember(pgid: number): Promise<boolean> {
  // Only reached in the rare zombie-leader case; a walk of /proc is acceptable there.
  const { readdir } = await import('node:fs/promises');
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = await procStat(Number(name));
    if (st && st.pgid === pgid && st.state !== 'Z') return true;
  }
  return false;
}

/**
 * What tells this process apart from a later one that reuses its pid: the start time in clock
 * ticks since boot (/proc/<pid>/stat, field 22) on Linux. null when the process is gone or a zombie;
 * 'unknown' where the OS gives no cheap answer (then only the pid is checked).
 */
export async function processStartTime(pid: number): Promise<string | null> {
  if (process.platform !== 'linux') {
    try {
      process.kill(pid, 0);
      return 'unknown';
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM' ? 'unknown' : null;
    }
  }
  const st = await procStat(pid);
  return st && st.state !== 'Z' ? st.startTime : null;
}

/**
 * The fields of /proc/<pid>/stat this file needs, read once (the command name, field 2, may hold
 * spaces and parentheses: the fields after it are counted from its last ')'). null when gone.
 */
async function procStat(pid: number): Promise<{ state: string; pgid: number; startTime: string | null } | null> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone, or raced with an exit
  }
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), rest[2] field 5 (pgrp), rest[19] field 22 (starttime).
  return { state: rest[0] ?? '', pgid: Number(rest[2]), startTime: rest[19] ?? null };
}

/** True while pid is the very process whose start time was recorded (never a reused pid). */
export async function isSameProcess(pid: number, startTime: string): Promise<boolean> {
  const now = await processStartTime(pid);
  return now !== null && (now === startTime || now === 'unknown' || startTime === 'unknown');
}
