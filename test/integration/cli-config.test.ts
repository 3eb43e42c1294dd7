// Every CLI command exits 2 on an invalid chaperone.json, with the located error, whatever is wrong.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/engine-harness';
import { runCli } from '../helpers/run-cli';

const BAD: Record<string, string> = {
  'deep nesting': `{ "pools": {}, "x": ${'['.repeat(3000)}${']'.repeat(3000)} }`,
  'a duplicate key': '{ "pools": { "a": { "command": ["x"] }, "a": { "command": ["y"] } } }',
  'a timeout no timer can wait': '{ "pools": { "a": { "command": ["x"], "stop": { "timeout": 1e20 } } } }',
  'a syntax error': '{ "pools": { ',
};

describe('CLI on an invalid chaperone.json', function () {
  this.timeout(60_000);
  for (const [what, text] of Object.entries(BAD)) {
    it(`${what}: check, queues, status and supervise exit 2 with the file and line`, async () => {
      const dir = tempDir();
      writeFileSync(path.join(dir, 'chaperone.json'), text);
      for (const args of [['check'], ['queues'], ['status'], ['supervise', '--no-signals']]) {
        const r = await runCli(args, { cwd: dir, env: { CHAPERONE_RUNTIME_DIR: path.join(dir, 'run') } });
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /chaperone\.json:\d+:\d+: /, `${args.join(' ')}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /RangeError|Maximum call stack/);
      }
    });
  }
});
