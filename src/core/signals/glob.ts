// Glob patterns on ids ("laravel:*", "bullmq:mail-?"): "*" any run of characters, "?" one.
const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (cache.size < 1000) cache.set(glob, re);
  }
  return re;
}

export function globMatch(glob: string, id: string): boolean {
  return globToRegExp(glob).test(id);
}

/** Of the patterns that match `id`, the most specific: the longest (literal characters count most). */
export function mostSpecific<T extends { pattern: string }>(rules: readonly T[], id: string, has: (r: T) => boolean): T | undefined {
  let best: T | undefined;
  for (const r of rules) {
    if (!has(r) || !globMatch(r.pattern, id)) continue;
    if (!best || specificity(r.pattern) > specificity(best.pattern)) best = r;
  }
  return best;
}

function specificity(glob: string): number {
  return glob.replace(/[*?]/g, '').length * 2 - (glob.includes('*') ? 1 : 0);
}
