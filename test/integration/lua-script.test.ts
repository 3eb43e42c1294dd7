// The one way Lua is called: EVALSHA first, EVAL when Redis lacks the script (first use, a restart,
// SCRIPT FLUSH), for single calls and for pipelines alike; counted with the server's own stats.
import * as assert from 'node:assert/strict';
import { TURN_BUDGET_MS } from '../../src/core/turn-budget';
import { LuaScript, execScripts, runEach, scriptsByNode } from '../../src/queues/lua-script';
import { TestRedis } from '../helpers/redis-server';

describe('LuaScript: EVALSHA with a NOSCRIPT fallback', function () {
  this.timeout(20_000);
  let redis: TestRedis;
  before(async () => (redis = await TestRedis.start()));
  after(async () => redis.stop());

  const calls = async (c: ReturnType<TestRedis['client']>): Promise<{ eval: number; evalsha: number }> => {
    const stats = await c.info('commandstats');
    const n = (cmd: string): number => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    return { eval: n('eval'), evalsha: n('evalsha') };
  };

  it('runs by SHA1 once Redis has it, and again after SCRIPT FLUSH', async () => {
    const c = redis.client();
    try {
      const s = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
      await c.config('RESETSTAT');
      assert.equal(await s.run(c, 1, 'lua:n', 2), 2); // not cached: EVALSHA fails, EVAL loads it
      assert.equal(await s.run(c, 1, 'lua:n', 3), 5); // cached: EVALSHA only
      assert.deepEqual(await calls(c), { eval: 1, evalsha: 2 });
      await c.script('FLUSH');
      assert.equal(await s.run(c, 1, 'lua:n', 1), 6);
      assert.deepEqual(await calls(c), { eval: 2, evalsha: 3 });
    } finally {
      c.disconnect();
    }
  });

  it('pipelines: sent by SHA1, sent again with the source after a NOSCRIPT, with other commands in them', async () => {
    const c = redis.client();
    try {
      const s = new LuaScript("return redis.call('GET', KEYS[1])");
      await c.set('lua:a', 'A');
      await c.script('FLUSH');
      const res = await execScripts(c, (pipe, mode) => {
        s.queue(pipe, c, mode, 1, 'lua:a');
        pipe.ping();
      });
      assert.deepEqual(res, [[null, 'A'], [null, 'PONG']]);
      await c.config('RESETSTAT');
      const byNode = await scriptsByNode(c, ['lua:a', 'lua:a'], (k) => k, (pipe, k, mode) => s.queue(pipe, c, mode, 1, k));
      assert.deepEqual(byNode, [[[null, 'A']], [[null, 'A']]]);
      assert.deepEqual(await calls(c), { eval: 0, evalsha: 2 }, 'cached after the first fallback');
    } finally {
      c.disconnect();
    }
  });

  it('runEach: each call goes out as soon as it is built, without waiting on a reply, and each reply is taken as it arrives', async () => {
    const c = redis.client();
    try {
      const s = new LuaScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
      await s.run(c, 1, 'lua:each', 0); // cached: every call below goes by SHA1
      // Redis is kept busy for 200 ms first, on the same connection: no reply can come before it
      // ends, whatever the turns of the client's loop, so a call sent after a reply came would be
      // one that waited for it.
      const busy = c.eval("local s = redis.call('TIME') repeat local n = redis.call('TIME') until (n[1] - s[1]) * 1000000 + (n[2] - s[2]) >= 200000 return 1", 0);
      const events: string[] = [];
      const stream = (c as unknown as { stream: NodeJS.EventEmitter & { write: (...a: unknown[]) => boolean } }).stream;
      const write = stream.write.bind(stream);
      stream.write = (...a: unknown[]) => {
        events.push('write');
        return write(...a);
      };
      const onData = () => events.push('reply');
      stream.on('data', onData);
      try {
        const taken: number[] = [];
        const res = runEach(c, s, [1, 2, 3], (n) => {
          events.push(`build ${n}`);
          return [1, ['lua:each', n]];
        }, (n, reply) => {
          taken.push(n);
          return Number(reply) * 10;
        });
        assert.deepEqual(await res, [10, 30, 60]);
        assert.equal(await busy, 1);
        // Each went out before the next was built (the budget may let the loop run between two),
        // and all before any reply came.
        assert.deepEqual(events.filter((e) => e !== 'reply'), ['build 1', 'write', 'build 2', 'write', 'build 3', 'write']);
        assert.ok(events.indexOf('reply') > events.lastIndexOf('write'), `every call went out before a reply came: ${events.join(', ')}`);
        assert.deepEqual(taken, [1, 2, 3]);
      } finally {
        stream.write = write;
        stream.off('data', onData);
      }
    } finally {
      c.disconnect();
    }
  });

  it('runEach: lets the event loop run before a call that would take its turn past the budget', async () => {
    const c = redis.client();
    try {
      const s = new LuaScript('return ARGV[1]');
      await s.run(c, 0, 'warm');
      const events: string[] = [];
      // A mark at every turn of the loop while the calls are sent.
      let sending = true;
      const mark = () => {
        events.push('loop');
        if (sending) setImmediate(mark);
      };
      setImmediate(mark);
      const busy = (ms: number) => {
        const until = performance.now() + ms;
        while (performance.now() < until); // a build that takes a while (arguments of many queues)
      };
      const items = Array.from({ length: 8 }, (_, i) => i);
      const res = runEach(c, s, items, (i) => {
        busy(TURN_BUDGET_MS * 0.4);
        events.push(`build ${i}`);
        return [0, [i]];
      }, (_, reply) => Number(reply));
      const sent = new Promise<void>((resolve) => {
        const check = () => (events.includes(`build ${items.length - 1}`) ? resolve() : setImmediate(check));
        check();
      });
      await sent;
      sending = false;
      assert.deepEqual(await res, items);
      assert.deepEqual(events.filter((e) => e !== 'loop'), items.map((i) => `build ${i}`));
      // Builds of 0.4 budget each: a third would end the turn past its budget (at 1.2), so no turn
      // has more than two (slower builds only make turns shorter). Under the rule "yield once the
      // budget is spent", the third went in the same turn.
      const turns = events.join(',').split('loop').map((t) => t.split(',').filter(Boolean).length);
      assert.ok(turns.filter((n) => n > 0).length >= 4, `the loop ran between the calls: ${events.join(', ')}`);
      assert.ok(Math.max(...turns) <= 2, `at most two builds a turn: ${events.join(', ')}`);
    } finally {
      c.disconnect();
    }
  });

  it('runEach: after SCRIPT FLUSH each call falls back to its source on its own', async () => {
    const c = redis.client();
    try {
      const s = new LuaScript("return ARGV[1] .. '!'");
      await c.script('FLUSH');
      await c.config('RESETSTAT');
      assert.deepEqual(await runEach(c, s, ['a', 'b'], (x) => [0, [x]], (_, reply) => String(reply)), ['a!', 'b!']);
      assert.deepEqual(await calls(c), { eval: 2, evalsha: 2 });
      await c.config('RESETSTAT');
      assert.deepEqual(await runEach(c, s, ['c'], (x) => [0, [x]], (_, reply) => String(reply)), ['c!']);
      assert.deepEqual(await calls(c), { eval: 0, evalsha: 1 }, 'cached by the fallback');
    } finally {
      c.disconnect();
    }
  });

  it('runEach: replies are taken in the calls\' order, also when a later call overtakes one that went again with its source', async () => {
    const c = redis.client();
    try {
      const s = new LuaScript("return ARGV[1] .. '?'");
      await c.script('FLUSH');
      await c.config('RESETSTAT');
      const taken: string[] = [];
      const items = ['a', 'b', 'c'];
      const res = await runEach(c, s, items, (x) => {
        // Between the first call and the second, the script is loaded on the same connection: the
        // first finds it missing and goes again with its source, after the second has run by SHA1.
        if (x === 'b') void c.script('LOAD', "return ARGV[1] .. '?'");
        return [0, [x]];
      }, (_, reply) => {
        taken.push(String(reply));
        return String(reply);
      });
      assert.deepEqual(await calls(c), { eval: 1, evalsha: 3 }, 'the first call went again with its source, the others ran by SHA1');
      assert.deepEqual(res, ['a?', 'b?', 'c?']);
      assert.deepEqual(taken, ['a?', 'b?', 'c?']);
    } finally {
      c.disconnect();
    }
  });
});
