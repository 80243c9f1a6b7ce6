// Failed sign-ins are limited per account and per client address, so neither guessing one
// account's password nor spraying many accounts from one address gets far. Successes are never
// limited. Counters live in this process: each instance enforces its own window. Agent token
// exchanges use the same limiter, with the key prefix as the "account".

export interface LoginLimits {
  perAccount: number;
  perAddress: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perAccount: 5, perAddress: 20, windowSeconds: 15 * 60 };

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until another attempt is allowed for this account or address; 0 when allowed. */
  retryAfter(email: string, address: string): number {
    return Math.max(this.wait(`account:${email}`, this.limits.perAccount), this.wait(`address:${address}`, this.limits.perAddress));
  }

  recordFailure(email: string, address: string): void {
    for (const key of [`account:${email}`, `address:${address}`]) {
      const list = this.recent(key);
      list.push(this.now());
      this.failures.set(key, list);
    }
    if (this.failures.size > 100_000) this.failures.delete(this.failures.keys().next().value as string);
  }

  /** A successful sign-in clears the account's failures (not the address's). */
  recordSuccess(email: string): void {
    this.failures.delete(`account:${email}`);
  }

  private wait(key: string, limit: number): number {
    const list = this.recent(key);
    if (list.length < limit) return 0;
    return Math.max(1, Math.ceil((list[list.length - limit] + this.limits.windowSeconds * 1000 - this.now()) / 1000));
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.limits.windowSeconds * 1000;
    return (this.failures.get(key) ?? []).filter((t) => t > cutoff);
  }
}
