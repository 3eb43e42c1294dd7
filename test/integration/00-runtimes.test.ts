// Before any integration test: every real system the tests run must be installed. A missing one
// fails here, naming the Debian packages to install, rather than as a skip or an ENOENT later.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../helpers/paths';

before(function (done) {
  this.timeout(60_000);
  execFile('bash', [path.join(ROOT, 'scripts', 'setup.sh'), '--check'], (err, _stdout, stderr) => {
    done(err ? new Error(`the integration tests need runtimes that are not installed:\n${stderr}run: bash scripts/setup.sh (as root)`) : undefined);
  });
});
