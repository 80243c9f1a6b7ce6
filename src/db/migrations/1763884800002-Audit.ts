import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The tamper-evident audit log: one HMAC chain per organisation. The head row is locked by
 * every append, so concurrent writers of one organisation queue up and the chain never forks.
 */
export class Audit1763884800002 implements MigrationInterface {
  name = "Audit1763884800002";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_audit_events" (
        "id" uuid PRIMARY KEY,
        "org_id" uuid NOT NULL,
        "seq" bigint NOT NULL,
        "actor_type" text NOT NULL,
        "actor_id" text NOT NULL,
        "action" text NOT NULL,
        "resource_type" text NOT NULL,
        "resource_id" text NOT NULL,
        "details" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "ip_address" text NULL,
        "created_at" timestamptz NOT NULL,
        "prev_event_id" uuid NULL,
        "integrity_hash" text NOT NULL,
        CONSTRAINT "UQ_clawkeep_audit_events_org_seq" UNIQUE ("org_id", "seq")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_audit_events_org_created" ON "clawkeep_audit_events" ("org_id", "created_at")`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_audit_heads" (
        "org_id" uuid PRIMARY KEY,
        "seq" bigint NOT NULL DEFAULT 0,
        "last_event_id" uuid NULL,
        "last_hash" text NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "clawkeep_audit_heads"`);
    await queryRunner.query(`DROP TABLE "clawkeep_audit_events"`);
  }
}
