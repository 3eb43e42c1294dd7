// Stack traces of Node, Python, Ruby and PHP read as frames (innermost first, each with where its
// file and line are written), and frames mapped to files of the project: pathMappings for code
// that ran elsewhere, the library directories left out of "its own" frame.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { parseFrames, type StackFrame } from '../../src/core/stack-frames';
import { isOwnCode, localPath, topOwnFrame } from '../../src/core/source-paths';

/** What the trace says at a frame's `at`: the text a link would cover. */
const written = (trace: string, f: StackFrame): string => trace.split('\n')[f.at.line].slice(f.at.start, f.at.end);
const brief = (fs: StackFrame[]) => fs.map((f) => [f.file, f.line, f.fn]);

describe('stack frames', () => {
  it('Node (BullMQ): innermost first; the runtime\'s own frames left out; file:// URLs as paths', () => {
    const trace = [
      'Error: SMTP 550 mailbox unavailable',
      '    at fail (/app/src/jobs/mail.js:22:40)',
      '    at Worker.processFn (/app/node_modules/bullmq/dist/cjs/classes/worker.js:411:26)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at async send (file:///app/src/esm%20jobs/send.mjs:3:1)',
      '    at /app/src/index.js:9:12',
    ].join('\n');
    const fs = parseFrames(trace);
    assert.deepEqual(brief(fs), [
      ['/app/src/jobs/mail.js', 22, 'fail'],
      ['/app/node_modules/bullmq/dist/cjs/classes/worker.js', 411, 'Worker.processFn'],
      ['/app/src/esm jobs/send.mjs', 3, 'send'],
      ['/app/src/index.js', 9, null],
    ]);
    assert.equal(written(trace, fs[0]), '/app/src/jobs/mail.js:22');
    assert.equal(written(trace, fs[3]), '/app/src/index.js:9');
  });

  it('Python (RQ, Celery): a traceback lists outermost first, so it is reversed; the link is the file', () => {
    const trace = [
      'Traceback (most recent call last):',
      '  File "/usr/lib/python3/dist-packages/rq/worker.py", line 1431, in perform_job',
      '    rv = job.perform()',
      '  File "/srv/app/tasks.py", line 23, in test_job',
      '    raise RuntimeError(note or \'simulated failure\')',
      'RuntimeError: simulated failure',
    ].join('\n');
    const fs = parseFrames(trace);
    assert.deepEqual(brief(fs), [['/srv/app/tasks.py', 23, 'test_job'], ['/usr/lib/python3/dist-packages/rq/worker.py', 1431, 'perform_job']]);
    assert.equal(written(trace, fs[0]), '/srv/app/tasks.py');
  });

  it('Ruby (Sidekiq): innermost first, backquoted or quoted method names', () => {
    const trace = "/app/app/jobs/mail_job.rb:14:in `perform'\n\t/var/lib/gems/3.1.0/gems/sidekiq-6.5.1/lib/sidekiq/processor.rb:202:in 'Sidekiq::Processor#execute_job'";
    const fs = parseFrames(trace);
    assert.deepEqual(brief(fs), [['/app/app/jobs/mail_job.rb', 14, 'perform'], ['/var/lib/gems/3.1.0/gems/sidekiq-6.5.1/lib/sidekiq/processor.rb', 202, 'Sidekiq::Processor#execute_job']]);
    assert.equal(written(trace, fs[0]), '/app/app/jobs/mail_job.rb:14');
  });

  it('PHP (Laravel, Horizon): the throw site from the exception\'s line, then #0.. frames; [internal function] left out', () => {
    const trace = [
      'RuntimeException: boom in /var/www/html/app/Jobs/SendMail.php:31',
      'Stack trace:',
      '#0 /var/www/html/vendor/laravel/framework/src/Illuminate/Container/BoundMethod.php(36): App\\Jobs\\SendMail->handle()',
      '#1 [internal function]: Illuminate\\Container\\BoundMethod::Illuminate\\Container\\{closure}()',
      '#2 {main}',
    ].join('\n');
    const fs = parseFrames(trace);
    assert.deepEqual(brief(fs), [
      ['/var/www/html/app/Jobs/SendMail.php', 31, null],
      ['/var/www/html/vendor/laravel/framework/src/Illuminate/Container/BoundMethod.php', 36, 'App\\Jobs\\SendMail->handle()'],
    ]);
    assert.equal(written(trace, fs[0]), '/var/www/html/app/Jobs/SendMail.php:31');
    assert.equal(written(trace, fs[1]), '/var/www/html/vendor/laravel/framework/src/Illuminate/Container/BoundMethod.php(36');
  });

  it('text that is no trace gives no frame', () => {
    assert.deepEqual(parseFrames(''), []);
    assert.deepEqual(parseFrames('simulated failure\nat the end of the line: 12'), []);
  });
});

describe('frames to files of the project', () => {
  const root = path.resolve('/work/shop');
  const mappings = [{ remote: '/var/www/html', local: root }, { remote: '/var/www/html/packages/billing', local: path.resolve('/work/billing') }];

  it('the longest mapping that applies; none: as written, or from the root when relative', () => {
    assert.equal(localPath('/var/www/html/app/Jobs/SendMail.php', mappings, root), path.join(root, 'app/Jobs/SendMail.php'));
    assert.equal(localPath('/var/www/html/packages/billing/src/Invoice.php', mappings, root), path.resolve('/work/billing/src/Invoice.php'));
    assert.equal(localPath('/var/www/htmlx/a.php', mappings, root), path.normalize('/var/www/htmlx/a.php'), 'a prefix on a path boundary only');
    assert.equal(localPath('app/jobs/mail_job.rb', mappings, root), path.join(root, 'app/jobs/mail_job.rb'));
    assert.equal(localPath('C:\\srv\\app\\tasks.py', [{ remote: 'C:\\srv\\app', local: root }], root), path.join(root, 'tasks.py'));
  });

  it('own code: under the root and outside vendor, node_modules, site-packages and gems', () => {
    assert.equal(isOwnCode(path.join(root, 'app/Jobs/SendMail.php'), root), true);
    assert.equal(isOwnCode(path.join(root, 'vendor/laravel/x.php'), root), false);
    assert.equal(isOwnCode(path.join(root, 'node_modules/bullmq/x.js'), root), false);
    assert.equal(isOwnCode(path.resolve('/work/other/x.js'), root), false);
  });

  it('the top own frame is the innermost one in the project whose file is here', async () => {
    const frames = parseFrames([
      'RuntimeException: boom in /var/www/html/vendor/guzzle/Client.php:80',
      '#0 /var/www/html/app/Gone.php(12): x()',
      '#1 /var/www/html/app/Jobs/SendMail.php(31): App\\Jobs\\SendMail->send()',
    ].join('\n'));
    const here = new Set([path.join(root, 'vendor/guzzle/Client.php'), path.join(root, 'app/Jobs/SendMail.php')]);
    const place = await topOwnFrame(frames, mappings, root, (p) => Promise.resolve(here.has(p)));
    assert.deepEqual(place, { file: 'app/Jobs/SendMail.php', absolute: path.join(root, 'app/Jobs/SendMail.php'), line: 31, fn: 'App\\Jobs\\SendMail->send()' });
    assert.equal(await topOwnFrame(frames, [], root, (p) => Promise.resolve(here.has(p))), undefined, 'unmapped, the server\'s paths are not here');
  });
});
