// A queue's split between tenants by a payload field: counted over every pending job where the queue
// is small enough, else over a sample of its pending jobs, with the sampling error stated. The
// backlog share of a tenant sums its part of every queue; its error is the sum of the queues'
// variances (independent samples), with the finite-population correction of each.

/** The tenant field's values among some pending jobs of one queue. */
export interface TenantSample {
  /** Jobs per tenant value among those read. */
  counts: Record<string, number>;
  /** Jobs read (those without the field count under no tenant). */
  sampled: number;
  /** Pending jobs when they were read. */
  ofPending: number;
  /** Which jobs were read, in words ("every pending job", "400 pending jobs as the system lists them"). */
  which: string;
}

export interface TenantPart {
  /** Expected pending jobs of the tenant in the queue now. */
  pending: number;
  /** Variance of that estimate (0 when every pending job was read). */
  variance: number;
}

/** Each tenant's part of a queue's current pending jobs, scaled from the sample. */
export function tenantParts(sample: TenantSample, pendingNow: number): Map<string, TenantPart> {
  const out = new Map<string, TenantPart>();
  const n = sample.sampled;
  if (n <= 0) return out;
  const N = Math.max(sample.ofPending, n);
  const fpc = N > 1 ? (N - n) / (N - 1) : 0;
  for (const [tenant, k] of Object.entries(sample.counts)) {
    const p = k / n;
    out.set(tenant, { pending: p * pendingNow, variance: pendingNow * pendingNow * ((p * (1 - p)) / n) * fpc });
  }
  return out;
}

/** 95 % two-sided. */
export const Z95 = 1.96;
