// Writes Horizon's records the way Laravel Horizon's PHP repositories write them, for the Horizon
// reader's tests: Horizon itself (a Laravel package) cannot be installed on these machines (no Debian
// package, no network for Composer). Each method names the Horizon code it transcribes.
import type Redis from 'ioredis';

const micro = (ms: number): string => (ms / 1000).toFixed(4);

export class HorizonRecorder {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'laravel_horizon:',
  ) {}

  /** RedisMasterSupervisorRepository::update. */
  async master(name: string, pid: number, supervisors: string[], atMs = Date.now()): Promise<void> {
    const p = this.prefix;
    await this.redis.multi()
      .hset(`${p}master:${name}`, { name, pid: String(pid), status: 'running', supervisors: JSON.stringify(supervisors) })
      .zadd(`${p}masters`, Math.floor(atMs / 1000), name)
      .expire(`${p}master:${name}`, 15)
      .exec();
  }

  /** RedisSupervisorRepository::update: processes per "connection:queue". */
  async supervisor(name: string, pid: number, processes: Record<string, number>, atMs = Date.now()): Promise<void> {
    const p = this.prefix;
    await this.redis.multi()
      .hset(`${p}supervisor:${name}`, {
        name, master: name.split(':')[0], pid: String(pid), status: 'running', processes: JSON.stringify(processes),
        options: JSON.stringify({ connection: 'redis', queue: Object.keys(processes).map((k) => k.split(':')[1]).join(','), timeout: 60 }), cpu: '0.00', mem: '0',
      })
      .zadd(`${p}supervisors`, Math.floor(atMs / 1000), name)
      .expire(`${p}supervisor:${name}`, 30)
      .exec();
  }

  /** RedisJobRepository::failed, with the payload as Horizon's JobPayload::prepare left it (pushedAt, tags, type). */
  async failed(queue: string, rawPayload: string, exception: string, atMs = Date.now()): Promise<string> {
    const payload: Record<string, unknown> = { ...(JSON.parse(rawPayload) as Record<string, unknown>), type: 'job', tags: [], pushedAt: micro(atMs - 5000) };
    const id = String(payload.uuid ?? payload.id);
    const p = this.prefix;
    await this.redis.multi()
      .zadd(`${p}failed_jobs`, `-${micro(atMs)}`, id)
      .zadd(`${p}recent_failed_jobs`, `-${micro(atMs)}`, id)
      .zrem(`${p}pending_jobs`, id)
      .hset(`${p}${id}`, {
        id, connection: 'redis', queue, name: String(payload.displayName), status: 'failed', payload: JSON.stringify(payload),
        exception: `${exception}\n#0 /app/Jobs/SendMail.php(21): handle()`, failed_at: micro(atMs),
      })
      .expireat(`${p}${id}`, Math.floor(atMs / 1000) + 10080 * 60)
      .exec();
    return id;
  }

  /** RedisJobRepository::completed for a job pushed before (recorded as pushed() then completed()). */
  async completed(queue: string, id: string, name: string, atMs = Date.now()): Promise<void> {
    const p = this.prefix;
    await this.redis.multi()
      .zadd(`${p}completed_jobs`, `-${micro(atMs)}`, id)
      .hset(`${p}${id}`, { id, connection: 'redis', queue, name, status: 'completed', payload: JSON.stringify({ uuid: id, id, displayName: name, attempts: 1, data: {} }), completed_at: micro(atMs) })
      .exec();
  }

  /** LuaScripts::updateMetrics on `queue:<q>`: throughput and the running average runtime (ms). */
  async queueMetrics(queue: string, throughput: number, runtimeMs: number): Promise<void> {
    await this.redis.hset(`${this.prefix}queue:${queue}`, { throughput: String(throughput), runtime: String(runtimeMs) });
    await this.redis.sadd(`${this.prefix}measured_queues`, `queue:${queue}`);
  }
}
