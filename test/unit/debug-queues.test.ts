// A debug worker's own queues: only whole names the pool's command or env gives are renamed.
import { strict as assert } from 'node:assert';
import { redirectQueues } from '../../src/core/debug-queues';

describe('debug worker queues', () => {
  it('renames whole queue names in arguments, flag values, comma lists and env values', () => {
    const r = redirectQueues(
      ['php', 'artisan', 'queue:work', 'redis', '--queue=emails,reports', '--tries=3'],
      { QUEUE: 'emails', OTHER: 'emails-archive', APP: 'x' },
      ['laravel:emails', 'laravel:reports', 'laravel:billing'],
    );
    assert.deepEqual(r.command, ['php', 'artisan', 'queue:work', 'redis', '--queue=emails.debug,reports.debug', '--tries=3']);
    assert.deepEqual(r.env, { QUEUE: 'emails.debug' });
    assert.deepEqual(r.redirects, [{ from: 'laravel:emails', to: 'laravel:emails.debug' }, { from: 'laravel:reports', to: 'laravel:reports.debug' }]);
  });

  it('separate arguments (celery -Q, sidekiq -q, rq worker NAME) and assignments (rake QUEUE=x)', () => {
    assert.deepEqual(redirectQueues(['celery', '-A', 'app', 'worker', '-Q', 'mail,celery'], {}, ['celery:mail']).command, ['celery', '-A', 'app', 'worker', '-Q', 'mail.debug,celery']);
    assert.deepEqual(redirectQueues(['bundle', 'exec', 'sidekiq', '-q', 'mail', '-q', 'default'], {}, ['sidekiq:mail']).command, ['bundle', 'exec', 'sidekiq', '-q', 'mail.debug', '-q', 'default']);
    assert.deepEqual(redirectQueues(['rq', 'worker', 'mail', 'low'], {}, ['systems/rq:mail']).redirects, [{ from: 'systems/rq:mail', to: 'systems/rq:mail.debug' }]);
    assert.deepEqual(redirectQueues(['rake', 'resque:work', 'QUEUE=mail'], {}, ['sidekiq:mail']).command, ['rake', 'resque:work', 'QUEUE=mail.debug']);
  });

  it('a queue the command does not name stays the pool\'s, the program is never renamed, a debug queue is not renamed again', () => {
    const r = redirectQueues(['mail', 'mailer.js', 'mails'], { Q: 'mail.debug' }, ['bullmq:mail', 'bullmq:mail.debug']);
    assert.deepEqual(r.command, ['mail', 'mailer.js', 'mails']);
    assert.deepEqual([r.env, r.redirects], [{}, []]);
  });
});
