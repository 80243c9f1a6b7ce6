import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The mail queue (a transactional outbox): a message is inserted in the transaction whose change
 * it announces, and a dispatcher sends it after that commits. Bodies may carry an agent API key,
 * so they are sealed under the KEK like secrets (AAD "clawkeep-mail:<id>"), and wiped once the
 * message is sent or has failed for good. In development (no SMTP server configured) messages
 * stay sealed with status 'outbox' for `clawkeep mail outbox`, and are pruned after a week.
 *
 * Rows that hold a body are exactly those still waiting ('queued', 'sending', 'outbox'): the
 * CHECK keeps a sent or failed row from ever keeping one.
 */
export class Mail1763884800007 implements MigrationInterface {
  name = "Mail1763884800007";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_mail" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "to_address" text NOT NULL,
        "subject" text NOT NULL,
        "kek_version" integer NULL,
        "wrapped_dek" bytea NULL,
        "ciphertext" bytea NULL,
        "status" text NOT NULL,
        "attempts" integer NOT NULL DEFAULT 0,
        "next_attempt_at" timestamptz NOT NULL DEFAULT now(),
        "lease_until" timestamptz NULL,
        "last_error" text NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "sent_at" timestamptz NULL,
        CONSTRAINT "CHK_clawkeep_mail_status" CHECK ("status" IN ('queued', 'sending', 'sent', 'failed', 'outbox')),
        CONSTRAINT "CHK_clawkeep_mail_body" CHECK (
          ("status" IN ('queued', 'sending', 'outbox')) = ("kek_version" IS NOT NULL AND "wrapped_dek" IS NOT NULL AND "ciphertext" IS NOT NULL)
          AND ("kek_version" IS NULL) = ("ciphertext" IS NULL) AND ("wrapped_dek" IS NULL) = ("ciphertext" IS NULL)
        ),
        CONSTRAINT "CHK_clawkeep_mail_lease" CHECK (("status" = 'sending') = ("lease_until" IS NOT NULL))
      )`);
    // What the dispatcher claims, oldest first; and the development outbox, newest first.
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_mail_pending" ON "clawkeep_mail" ("created_at") WHERE "status" IN ('queued', 'sending')`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_mail_outbox" ON "clawkeep_mail" ("created_at") WHERE "status" = 'outbox'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "clawkeep_mail"`);
  }
}
