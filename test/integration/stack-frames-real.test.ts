// The trace parser against the real runtimes: PHP, Ruby, Python and Node each run a file of a
// project that fails three calls deep, and print the trace as the queue systems store it (Laravel
// and Horizon keep `(string) $e`, Sidekiq the backtrace lines, RQ and Celery the formatted
// traceback, BullMQ `err.stack`). The project's innermost frame must be the line that threw.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { topOwnFrame } from '../../src/core/source-paths';
import { parseFrames } from '../../src/core/stack-frames';
import { fileExists } from '../../src/node/file-exists';
import { tempDir } from '../helpers/engine-harness';

function run(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, args, (err, stdout, stderr) => (err ? reject(new Error(`${program}: ${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

interface Case {
  language: string;
  program: string;
  file: string;
  /** The file's lines; the one holding THROW is where it fails. */
  source: string[];
}

const CASES: Case[] = [
  {
    language: 'PHP (as Laravel stores the exception)',
    program: 'php',
    file: 'app/Jobs/SendMail.php',
    source: [
      '<?php',
      'class SendMail {',
      '  public function handle() { $this->send(); }',
      '  private function send() { $this->connect(); }',
      '  private function connect() { throw new RuntimeException("SMTP 550 mailbox unavailable"); } // THROW',
      '}',
      'try { (new SendMail())->handle(); } catch (Throwable $e) { echo get_class($e) . ": " . $e->getMessage() . " in " . $e->getFile() . ":" . $e->getLine() . "\\nStack trace:\\n" . $e->getTraceAsString(); }',
    ],
  },
  {
    language: 'Ruby (as Sidekiq stores error_backtrace)',
    program: 'ruby',
    file: 'app/jobs/mail_job.rb',
    source: [
      'class MailJob',
      '  def perform; send_it; end',
      '  def send_it; connect; end',
      '  def connect; raise "SMTP 550 mailbox unavailable"; end # THROW',
      'end',
      'begin; MailJob.new.perform; rescue => e; puts e.backtrace.join("\\n"); end',
    ],
  },
  {
    language: 'Python (as RQ and Celery store the traceback)',
    program: '/usr/bin/python3',
    file: 'tasks/mail.py',
    source: [
      'import traceback',
      'def connect():',
      '    raise RuntimeError("SMTP 550 mailbox unavailable")  # THROW',
      'def send():',
      '    connect()',
      'def perform():',
      '    send()',
      'try:',
      '    perform()',
      'except Exception:',
      '    print(traceback.format_exc(), end="")',
    ],
  },
  {
    language: 'Node (as BullMQ stores the stack)',
    program: process.execPath,
    file: 'src/jobs/mail.js',
    source: [
      'function connect() { throw new Error("SMTP 550 mailbox unavailable"); } // THROW',
      'function send() { connect(); }',
      'function perform() { send(); }',
      'try { perform(); } catch (e) { process.stdout.write(e.stack); }',
    ],
  },
];

describe('stack frames of the real runtimes', function () {
  this.timeout(30_000);
  const root = tempDir();

  for (const c of CASES) {
    it(`${c.language}: the innermost frame of the project is the line that threw`, async () => {
      const file = path.join(root, c.file);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${c.source.join('\n')}\n`);
      const trace = await run(c.program, [file]);
      const frames = parseFrames(trace);
      assert.ok(frames.length >= 3, `three calls deep at least:\n${trace}`);
      const place = await topOwnFrame(frames, [], root, fileExists);
      assert.deepEqual([place?.file, place?.line], [c.file, c.source.findIndex((l) => l.includes('THROW')) + 1], trace);
      // The callers follow in the same file.
      assert.ok(frames.slice(0, 3).every((f) => f.file === file), trace);
    });
  }
});
