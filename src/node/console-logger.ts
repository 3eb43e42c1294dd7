import type { Logger } from '../core/ports';

/** Timestamped lines on stderr (stdout stays clean for --json output). */
export function consoleLogger(prefix = 'chaperone', quiet = false): Logger {
  const line = (level: string, m: string): void => {
    if (quiet && level === 'info') return;
    process.stderr.write(`${new Date().toISOString()} ${prefix} ${level}: ${m}\n`);
  };
  return { info: (m) => line('info', m), warn: (m) => line('warn', m), error: (m) => line('error', m) };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
