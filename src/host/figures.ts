// The sums every surface shows (status bar, dashboard, trees), written once (pure: no vscode).

interface WorkerFigures {
  state: string;
  cpu?: number | null;
  memoryBytes?: number | null;
}

export function pendingTotal(queues: readonly { pending: number }[]): number {
  return queues.reduce((n, q) => n + q.pending, 0);
}

export function throughputTotal(queues: readonly { throughputPerMin: number | null }[]): number {
  return queues.reduce((n, q) => n + (q.throughputPerMin ?? 0), 0);
}

/** CPU % summed over a pool's workers. */
export function cpuTotal(workers: readonly WorkerFigures[]): number {
  return workers.reduce((n, w) => n + (w.cpu ?? 0), 0);
}

export function memoryTotal(workers: readonly WorkerFigures[]): number {
  return workers.reduce((n, w) => n + (w.memoryBytes ?? 0), 0);
}
