import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Self-enrollment: an agent asks to exist, a human approves or denies. An enrollment is bound to
 * an organisation when the email it named belongs to a user (`org_id`, `bound_user_id`), or is
 * link-only (`human_email` NULL) until whoever opens its approval link decides it. An email that
 * matches nobody still gets a row (so the answer looks the same) without an approval token, so
 * it can never be approved.
 *
 * The claim token and the approval token are stored as keyed hashes. Between approval and the
 * agent's claim, the new API key waits sealed under the KEK (`key_*` columns); the claim, or the
 * end of the claim window, wipes it.
 *
 * `clawkeep_enrollment_cooldowns` holds one row per email: at most one enrollment per email per
 * ten minutes, for every instance sharing the database.
 *
 * Organisations choose whether approved keys are also handed to the agent through its claim
 * (`agent_key_claim`, on by default); off, only the approver's email carries the key.
 */
export class Enrollments1763884800008 implements MigrationInterface {
  name = "Enrollments1763884800008";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_enrollments" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "description" text NOT NULL DEFAULT '',
        "human_email" text NULL,
        "org_id" uuid NULL REFERENCES "clawkeep_orgs" ("id") ON DELETE CASCADE,
        "bound_user_id" uuid NULL REFERENCES "clawkeep_users" ("id") ON DELETE SET NULL,
        "status" text NOT NULL CHECK ("status" IN ('pending', 'approved', 'denied', 'expired', 'claimed')),
        "source_ip" text NOT NULL,
        "claim_hash" bytea NOT NULL,
        "approval_hash" bytea NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "decided_at" timestamptz NULL,
        "decided_by" uuid NULL,
        "agent_id" uuid NULL REFERENCES "clawkeep_agents" ("id") ON DELETE SET NULL,
        "key_delivery" text NULL CHECK ("key_delivery" IN ('claim', 'email_only')),
        "key_kek_version" integer NULL,
        "key_wrapped_dek" bytea NULL,
        "key_ciphertext" bytea NULL,
        "key_claimable_until" timestamptz NULL,
        "claimed_at" timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_enrollments_org" ON "clawkeep_enrollments" ("org_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_enrollments_pending" ON "clawkeep_enrollments" ("expires_at") WHERE "status" = 'pending'`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_enrollment_cooldowns" (
        "email" text PRIMARY KEY,
        "until" timestamptz NOT NULL
      )`);
    await queryRunner.query(`ALTER TABLE "clawkeep_orgs" ADD COLUMN "agent_key_claim" boolean NOT NULL DEFAULT true`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clawkeep_orgs" DROP COLUMN "agent_key_claim"`);
    await queryRunner.query(`DROP TABLE "clawkeep_enrollment_cooldowns"`);
    await queryRunner.query(`DROP TABLE "clawkeep_enrollments"`);
  }
}
