// Loaded by the extension host as extensionTestsPath (the @vscode/test-electron contract): runs
// mocha there, against the real `vscode` API, and writes the summary where the runner reads it.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'editor.test.js'));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const summary = `vscode tests: ${runner.stats?.passes ?? 0} passed, ${runner.stats?.failures ?? 0} failed`;
      console.log(summary);
      if (process.env.CHAPERONE_TEST_RESULT) writeFileSync(process.env.CHAPERONE_TEST_RESULT, `${summary}\n`);
      if (failures) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
  });
}
