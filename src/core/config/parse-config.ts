// chaperone.json -> ChaperoneConfig. JSONC through jsonc-parser so every node keeps its source range,
// validated against the shipped JSON schema with ajv; every problem names file, line, column and path.
import { DEFAULT_KEY_PREFIX, DEFAULT_REDIS_URL } from './redis-choice';
import * as path from 'node:path';
import Ajv, { type ErrorObject } from 'ajv';
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import schema from '../../../schema/chaperone.schema.json';
import type { ScalePolicy } from '../scaler';
import { DURATION_HINT, SIZE_HINT, parseDuration, parseSize } from '../units';
import { structureProblems } from './json-structure';
import { ConfigError, type ConfigProblem } from './located-error';
import { parseNotify, type RawNotify } from './parse-notify';
import { SignalsParser, type RawSignals, type RawTenants, type RawThresholds, type RawWorkerRules } from './parse-signals';
import type { ChaperoneConfig, ConnectionConfig, LaravelSystemConfig, PoolConfig, QueueSystemsConfig, SourceRange } from './types';

/** The environment-variable suffix of a connection name: "eu-prod" -> "EU_PROD". */
export function envName(connection: string): string {
  return connection.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
ajv.addFormat('duration', { type: 'string', validate: (s: string) => parseDuration(s) !== undefined });
ajv.addFormat('size', { type: 'string', validate: (s: string) => parseSize(s) !== undefined });
const validate = ajv.compile(schema);


/** Maps offsets to 1-based line/column. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  range(offset: number, length: number): SourceRange {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, length, line: lo + 1, column: offset - this.starts[lo] + 1 };
  }
}

type JsonPath = (string | number)[];

/** A parsed document that can locate any JSON path in its source. */
export class ConfigDocument {
  constructor(
    readonly file: string,
    readonly root: Node | undefined,
    readonly lines: LineIndex,
  ) {}

  /** Range of the value at `path`, or of the nearest existing ancestor. */
  rangeOf(path: JsonPath, preferKey = false): SourceRange {
    for (let n = path.length; n >= 0; n--) {
      const node = this.root ? findNodeAtLocation(this.root, path.slice(0, n)) : undefined;
      if (node) {
        const target = preferKey && node.parent?.type === 'property' && node.parent.children?.[0] ? node.parent.children[0] : node;
        return this.lines.range(target.offset, target.length);
      }
    }
    return this.lines.range(0, 0);
  }
}

export function parseConfigText(text: string, file: string): { config: ChaperoneConfig; document: ConfigDocument } {
  const lines = new LineIndex(text);
  const structure = structureProblems(text, file, (o, l) => lines.range(o, l));
  if (structure.tooDeep) throw new ConfigError(structure.problems);
  const parseErrors: ParseError[] = [];
  const root = parseTree(text, parseErrors, { allowTrailingComma: true, disallowComments: false });
  const document = new ConfigDocument(file, root, lines);
  if (parseErrors.length > 0 || !root) {
    const problems = parseErrors.map<ConfigProblem>((e) => ({
      file, path: [], message: `JSON syntax: ${printParseErrorCode(e.error)}`, range: lines.range(e.offset, e.length),
    }));
    if (problems.length === 0) problems.push({ file, path: [], message: 'the file is empty', range: lines.range(0, 0) });
    throw new ConfigError(problems);
  }
  if (structure.problems.length) throw new ConfigError(structure.problems);
  const raw: unknown = valueOf(root);
  if (!validate(raw)) {
    const errors = validate.errors ?? [];
    // "propertyNames" sums up the errors of its keys, each of which is reported at its key.
    const named = new Set(errors.filter((e) => e.propertyName !== undefined).map((e) => e.instancePath));
    throw new ConfigError(dedupe(errors.filter((e) => !(e.keyword === 'propertyNames' && named.has(e.instancePath))).map((e) => schemaProblem(e, document))));
  }
  const config = buildConfig(raw as RawConfig, document);
  return { config, document };
}

function valueOf(node: Node): unknown {
  switch (node.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [k, v] = prop.children ?? [];
        if (k && v) out[String(k.value)] = valueOf(v);
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(valueOf);
    default:
      return node.value;
  }
}

function pointerToPath(pointer: string): JsonPath {
  if (!pointer) return [];
  return pointer.slice(1).split('/').map((s) => {
    const key = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

function schemaProblem(e: ErrorObject, doc: ConfigDocument): ConfigProblem {
  const p = pointerToPath(e.instancePath);
  // An error inside "propertyNames" is about one key: placed at that key, which it names.
  if (e.propertyName !== undefined && e.keyword !== 'propertyNames') {
    const full = [...p, e.propertyName];
    return { file: doc.file, path: full, message: `invalid name "${e.propertyName}": ${e.message ?? e.keyword}`, range: doc.rangeOf(full, true) };
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String((e.params as { additionalProperty: string }).additionalProperty);
      const full = [...p, extra];
      return { file: doc.file, path: full, message: `unknown property "${extra}"`, range: doc.rangeOf(full, true) };
    }
    case 'required': {
      const missing = String((e.params as { missingProperty: string }).missingProperty);
      return { file: doc.file, path: p, message: `missing required property "${missing}"`, range: doc.rangeOf(p, true) };
    }
    case 'format': {
      const fmt = (e.params as { format: string }).format;
      const hint = fmt === 'duration' ? DURATION_HINT : fmt === 'size' ? SIZE_HINT : `format ${fmt}`;
      return { file: doc.file, path: p, message: `must be ${hint}`, range: doc.rangeOf(p) };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ');
      return { file: doc.file, path: p, message: `must be one of ${allowed}`, range: doc.rangeOf(p) };
    }
    case 'propertyNames':
      return { file: doc.file, path: p, message: `invalid name: ${e.message ?? ''}`, range: doc.rangeOf(p) };
    case 'oneOf':
      return { file: doc.file, path: p, message: 'must be a number of processes or { "min": N, "max": M }', range: doc.rangeOf(p) };
    default:
      return { file: doc.file, path: p, message: e.message ?? e.keyword, range: doc.rangeOf(p) };
  }
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  // oneOf produces one error per branch plus its own; keep the clearest per location.
  const byPath = new Map<string, ConfigProblem>();
  for (const p of problems) {
    const key = JSON.stringify(p.path);
    const prev = byPath.get(key);
    if (!prev || p.message.startsWith('must be a number of processes')) byPath.set(key, p);
  }
  // Drop messages about a parent when a child under it is reported too, unless they differ in kind.
  return [...byPath.values()].sort((a, b) => a.range.offset - b.range.offset);
}

interface RawPool {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  processes?: number | { min: number; max: number; initial?: number };
  autostart?: boolean;
  restart?: { delay?: string | number; maxDelay?: string | number; factor?: number; jitter?: number; minUptime?: string | number; maxRestarts?: number; window?: string | number };
  stop?: { signal?: string; timeout?: string | number };
  limits?: { memory?: string | number; cpu?: number; samples?: number };
  queues?: string[];
  drain?: { pauseQueues?: boolean };
  logs?: { file: string; stderrFile?: string; maxSize?: string | number; keep?: number; timestamps?: boolean };
  watch?: string[] | { paths: string[]; ignore?: string[]; debounce?: string | number };
  thresholds?: RawWorkerRules;
  scale?: { strategy?: 'fixed' | 'depth' | 'wait'; jobsPerWorker?: number; targetWait?: string | number; runtime?: string | number; cooldown?: string | number; maxShift?: number; pin?: string | number };
}
interface RawSystems {
  bullmq?: { prefix?: string };
  laravel?: { prefix?: string; connection?: string; cache?: { prefix?: string; db?: number }; horizon?: { prefix?: string } };
  sidekiq?: { namespace?: string };
  rq?: { prefix?: string };
  celery?: { prefix?: string; queues?: string[] };
}
interface RawConfig {
  thresholds?: RawThresholds;
  tenants?: RawTenants;
  signals?: RawSignals;
  queues?: RawSystems;
  connections?: Record<string, { url?: string; sentinel?: { masterName: string; sentinels: string[]; db?: number; tls?: boolean }; cluster?: { nodes: string[]; tls?: boolean }; readOnly?: boolean; queues?: RawSystems }>;
  redis?: { url?: string; keyPrefix?: string };
  supervisor?: { id?: string; heartbeat?: string | number; sampleInterval?: string | number; logLines?: number; handoverGrace?: string | number };
  pools?: Record<string, RawPool>;
  pathMappings?: Record<string, string>;
  notify?: RawNotify[];
}

/** Defaults of a stock Laravel 11/12 app (redis queue and cache, Horizon's default prefix). */
function laravelSystem(raw: NonNullable<RawSystems['laravel']>): LaravelSystemConfig {
  return {
    prefix: raw.prefix ?? 'laravel_database_',
    connection: raw.connection ?? 'redis',
    cache: { prefix: raw.cache?.prefix ?? 'laravel_database_laravel_cache_:', db: raw.cache?.db ?? 1 },
    horizon: { prefix: raw.horizon?.prefix ?? 'laravel_horizon:' },
  };
}

function buildConfig(raw: RawConfig, doc: ConfigDocument): ChaperoneConfig {
  const problems: ConfigProblem[] = [];
  const problem = (p: JsonPath, message: string): void => {
    problems.push({ file: doc.file, path: p, message, range: doc.rangeOf(p) });
  };
  const dur = (v: string | number | undefined, fallback: number): number => (v === undefined ? fallback : (parseDuration(v) ?? fallback));
  const baseDir = path.dirname(path.resolve(doc.file));

  const url = raw.redis?.url ?? DEFAULT_REDIS_URL;
  if (/^rediss?:\/\/[^/@]*:[^/@]+@/.test(url)) {
    problem(['redis', 'url'], 'must not contain a password: set CHAPERONE_REDIS_PASSWORD in the environment (or use "Set Password" in the editor)');
  }
  const heartbeatMs = dur(raw.supervisor?.heartbeat, 2000);
  if (heartbeatMs < 100 || heartbeatMs > 2000) problem(['supervisor', 'heartbeat'], 'must be between 100ms and 2s');
  const sampleIntervalMs = dur(raw.supervisor?.sampleInterval, 1000);
  if (sampleIntervalMs < 100) problem(['supervisor', 'sampleInterval'], 'must be at least 100ms');
  const handoverGraceMs = dur(raw.supervisor?.handoverGrace, 30_000);
  if (handoverGraceMs > 3_600_000) problem(['supervisor', 'handoverGrace'], 'must be between 0 and 1h');

  const pools: PoolConfig[] = [];
  for (const [name, p] of Object.entries(raw.pools ?? {})) {
    const at = (...rest: JsonPath): JsonPath => ['pools', name, ...rest];
    if (p.command[0].trim() === '') problem(at('command', 0), 'the program must not be empty');
    // A NUL cannot travel in an argv or a path: say so here rather than as a failed spawn.
    p.command.forEach((a, i) => a.includes('\0') && problem(at('command', i), 'must not contain a NUL character'));
    if (p.cwd?.includes('\0')) problem(at('cwd'), 'must not contain a NUL character');
    for (const [k, v] of Object.entries(p.env ?? {})) if (v.includes('\0') || k.includes('\0')) problem(at('env', k), 'must not contain a NUL character');
    let min: number;
    let max: number;
    let initial: number;
    if (typeof p.processes === 'object') {
      ({ min, max } = p.processes);
      initial = p.processes.initial ?? min;
      if (min > max) problem(at('processes', 'min'), `min (${min}) must not exceed max (${max})`);
      if (initial < min || initial > max) problem(at('processes', 'initial'), `initial (${initial}) must lie between min (${min}) and max (${max})`);
    } else {
      min = max = initial = p.processes ?? 1;
    }
    const restart = {
      delayMs: dur(p.restart?.delay, 100),
      maxDelayMs: dur(p.restart?.maxDelay, 15_000),
      factor: p.restart?.factor ?? 1.5,
      jitter: p.restart?.jitter ?? 0.2,
      minUptimeMs: dur(p.restart?.minUptime, 2000),
      maxRestarts: p.restart?.maxRestarts ?? 10,
      windowMs: dur(p.restart?.window, 60_000),
    };
    if (restart.maxDelayMs < restart.delayMs) problem(at('restart', 'maxDelay'), `maxDelay must not be below delay (${restart.delayMs}ms)`);
    const strategy = p.scale?.strategy ?? 'fixed';
    const cooldownMs = dur(p.scale?.cooldown, 30_000);
    const maxShift = p.scale?.maxShift ?? 2;
    const pinMs = dur(p.scale?.pin, 600_000);
    const scale: ScalePolicy =
      strategy === 'depth' ? { strategy, jobsPerWorker: p.scale?.jobsPerWorker ?? 10, cooldownMs, maxShift, pinMs }
      : strategy === 'wait' ? { strategy, targetWaitMs: dur(p.scale?.targetWait, 30_000), runtimeMs: dur(p.scale?.runtime, 1000), cooldownMs, maxShift, pinMs }
      : { strategy: 'fixed' };
    if (strategy !== 'fixed' && (p.queues ?? []).length === 0) problem(at('scale', 'strategy'), `"${strategy}" scaling needs the pool's "queues" (as SYSTEM:QUEUE) to read their counts`);
    if (p.drain?.pauseQueues && (p.queues ?? []).length === 0) problem(at('drain', 'pauseQueues'), 'needs the pool\'s "queues" to know what to pause');
    if (strategy !== 'fixed' && min === max) problem(at('scale', 'strategy'), `"${strategy}" scaling needs room: processes must be { "min": N, "max": M } with M > N`);
    const limits: PoolConfig['limits'] = { samples: p.limits?.samples ?? 3 };
    if (p.limits?.memory !== undefined) limits.memoryBytes = parseSize(p.limits.memory);
    if (p.limits?.cpu !== undefined) limits.cpuPercent = p.limits.cpu;
    let logs: PoolConfig['logs'];
    if (p.logs) {
      const maxBytes = p.logs.maxSize === undefined ? 10_000_000 : (parseSize(p.logs.maxSize) ?? 10_000_000);
      if (maxBytes < 4096) problem(at('logs', 'maxSize'), 'must be at least 4KB');
      for (const k of ['file', 'stderrFile'] as const) if (p.logs[k]?.includes('\0')) problem(at('logs', k), 'must not contain a NUL character');
      logs = {
        file: path.resolve(baseDir, p.logs.file),
        ...(p.logs.stderrFile ? { stderrFile: path.resolve(baseDir, p.logs.stderrFile) } : {}),
        maxBytes,
        keep: p.logs.keep ?? 5,
        timestamps: p.logs.timestamps ?? true,
      };
      if (logs.stderrFile === logs.file) problem(at('logs', 'stderrFile'), 'is the same file as "file": leave it out to write both streams there');
    }
    let watch: PoolConfig['watch'];
    if (p.watch) {
      const w = Array.isArray(p.watch) ? { paths: p.watch } : p.watch;
      const debounceMs = dur(Array.isArray(p.watch) ? undefined : p.watch.debounce, 1000);
      if (debounceMs < 100 || debounceMs > 60_000) problem(at('watch', 'debounce'), 'must be between 100ms and 1m');
      w.paths.forEach((g, i) => (path.isAbsolute(g) || g.split(/[\\/]/).includes('..')) && problem(at('watch', ...(Array.isArray(p.watch) ? [] : ['paths']), i), 'must be a glob inside the folder of chaperone.json (no absolute path, no "..")'));
      watch = { paths: [...w.paths], ignore: [...(w.ignore ?? [])], debounceMs };
    }
    pools.push({
      name,
      command: [...p.command],
      cwd: path.resolve(baseDir, p.cwd ?? '.'),
      env: { ...(p.env ?? {}) },
      min, max, initial,
      autostart: p.autostart ?? true,
      restart,
      stop: { signal: p.stop?.signal ?? 'SIGTERM', timeoutMs: dur(p.stop?.timeout, 30_000) },
      limits,
      queues: [...(p.queues ?? [])],
      scale,
      drain: { pauseQueues: p.drain?.pauseQueues ?? false },
      ...(logs ? { logs } : {}),
      ...(watch ? { watch } : {}),
      range: doc.rangeOf(['pools', name], true),
    });
  }
  const systems = (raw?: RawSystems): QueueSystemsConfig =>
    raw === undefined
      ? { bullmq: { prefix: 'bull' }, laravel: laravelSystem({}), sidekiq: { namespace: '' }, rq: { prefix: 'rq:' }, celery: { prefix: '', queues: [] } }
      : {
          ...(raw.bullmq ? { bullmq: { prefix: raw.bullmq.prefix ?? 'bull' } } : {}),
          ...(raw.laravel ? { laravel: laravelSystem(raw.laravel) } : {}),
          ...(raw.sidekiq ? { sidekiq: { namespace: raw.sidekiq.namespace ?? '' } } : {}),
          ...(raw.rq ? { rq: { prefix: raw.rq.prefix ?? 'rq:' } } : {}),
          ...(raw.celery ? { celery: { prefix: raw.celery.prefix ?? '', queues: raw.celery.queues ?? [] } } : {}),
        };
  const connections: ConnectionConfig[] = [{ name: 'default', url, readOnly: false, systems: systems(raw.queues) }];
  for (const [name, c] of Object.entries(raw.connections ?? {})) {
    if (name === 'default') {
      problem(['connections', name], '"default" is the top-level redis.url; name this connection otherwise');
      continue;
    }
    if (c.url !== undefined && /^rediss?:\/\/[^/@]*:[^/@]+@/.test(c.url)) problem(['connections', name, 'url'], `must not contain a password: set CHAPERONE_REDIS_PASSWORD_${envName(name)} in the environment`);
    if ([c.url, c.sentinel, c.cluster].filter((x) => x !== undefined).length !== 1) {
      problem(['connections', name], 'needs exactly one of "url" (one server), "sentinel" (a master found through Redis Sentinel) or "cluster" (a Redis Cluster)');
      continue;
    }
    const hostPorts = (list: string[], at: JsonPath) =>
      list.map((hp, i) => {
        const cut = hp.lastIndexOf(':');
        const x = { host: hp.slice(0, cut), port: Number(hp.slice(cut + 1)) };
        if (!(x.port >= 1 && x.port <= 65535)) problem([...at, i], `"${hp}": the port must be 1-65535`);
        return x;
      });
    const base = { name, readOnly: c.readOnly ?? false, systems: systems(c.queues), range: doc.rangeOf(['connections', name], true) };
    if (c.sentinel) {
      const s = c.sentinel;
      const sentinels = hostPorts(s.sentinels, ['connections', name, 'sentinel', 'sentinels']);
      const sentinel = { masterName: s.masterName, sentinels, db: s.db ?? 0, tls: s.tls ?? false };
      connections.push({ ...base, url: `sentinel://${s.sentinels.join(',')}/${s.masterName}`, sentinel });
    } else if (c.cluster) {
      const nodes = hostPorts(c.cluster.nodes, ['connections', name, 'cluster', 'nodes']);
      connections.push({ ...base, url: `cluster://${c.cluster.nodes.join(',')}`, cluster: { nodes, tls: c.cluster.tls ?? false } });
    } else {
      connections.push({ ...base, url: c.url ?? '' });
    }
  }
  const sp = new SignalsParser(doc, problem);
  const poolOverrides = Object.entries(raw.pools ?? {}).flatMap(([pool, p]) => (p.thresholds ? [{ pool, rules: p.thresholds }] : []));
  const thresholds = sp.thresholds(raw.thresholds, poolOverrides);
  const tenants = sp.tenants(raw.tenants);
  for (const [pool, tenant] of Object.entries(tenants.pools)) {
    const found = pools.find((p) => p.name === pool);
    if (!found) problem(['tenants', 'pools', pool], `no pool "${pool}" in "pools"`);
    else found.tenant = tenant;
  }
  for (const conn of Object.keys(tenants.connections)) {
    if (!connections.some((c) => c.name === conn)) problem(['tenants', 'connections', conn], `no connection "${conn}" (connections: ${connections.map((c) => c.name).join(', ')})`);
  }
  const signals = sp.signals(raw.signals);
  const pathMappings = Object.entries(raw.pathMappings ?? {}).map(([remote, local]) => {
    if (local.includes('\0')) problem(['pathMappings', remote], 'must not contain a NUL character');
    return { remote, local: path.resolve(baseDir, local) };
  });
  const notify = parseNotify(raw.notify, problem, (p) => doc.rangeOf(p, true));
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    thresholds,
    notify,
    tenants,
    signals,
    connections,
    file: doc.file,
    redis: { url, keyPrefix: raw.redis?.keyPrefix ?? DEFAULT_KEY_PREFIX },
    supervisor: { id: raw.supervisor?.id, heartbeatMs, sampleIntervalMs, logLines: raw.supervisor?.logLines ?? 1000, handoverGraceMs },
    pools,
    pathMappings,
  };
}
