import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Shares of single secrets. A share names its secret by id (`secret_id`, one life of a path), so
 * it follows the secret's new versions but not a new secret PUT at the same path after a delete.
 * Deleting the vault nulls `secret_id` rather than deleting the share, so the share answers 410
 * ("the secret is gone") instead of pretending it never existed; `vault_id` and `secret_path` are
 * kept for the lists and the audit trail.
 *
 * The recipient is one of: a user (`recipient_user_id`, for "user" and "creator" shares, and for
 * "external_email" shares once that address has an account), an agent (`recipient_agent_id`), an
 * email address not yet claimed (`recipient_email`, "external_email"), or nobody in particular
 * ("anyone_with_link"). The passphrase is stored as an Argon2id hash only.
 *
 * `sender_ip` is where the share was created: at access time the sender's policies are evaluated
 * again (a share never outlives the sender's own read access), with the sender's address.
 */
export class Shares1763884800009 implements MigrationInterface {
  name = "Shares1763884800009";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_shares" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "org_id" uuid NOT NULL REFERENCES "clawkeep_orgs" ("id") ON DELETE CASCADE,
        "secret_id" uuid NULL REFERENCES "clawkeep_secrets" ("id") ON DELETE SET NULL,
        "vault_id" uuid NOT NULL,
        "secret_path" text NOT NULL,
        "sender_type" text NOT NULL CHECK ("sender_type" IN ('user', 'agent')),
        "sender_id" uuid NOT NULL,
        "sender_ip" text NOT NULL,
        "recipient_type" text NOT NULL CHECK ("recipient_type" IN ('creator', 'user', 'agent', 'external_email', 'anyone_with_link')),
        "recipient_user_id" uuid NULL REFERENCES "clawkeep_users" ("id") ON DELETE CASCADE,
        "recipient_agent_id" uuid NULL REFERENCES "clawkeep_agents" ("id") ON DELETE CASCADE,
        "recipient_email" text NULL,
        "expires_at" timestamptz NOT NULL,
        "max_access_count" integer NULL CHECK ("max_access_count" > 0),
        "access_count" integer NOT NULL DEFAULT 0,
        "passphrase_hash" text NULL,
        "ip_allowlist" text[] NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "accepted_at" timestamptz NULL,
        "declined_at" timestamptz NULL,
        "revoked_at" timestamptz NULL,
        CONSTRAINT "CHK_clawkeep_shares_access_count" CHECK ("max_access_count" IS NULL OR "access_count" <= "max_access_count"),
        CONSTRAINT "CHK_clawkeep_shares_recipient" CHECK (
          ("recipient_type" IN ('user', 'creator') AND "recipient_user_id" IS NOT NULL AND "recipient_agent_id" IS NULL)
          OR ("recipient_type" = 'agent' AND "recipient_agent_id" IS NOT NULL AND "recipient_user_id" IS NULL)
          OR ("recipient_type" = 'external_email' AND "recipient_email" IS NOT NULL AND "recipient_agent_id" IS NULL)
          OR ("recipient_type" = 'anyone_with_link' AND "recipient_user_id" IS NULL AND "recipient_agent_id" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_shares_sender" ON "clawkeep_shares" ("sender_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_shares_org_created" ON "clawkeep_shares" ("org_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_shares_recipient_user" ON "clawkeep_shares" ("recipient_user_id") WHERE "recipient_user_id" IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_shares_recipient_agent" ON "clawkeep_shares" ("recipient_agent_id") WHERE "recipient_agent_id" IS NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX "IDX_clawkeep_shares_unclaimed_email" ON "clawkeep_shares" ("recipient_email") WHERE "recipient_type" = 'external_email' AND "recipient_user_id" IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_shares_secret" ON "clawkeep_shares" ("secret_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "clawkeep_shares"`);
  }
}
