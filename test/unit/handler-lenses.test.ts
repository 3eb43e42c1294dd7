// Where the code lenses go and what they say, without an editor.
import { strict as assert } from 'node:assert';
import { handlerMatches, handlersIn } from '../../src/core/handlers-in-source';
import { known, unknown } from '../../src/core/signals/figure';
import type { QueueSignal } from '../../src/core/signals/signals-engine';
import { queueRef } from '../../src/core/queue-ref';
import { lensTitle, type HandlerFailures, type LensFigures } from '../../src/host/handler-lens-titles';

describe('handler code lenses', () => {
  it('finds the handlers each system names, at their lines', () => {
    assert.deepEqual(handlersIn("import { Worker } from 'bullmq';\nconst w = new Worker('emails', async (job) => {\n});\nnew Worker<Data>(`reports`, proc);\nnew Worker(name, proc);", 'typescript'), [
      { line: 1, system: 'bullmq', queue: 'emails' }, { line: 3, system: 'bullmq', queue: 'reports' },
    ]);
    assert.deepEqual(handlersIn('class HardJob\n  include Sidekiq::Job\n\n  def perform(id)\n  end\nend\nclass Plain\n  def perform\n  end\nend\n', 'ruby'), [{ line: 3, system: 'sidekiq', name: 'HardJob' }]);
    assert.deepEqual(handlersIn('<?php\nnamespace App\\Jobs;\n\nclass SendMail implements ShouldQueue\n{\n    public function handle(Mailer $m): void\n    {\n    }\n}\nclass Plain\n{\n    public function handle($job, $data) {}\n    public function handle2() {}\n}\n', 'php'), [
      { line: 5, system: 'laravel', name: 'App\\Jobs\\SendMail', declared: true }, { line: 11, system: 'laravel', name: 'App\\Jobs\\Plain', declared: false },
    ]);
    assert.deepEqual(handlersIn('<?php\nclass NotAJob { public function run() {} }\n', 'php'), []);
    assert.deepEqual(handlersIn('from proj.celery import app\n\n@app.task(bind=True)\ndef add(self, x, y):\n    return x + y\n\n@shared_task\n@other\nasync def mul(x):\n    pass\n\n@property\ndef decorated():\n    pass\n\ndef plain():\n    def inner():\n        pass\n', 'python', 'tasks.py'), [
      { line: 3, system: 'celery', name: 'add', module: 'tasks' }, { line: 8, system: 'celery', name: 'mul', module: 'tasks' }, { line: 15, system: 'rq', name: 'plain', module: 'tasks' },
    ]);
  });

  it('matches a job\'s name to its handler: RQ "module.function", Laravel\'s class (displayName, Class@handle)', () => {
    const rq = { line: 0, system: 'rq' as const, name: 'send', module: 'tasks' };
    assert.equal(handlerMatches(rq, 'tasks.send'), true);
    assert.equal(handlerMatches(rq, 'app.tasks.send'), true);
    assert.equal(handlerMatches(rq, 'other.send'), false);
    assert.equal(handlerMatches(rq, 'tasks.send_all'), false);
    assert.equal(handlerMatches(rq, 'send'), false);
    const lar = { line: 0, system: 'laravel' as const, name: 'App\\Jobs\\SendMail', declared: true };
    assert.equal(handlerMatches(lar, 'App\\Jobs\\SendMail'), true);
    assert.equal(handlerMatches(lar, 'SendMail@handle'), true);
    assert.equal(handlerMatches(lar, 'Other\\SendMail'), false);
    assert.equal(handlerMatches(lar, 'SendMails'), false);
    assert.equal(handlerMatches({ line: 0, system: 'sidekiq', name: 'HardJob' }, 'HardJob'), true);
    assert.equal(handlerMatches({ line: 0, system: 'sidekiq', name: 'HardJob' }, 'HardJobs'), false);
    assert.equal(handlerMatches({ line: 0, system: 'celery', name: 'add', module: 'tasks' }, 'proj.tasks.add'), true);
  });

  it('says the last hour\'s figures of a BullMQ queue as they are known', () => {
    const q = {
      ref: queueRef('bullmq', 'default', 'emails'), id: 'bullmq:emails', connection: 'default',
      lastHour: { runs: known(1204, 'lower-bound', 'events', 'read since 17:20 UTC'), failed: known(37, 'lower-bound', 'events') },
      runtimeP50: known(120, 'exact', 'jobs'), runtimeP95: unknown('too few jobs'),
    } as unknown as QueueSignal;
    const figures: LensFigures = { queues: [q], failures: () => assert.fail('not asked') };
    assert.equal(lensTitle({ line: 0, system: 'bullmq', queue: 'emails' }, figures), 'bullmq:emails · ≥1,204 runs, ≥37 failed in the last hour · p50 120 ms, p95 unknown (5 min)');
    assert.equal(lensTitle({ line: 0, system: 'bullmq', queue: 'other' }, figures), 'bullmq:other · not seen in Redis yet');
  });

  it('RQ and Laravel: a handler\'s failed jobs of the last hour per queue, ≥ where not all were read; a candidate no job named has no lens', () => {
    const with_ = (f: HandlerFailures): LensFigures => ({ queues: [], failures: () => f });
    const rq = { line: 0, system: 'rq' as const, name: 'send', module: 'tasks' };
    const two: HandlerFailures = { kept: true, byQueue: [{ where: 'rq:a', count: 2, atLeast: false }, { where: 'rq:b', count: 0, atLeast: false }, { where: 'w/rq:c', count: 1000, atLeast: true }] };
    assert.equal(lensTitle(rq, with_(two)), 'rq · tasks.send: ≥1,002 failed in the last hour (2 on rq:a, ≥1,000 on w/rq:c) · runs and runtime unknown: RQ counts runs per worker, not per function');
    assert.equal(lensTitle(rq, with_({ kept: true, byQueue: [{ where: 'rq:a', count: 0, atLeast: false }] })), undefined);
    const declared = { line: 0, system: 'laravel' as const, name: 'App\\Jobs\\SendMail', declared: true };
    assert.equal(lensTitle(declared, with_({ kept: true, byQueue: [{ where: 'laravel:emails', count: 0, atLeast: false }] })), 'laravel · App\\Jobs\\SendMail: 0 failed in the last hour · runs per class unknown: Horizon keeps completed jobs only for its trim.completed');
    assert.equal(lensTitle(declared, with_({ kept: false, why: 'Horizon is not running here' })), 'laravel · App\\Jobs\\SendMail: failures unknown (Horizon is not running here)');
    assert.equal(lensTitle({ ...declared, declared: false }, with_({ kept: false, why: 'Horizon is not running here' })), undefined);
    assert.equal(lensTitle(declared, with_({ kept: true, byQueue: [] })), 'laravel · App\\Jobs\\SendMail: failures when Chaperone has read the laravel queues');
  });

  it('Sidekiq: the retry and dead sets\' failures as a lower bound, and none kept said as such; Celery without extended results says why', () => {
    const with_ = (f: HandlerFailures): LensFigures => ({ queues: [], failures: () => f });
    const sk = { line: 0, system: 'sidekiq' as const, name: 'HardJob' };
    const note = 'Sidekiq\'s retry and dead sets; a retry that succeeded leaves none';
    assert.equal(lensTitle(sk, with_({ kept: true, byQueue: [{ where: 'sidekiq:default', count: 3, atLeast: true }], note })), `sidekiq · HardJob: ≥3 failed in the last hour (≥3 on sidekiq:default; ${note}) · runs per class unknown: Sidekiq counts them per class only in the metrics of Sidekiq 7`);
    assert.equal(lensTitle(sk, with_({ kept: true, byQueue: [{ where: 'sidekiq:default', count: 0, atLeast: true }], note })), `sidekiq · HardJob: no failed job from the last hour kept (${note}) · runs per class unknown: Sidekiq counts them per class only in the metrics of Sidekiq 7`);
    const task = { line: 0, system: 'celery' as const, name: 'add', module: 'tasks' };
    assert.equal(lensTitle(task, with_({ kept: false, why: 'no result backend' })), 'celery · tasks.add: failures unknown (no result backend)');
    assert.equal(lensTitle(task, with_({ kept: true, byQueue: [{ where: 'celery:mail', count: 1, atLeast: false }] })), 'celery · tasks.add: 1 failed in the last hour (1 on celery:mail) · runs per task unknown: Celery counts them only in task events');
  });
});
