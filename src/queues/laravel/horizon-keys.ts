// Laravel Horizon's Redis layout, in one place. Horizon uses its own connection whose prefix is
// HORIZON_PREFIX (default "<app>_horizon:"), on the app's database. From Horizon's repositories:
// masters / supervisors ZSETs scored by their last heartbeat (seconds) with `master:<name>` /
// `supervisor:<name>` hashes; one hash per job (key = its uuid); recent / pending / completed / failed
// ZSETs of job ids scored by -microtime (newest first); metrics hashes `queue:<q>` / `job:<class>`.
export class HorizonKeys {
  constructor(readonly prefix = 'laravel_horizon:') {}
  masters(): string {
    return `${this.prefix}masters`;
  }
  master(name: string): string {
    return `${this.prefix}master:${name}`;
  }
  supervisors(): string {
    return `${this.prefix}supervisors`;
  }
  supervisor(name: string): string {
    return `${this.prefix}supervisor:${name}`;
  }
  job(id: string): string {
    return `${this.prefix}${id}`;
  }
  jobs(set: 'recent_jobs' | 'pending_jobs' | 'completed_jobs' | 'failed_jobs' | 'recent_failed_jobs'): string {
    return `${this.prefix}${set}`;
  }
  /** The SET of the metrics hashes written, as "queue:<q>" (LuaScripts::updateMetrics). */
  measuredQueues(): string {
    return `${this.prefix}measured_queues`;
  }
  queueMetrics(queue: string): string {
    return `${this.prefix}queue:${queue}`;
  }
}

/** A master is alive while its heartbeat is younger than this (Horizon: 14 s); a supervisor: 29 s. */
export const HORIZON_MASTER_ALIVE_S = 14;
export const HORIZON_SUPERVISOR_ALIVE_S = 29;
/** Horizon keeps pending and recent job hashes this long by default (horizon.trim.pending/recent). */
export const HORIZON_PENDING_EXPIRES_S = 60 * 60;
