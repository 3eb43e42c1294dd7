// Where the code lenses go and what they say, without an editor.
import { strict as assert } from 'node:assert';
import { handlersIn } from '../../src/core/handlers-in-source';
import { known, unknown } from '../../src/core/signals/figure';
import type { QueueSignal } from '../../src/core/signals/signals-engine';
import { queueRef } from '../../src/core/queue-ref';
import { lensTitle } from '../../src/host/handler-lens-titles';

describe('handler code lenses', () => {
  it('finds the handlers each system names, at their lines', () => {
    assert.deepEqual(handlersIn("import { Worker } from 'bullmq';\nconst w = new Worker('emails', async (job) => {\n});\nnew Worker<Data>(`reports`, proc);\nnew Worker(name, proc);", 'typescript'), [
      { line: 1, system: 'bullmq', queue: 'emails' }, { line: 3, system: 'bullmq', queue: 'reports' },
    ]);
    assert.deepEqual(handlersIn('class HardJob\n  include Sidekiq::Job\n\n  def perform(id)\n  end\nend\nclass Plain\n  def perform\n  end\nend\n', 'ruby'), [{ line: 3, system: 'sidekiq', name: 'HardJob' }]);
    assert.deepEqual(handlersIn('<?php\nnamespace App\\Jobs;\n\nclass SendMail implements ShouldQueue\n{\n    public function handle(Mailer $m): void\n    {\n    }\n}\n', 'php'), [{ line: 5, system: 'laravel', name: 'App\\Jobs\\SendMail' }]);
    assert.deepEqual(handlersIn('<?php\nclass NotAJob { public function handle() {} }\n', 'php'), []);
    assert.deepEqual(handlersIn('from proj.celery import app\n\n@app.task(bind=True)\ndef add(self, x, y):\n    return x + y\n\n@shared_task\n@other\nasync def mul(x):\n    pass\n\ndef plain():\n    pass\n', 'python'), [
      { line: 3, system: 'celery', name: 'add' }, { line: 8, system: 'celery', name: 'mul' },
    ]);
  });

  it('says the last hour\'s figures of a BullMQ queue as they are known, and why the others have none', () => {
    const q = {
      ref: queueRef('bullmq', 'default', 'emails'), id: 'bullmq:emails', connection: 'default',
      lastHour: { runs: known(1204, 'lower-bound', 'events', 'read since 17:20 UTC'), failed: known(37, 'lower-bound', 'events') },
      runtimeP50: known(120, 'exact', 'jobs'), runtimeP95: unknown('too few jobs'),
    } as unknown as QueueSignal;
    assert.equal(lensTitle({ line: 0, system: 'bullmq', queue: 'emails' }, [q]), 'bullmq:emails · ≥1,204 runs, ≥37 failed in the last hour · p50 120 ms, p95 unknown (5 min)');
    assert.equal(lensTitle({ line: 0, system: 'bullmq', queue: 'other' }, [q]), 'bullmq:other · not seen in Redis yet');
    assert.match(lensTitle({ line: 0, system: 'sidekiq', name: 'HardJob' }, [q]), /^sidekiq · HardJob: runs and failures per job class: unknown \(/);
  });
});
