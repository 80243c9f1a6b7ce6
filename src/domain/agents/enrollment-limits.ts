// The limits that keep the public enrollment endpoint from being used to flood people's inboxes or
// the approval queue. The per-email cooldown lives in the database, so every instance sharing it
// enforces the same ten minutes; the per-address bucket and the claim-failure counters are per
// instance, like the other rate limits.
import type { EntityManager } from "typeorm";
import { DomainError } from "../errors.js";
import { LoginLimiter } from "../identity/login-limiter.js";
import { TokenBuckets } from "../token-buckets.js";
import { cooldownWait, lockLinkOnlyEnrollments, pendingLinkOnly, startCooldown } from "./enrollment-store.js";

export const EMAIL_COOLDOWN_SECONDS = 10 * 60;

export class EnrollmentLimits {
  /** Burst 5, then one enrollment a second, per client address. */
  private readonly perAddress = new TokenBuckets({ perSecond: 1, burst: 5 });
  /** Wrong claim tokens: 10 per enrollment and 30 per address in 10 minutes. */
  private readonly claimFailures = new LoginLimiter({ perAccount: 10, perAddress: 30, windowSeconds: 10 * 60 });

  constructor(private readonly maxPendingLinkOnly: number) {}

  takeAddressToken(ip: string): void {
    const wait = this.perAddress.take(ip || "unknown");
    if (wait > 0) throw new DomainError("rate_limited", `too many enrollments from this address; retry in ${wait} s`, { retryAfterSeconds: wait });
  }

  /**
   * Starts the email's ten-minute cooldown inside the enrolling transaction (so a failed
   * enrollment does not use it up), or refuses with 429 while one is running.
   */
  async takeEmailCooldown(manager: EntityManager, email: string): Promise<void> {
    if (await startCooldown(manager, email, EMAIL_COOLDOWN_SECONDS)) return;
    const wait = Math.max(1, (await cooldownWait(manager, email)) ?? 1);
    throw new DomainError("rate_limited", `an enrollment for this email was made less than 10 minutes ago; retry in ${wait} s`, { retryAfterSeconds: wait });
  }

  /** Refuses a new link-only enrollment while the cap of pending ones is reached. */
  async assertLinkOnlyRoom(manager: EntityManager): Promise<void> {
    await lockLinkOnlyEnrollments(manager);
    const row = await pendingLinkOnly(manager);
    if (row.pending < this.maxPendingLinkOnly) return;
    const wait = Math.max(1, row.wait ?? 1);
    throw new DomainError(
      "rate_limited",
      `too many link-only enrollments are waiting for approval (at most ${this.maxPendingLinkOnly}); retry in ${wait} s, or enroll with human_email`,
      { retryAfterSeconds: wait },
    );
  }

  assertClaimAllowed(enrollmentId: string, ip: string): void {
    const wait = this.claimFailures.retryAfter(enrollmentId, ip);
    if (wait > 0) throw new DomainError("rate_limited", `too many failed claims; retry in ${wait} s`, { retryAfterSeconds: wait });
  }

  recordClaimFailure(enrollmentId: string, ip: string): void {
    this.claimFailures.recordFailure(enrollmentId, ip);
  }
}
