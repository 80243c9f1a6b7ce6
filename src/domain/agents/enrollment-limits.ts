// The limits that keep the public enrollment endpoint from being used to flood people's inboxes or
// the approval queue. The per-email cooldown lives in the database, so every instance sharing it
// enforces the same ten minutes; the per-address bucket and the claim-failure counters are per
// instance, like the other rate limits.
import type { EntityManager } from "typeorm";
import { rowsOf } from "../../db/rows.js";
import { DomainError } from "../errors.js";
import { LoginLimiter } from "../identity/login-limiter.js";
import { TokenBuckets } from "../token-buckets.js";

export const EMAIL_COOLDOWN_SECONDS = 10 * 60;
/** Serialises link-only inserts while they count the pending ones, so the cap holds under races. */
const LINK_ONLY_LOCK_KEY = 7_360_211_008;

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
    const taken = rowsOf<{ email: string }>(
      await manager.query(
        `INSERT INTO "clawkeep_enrollment_cooldowns" ("email", "until") VALUES ($1, now() + make_interval(secs => $2))
         ON CONFLICT ("email") DO UPDATE SET "until" = EXCLUDED."until" WHERE "clawkeep_enrollment_cooldowns"."until" <= now()
         RETURNING "email"`,
        [email, EMAIL_COOLDOWN_SECONDS],
      ),
    );
    if (taken.length > 0) return;
    const [row]: { wait: number }[] = await manager.query(
      `SELECT ceil(extract(epoch FROM "until" - now()))::int AS "wait" FROM "clawkeep_enrollment_cooldowns" WHERE "email" = $1`,
      [email],
    );
    const wait = Math.max(1, row?.wait ?? 1);
    throw new DomainError("rate_limited", `an enrollment for this email was made less than 10 minutes ago; retry in ${wait} s`, { retryAfterSeconds: wait });
  }

  /** Refuses a new link-only enrollment while the cap of pending ones is reached. */
  async assertLinkOnlyRoom(manager: EntityManager): Promise<void> {
    await manager.query("SELECT pg_advisory_xact_lock($1)", [LINK_ONLY_LOCK_KEY]);
    const [row]: { pending: number; wait: number | null }[] = await manager.query(
      `SELECT count(*)::int AS "pending", ceil(extract(epoch FROM min("expires_at") - now()))::int AS "wait"
       FROM "clawkeep_enrollments" WHERE "status" = 'pending' AND "human_email" IS NULL AND "expires_at" > now()`,
    );
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
