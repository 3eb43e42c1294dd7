// The schema's defaults (what the editor's hover and completion show) and the parser's (what runs)
// are written in two places: this test walks every `default` in schema/chaperone.schema.json and
// checks that writing it out changes nothing the parser produces.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfigText } from '../../src/core/config/parse-config';
import { RULE_DEFAULTS } from '../../src/core/signals/signals-engine';
import { ROOT } from '../helpers/paths';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
interface SchemaNode {
  default?: Json;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
  $ref?: string;
  definitions?: Record<string, SchemaNode>;
}

const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema', 'chaperone.schema.json'), 'utf8')) as SchemaNode;
const defs = schema.definitions ?? {};

/** Where a definition is used, as a concrete path in a minimal valid file (with what it needs around it). */
const USES: Record<string, { at: string[]; base: Record<string, Json> }[]> = {
  pool: [{ at: ['pools', 'p'], base: { pools: { p: { command: ['node', '-e', '0'] } } } }],
  // Every system listed: naming only some turns the others off.
  queueSystems: [{ at: ['queues'], base: { queues: { bullmq: {}, laravel: {}, sidekiq: {}, rq: {}, celery: {} } } }],
  workerRules: [{ at: ['thresholds', 'workers', 'p'], base: {} }],
};
/** A concrete key for a map of the root schema ("<*>"), with what it needs. */
const MAP_KEYS: Record<string, { key: string; base: (at: string[]) => Record<string, Json> }> = {
  connections: { key: 'c', base: () => ({ connections: { c: { url: 'redis://127.0.0.1:6390' } } }) },
  queues: { key: 'bullmq:x', base: () => ({}) },
  tenants: { key: 't', base: () => ({}) },
};

interface Case { path: string[]; value: Json; base: Record<string, Json> }

/** What a default's object needs to be valid at all. */
const NEEDS: Record<string, Record<string, Json>> = {
  'connections.c.sentinel': { connections: { c: { sentinel: { masterName: 'm', sentinels: ['127.0.0.1:26379'] } } } },
  'connections.c.cluster': { connections: { c: { cluster: { nodes: ['127.0.0.1:7000'] } } } },
  'pools.p.logs': { pools: { p: { command: ['node', '-e', '0'], logs: { file: 'p.log' } } } },
};

/** Defaults applied when a rule is evaluated (no rule in the file), not when the file is parsed. */
const AT_EVALUATION: Record<string, Json> = {
  'thresholds.queues.bullmq:x.zeroConsumers': RULE_DEFAULTS.zeroConsumers,
  'thresholds.workers.p.fatal': RULE_DEFAULTS.fatal,
};

function collect(node: SchemaNode, at: string[], base: Record<string, Json>, out: Case[]): void {
  if (node.default !== undefined) {
    const need = Object.entries(NEEDS).find(([prefix]) => at.join('.').startsWith(prefix));
    out.push({ path: at, value: node.default, base: need ? need[1] : base }); // in place of the url
  }
  for (const [k, sub] of Object.entries(node.properties ?? {})) collect(sub, [...at, k], base, out);
  if (typeof node.additionalProperties === 'object') {
    const parent = at[at.length - 1] ?? '';
    const m = MAP_KEYS[parent];
    if (m) collect(node.additionalProperties, [...at, m.key], merge(base, m.base(at)), out);
  }
}

function merge(a: Record<string, Json>, b: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = prev && typeof prev === 'object' && !Array.isArray(prev) && v && typeof v === 'object' && !Array.isArray(v) ? merge(prev, v) : v;
  }
  return out;
}

function setAt(obj: Record<string, Json>, at: string[], value: Json): Record<string, Json> {
  const [head, ...rest] = at;
  const child = obj[head];
  return { ...obj, [head]: rest.length ? setAt(child && typeof child === 'object' && !Array.isArray(child) ? child : {}, rest, value) : value };
}

/** The parsed config without what depends on the text's layout (source ranges). */
function meaning(text: string): unknown {
  const { config } = parseConfigText(text, '/w/chaperone.json'); // throws a ConfigError naming the place
  return JSON.parse(JSON.stringify(config, (k, v: unknown) => (k === 'range' || k === 'ranges' ? undefined : v)));
}

const cases: Case[] = [];
collect(schema, [], {}, cases);
for (const [name, uses] of Object.entries(USES)) for (const u of uses) collect(defs[name] ?? {}, u.at, u.base, cases);

describe('config defaults: the schema and the parser agree', () => {
  it('finds the defaults to check', () => assert.ok(cases.length >= 35, `${cases.length} defaults`));
  for (const c of cases) {
    it(`${c.path.join('.')} = ${JSON.stringify(c.value)}`, () => {
      const evaluated = AT_EVALUATION[c.path.join('.')];
      if (evaluated !== undefined) {
        assert.equal(c.value, evaluated, 'the signals engine applies the same default');
        return;
      }
      const without = meaning(JSON.stringify(c.base));
      const withIt = meaning(JSON.stringify(setAt(c.base, c.path, c.value)));
      assert.deepEqual(withIt, without);
    });
  }
});
