// Token buckets keyed by a string (a client address, usually): a steady rate with a burst above
// it, least recently seen keys forgotten first so memory stays bounded under hostile traffic.
export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  /** Most addresses tracked at once; the least recently seen are forgotten first. */
  maxTracked?: number;
  /** Milliseconds on a clock that never steps back (by default, the process's monotonic clock). */
  now?: () => number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; updated: number }>();

  constructor(private readonly options: RateLimitOptions) {}

  /** Takes one token for `key`; returns 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    // Not the wall clock: set back (NTP, an operator), it drained every bucket for as long as it stepped.
    const now = this.options.now?.() ?? performance.now();
    const { perSecond, burst } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: burst, updated: now };
    this.buckets.delete(key); // re-inserted below so Map order stays least-recently-used first
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.updated) / 1000) * perSecond);
    bucket.updated = now;
    let wait = 0;
    if (bucket.tokens >= 1) bucket.tokens -= 1;
    else wait = Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
    this.buckets.set(key, bucket);
    const maxTracked = this.options.maxTracked ?? 100_000;
    if (this.buckets.size > maxTracked) this.buckets.delete(this.buckets.keys().next().value as string);
    return wait;
  }
}
