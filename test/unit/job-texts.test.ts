// The parts of a job page that are pure text work: Laravel's serialized PHP command laid out to
// read, PHP's exception text split into class and message, Celery's message and result decoded,
// and search cursors refused with what they should look like.
import { strict as assert } from 'node:assert';
import { queueRef } from '../../src/queues/contract';
import { celeryJobDetail } from '../../src/queues/celery/celery-job';
import { CursorError, parseCursor } from '../../src/queues/job-search';
import { laravelJobDetail } from '../../src/queues/laravel/laravel-job';
import { phpSerializedText } from '../../src/queues/laravel/php-serialized';
import { jobActions, stateKind } from '../../src/host/job-actions';
import { groupFailures, idsOf, normalizeMessage, topFrame } from '../../src/queues/failure-groups';
import type { Capability } from '../../src/queues/contract';

describe('job texts', () => {
  it('a serialized Laravel command reads one property per line, protected and private named so, UTF-8 lengths in bytes', () => {
    const email = 'zoë@example.com'; // ë is two bytes
    const s = `O:17:"App\\Jobs\\SendMail":4:{s:5:"email";s:${Buffer.byteLength(email)}:"${email}";s:8:"\0*\0tries";i:3;s:22:"\0App\\Jobs\\SendMail\0key";N;s:4:"tags";a:2:{i:0;s:1:"a";i:1;b:1;}}`;
    assert.equal(phpSerializedText(s), [
      'App\\Jobs\\SendMail {',
      '  email: "zoë@example.com"',
      '  tries (protected): 3',
      '  key (private): null',
      '  tags: array {',
      '    0: "a"',
      '    1: true',
      '  }',
      '}',
    ].join('\n'));
  });

  it('text that is not serialized PHP (or is cut short) is returned as it is', () => {
    for (const s of ['hello', 'O:3:"Foo":1:{s:1:"a"', 's:5:"ab";', 'i:1;trailing']) assert.equal(phpSerializedText(s), s);
  });

  it('a Laravel job: the command as text, options as queued, runs-at from the delayed set, Horizon\'s exception split', () => {
    const payload = JSON.stringify({ uuid: 'u-1', displayName: 'App\\Jobs\\SendMail', job: 'Illuminate\\Queue\\CallQueuedHandler@call', maxTries: 3, timeout: 60, backoff: '10,60', data: { commandName: 'App\\Jobs\\SendMail', command: 'O:17:"App\\Jobs\\SendMail":1:{s:2:"to";s:1:"x";}' }, id: 'id-1', attempts: 1, pushedAt: '1767225600.1234' });
    const q = queueRef('laravel', 'default', 'emails');
    const d = laravelJobDetail(q, 'id-1', { state: 'delayed', payload, score: 1767225660 }, { status: 'failed', exception: 'RuntimeException: SMTP 550 mailbox unavailable in /var/www/app/Jobs/SendMail.php:31\nStack trace:\n#0 /var/www/vendor/x.php(12): App\\Jobs\\SendMail->handle()', failed_at: '1767225700.5' });
    assert.ok(d);
    assert.equal(d.name, 'App\\Jobs\\SendMail');
    assert.equal(d.state, 'delayed');
    assert.equal(d.payload.text, payload);
    assert.deepEqual(d.options, { maxTries: 3, backoff: '10,60', timeout: 60 });
    assert.equal(d.timestamps.enqueued, 1767225600123);
    assert.equal(d.timestamps.runAt, 1767225660000);
    assert.equal(d.timestamps.failed, 1767225700500);
    assert.deepEqual(d.attempts, { made: 1, allowed: 3 });
    assert.equal(d.error?.class, 'RuntimeException');
    assert.equal(d.error?.message, 'SMTP 550 mailbox unavailable');
    assert.match(d.error?.stack ?? '', /#0 \/var\/www\/vendor/);
    assert.deepEqual(d.texts, [{ title: 'command (serialized PHP, App\\Jobs\\SendMail)', text: 'App\\Jobs\\SendMail {\n  to: "x"\n}' }]);
  });

  it('a Celery task: the body decoded from base64, the ETA as runs-at; a failed result gives the traceback and the exception', () => {
    const body = Buffer.from(JSON.stringify([[1, 2], { note: 'n' }, {}])).toString('base64');
    const msg = JSON.stringify({ headers: { id: 't-1', task: 'tasks.add', eta: '2027-01-01T00:00:00+00:00', retries: 0, expires: null }, body, properties: { body_encoding: 'base64', priority: 0 } });
    const q = queueRef('celery', 'default', 'celery');
    const d = celeryJobDetail(q, 't-1', { where: 'queued', raw: msg }, null);
    assert.ok(d);
    assert.equal(d.state, 'eta');
    assert.deepEqual(d.payload.json, [[1, 2], { note: 'n' }, {}]);
    assert.equal(d.timestamps.runAt, Date.parse('2027-01-01T00:00:00Z'));
    assert.deepEqual(d.options, { eta: '2027-01-01T00:00:00+00:00', retries: 0, priority: 0 });
    const failed = celeryJobDetail(q, 't-2', undefined, JSON.stringify({ status: 'FAILURE', result: { exc_type: 'RuntimeError', exc_message: ['boom'], exc_module: 'builtins' }, traceback: 'Traceback (most recent call last):\n  File "tasks.py", line 3, in add\nRuntimeError: boom\n', date_done: '2026-12-01T10:00:00.5', name: 'tasks.add', args: [1], kwargs: {}, worker: 'w@h', retries: 0, queue: 'celery' }));
    assert.ok(failed);
    assert.equal(failed.state, 'FAILURE');
    assert.deepEqual(failed.error && { class: failed.error.class, message: failed.error.message }, { class: 'RuntimeError', message: 'boom' });
    assert.equal(failed.timestamps.failed, Date.parse('2026-12-01T10:00:00.5Z'));
    assert.equal(failed.worker, 'w@h');
    assert.deepEqual(failed.payload.json, { args: [1], kwargs: {} });
    assert.equal(celeryJobDetail(q, 't-3', undefined, null), undefined, 'neither message nor result: gone');
  });

  it('a cursor is SOURCE.OFFSET of a source the search has', () => {
    assert.deepEqual(parseCursor(undefined, 1), { source: 0, offset: 0 });
    assert.deepEqual(parseCursor('1.2000', 2), { source: 1, offset: 2000 });
    for (const bad of ['x', '2.0', '-1.5', '0.1e3', '0']) assert.throws(() => parseCursor(bad, 2), CursorError, bad);
  });

  it('a job document offers what its state and its adapter allow, whatever each system calls the state', () => {
    const all = new Set<Capability>(['retry-failed', 'cancel-pending', 'cancel-delayed', 'cancel-active', 'promote-delayed', 'delete-failed']);
    const cases: [string, string[]][] = [
      ['failed', ['retry', 'delete']], ['dead', ['retry', 'delete']], ['retry', ['retry', 'delete']], ['FAILURE', ['retry', 'delete']],
      ['waiting', ['cancel']], ['queued', ['cancel']], ['enqueued', ['cancel']], ['pending', ['cancel']],
      ['delayed', ['cancel', 'promote']], ['scheduled', ['cancel', 'promote']], ['eta', ['cancel', 'promote']],
      ['active', ['cancel']], ['started', ['cancel']], ['reserved by a worker', ['cancel']],
      ['completed', []], ['finished', []], ['SUCCESS', []], ['gone', []],
    ];
    for (const [state, want] of cases) assert.deepEqual(jobActions(stateKind(state), all), want, state);
    // Only what the adapter can do: Laravel without Horizon cannot retry; Celery cannot promote.
    assert.deepEqual(jobActions(stateKind('failed'), new Set<Capability>(['cancel-pending'])), []);
    assert.deepEqual(jobActions(stateKind('eta'), new Set<Capability>(['cancel-pending', 'cancel-active'])), []);
    // Replay where the adapter copies a failed job (BullMQ, RQ, Sidekiq).
    assert.deepEqual(jobActions(stateKind('dead'), new Set<Capability>([...all, 'replay-failed'])), ['retry', 'delete', 'replay']);
  });

  it('failure messages are made alike where they vary: numbers, ids, uuids, e-mail addresses, quoted values', () => {
    assert.equal(normalizeMessage('Connection to 10.0.0.7:5432 timed out after 3001 ms'), 'Connection to <n>.<n>:<n> timed out after <n> ms');
    assert.equal(normalizeMessage('SMTP 550 mailbox unavailable for ann@example.com'), 'SMTP <n> mailbox unavailable for <email>');
    assert.equal(normalizeMessage('order 7f3a9c2e1b4d5f60 not found (uuid 123e4567-e89b-12d3-a456-426614174000)'), 'order <id> not found (uuid <uuid>)');
    assert.equal(normalizeMessage(`No query results for model [App\\Order] "42x"`), 'No query results for model [App\\Order] "<…>"');
  });

  it('the top frame of a trace, in each of the five languages', () => {
    assert.equal(topFrame('Error: boom\n    at send (/app/jobs/mail.js:12:7)\n    at run (/app/node_modules/x.js:1:1)'), '/app/jobs/mail.js:12 send');
    assert.equal(topFrame('Error: boom\n    at /app/jobs/mail.js:12:7'), '/app/jobs/mail.js:12');
    assert.equal(topFrame('Traceback (most recent call last):\n  File "/usr/lib/rq/worker.py", line 1, in perform\n  File "/app/tasks.py", line 9, in send\n    raise RuntimeError("x")\nRuntimeError: x'), '/app/tasks.py:9 send');
    assert.equal(topFrame('RuntimeException: boom in /var/www/app/Jobs/SendMail.php:31\nStack trace:\n#0 /var/www/vendor/x.php(12): handle()'), '/var/www/app/Jobs/SendMail.php:31');
    assert.equal(topFrame('RuntimeError: boom\n\t/app/jobs/send_job.rb:14:in `perform\'\n\t/gems/sidekiq.rb:1:in `x\''), '/app/jobs/send_job.rb:14 perform');
    assert.equal(topFrame(''), null);
  });

  it('failures group by class, pattern and frame; counts, first and last seen, sample ids; a group\'s ids', () => {
    const at = (s: number) => 1_000_000 + s * 1000;
    const jobs = [
      ...[1, 2, 3].map((i) => ({ id: `a${i}`, name: 'send', state: 'failed' as const, attempts: 1, ageMs: null, preview: '', failedReason: `Error: timed out after ${3000 + i} ms`, trace: `Error: x\n    at send (/app/mail.js:12:7)`, failedAt: at(i) })),
      { id: 'b1', name: 'send', state: 'failed' as const, attempts: 1, ageMs: null, preview: '', failedReason: 'Error: timed out after 3001 ms', trace: 'Error: x\n    at other (/app/sms.js:3:1)', failedAt: at(9) },
      { id: 'c1', name: 'send', state: 'failed' as const, attempts: 1, ageMs: null, preview: '', failedReason: 'TypeError: x is undefined', failedAt: null },
    ];
    const groups = groupFailures(jobs, at(10));
    assert.deepEqual(groups.map((g) => [g.class, g.pattern, g.frame, g.count, g.sampleIds]), [
      ['Error', 'timed out after <n> ms', '/app/mail.js:12 send', 3, ['a1', 'a2', 'a3']],
      ['Error', 'timed out after <n> ms', '/app/sms.js:3 other', 1, ['b1']],
      ['TypeError', 'x is undefined', null, 1, ['c1']],
    ]);
    assert.deepEqual([groups[0].firstSeen, groups[0].lastSeen], [at(1), at(3)]);
    assert.deepEqual(idsOf(jobs, groups[0].key), ['a1', 'a2', 'a3']);
    assert.equal(groupFailures(jobs.slice(0, 1), at(10))[0].key, groups[0].key, 'the key is stable');
  });
});
