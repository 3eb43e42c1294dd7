import type { SourceRange } from './types';

/** One problem in a config file, located to the character. */
export interface ConfigProblem {
  file: string;
  path: (string | number)[];
  message: string;
  range: SourceRange;
}

export function formatJsonPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$-]*$/.test(p) ? (i ? `.${p}` : p) : `[${JSON.stringify(p)}]`))
    .join('');
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.range.line}:${p.range.column}: ${formatJsonPath(p.path)}: ${p.message}`;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}
