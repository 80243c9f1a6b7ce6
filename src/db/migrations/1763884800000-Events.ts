import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The events table behind the event bus: an append-only log that server streams read from a
 * cursor (the id), so a subscriber can resume without loss, on any instance.
 */
export class Events1763884800000 implements MigrationInterface {
  name = "Events1763884800000";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_events" (
        "id" bigserial PRIMARY KEY,
        "topic" text NOT NULL,
        "org_id" uuid NULL,
        "payload" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_events_topic_id" ON "clawkeep_events" ("topic", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_events_created_at" ON "clawkeep_events" ("created_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "clawkeep_events"`);
  }
}
