import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * No lock shared by unrelated requests.
 *
 * Events: each row records the transaction that wrote it (`tx`, a full 64-bit xid). Readers order
 * by (tx, id) and read only rows below the oldest transaction still running, so a row can never
 * appear behind a reader's position and publishers need no lock to keep that order. Retention
 * pruning records where it stopped, so a cursor from before it is recognised as stale.
 *
 * Audit: a request inserts its event without chain fields (durable in its own transaction, no
 * lock); one sequencer per organisation at a time links pending events into the chain right after
 * (seq, prev_event_id, integrity_hash). `pos` is insertion order, which orders a batch.
 */
export class Engine1763884800010 implements MigrationInterface {
  name = "Engine1763884800010";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clawkeep_events" ADD COLUMN "tx" xid8 NOT NULL DEFAULT pg_current_xact_id()`);
    await queryRunner.query(`DROP INDEX "IDX_clawkeep_events_topic_id"`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_events_topic_tx_id" ON "clawkeep_events" ("topic", "tx", "id")`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_events_tx_id" ON "clawkeep_events" ("tx", "id")`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_events_pruned" (
        "singleton" boolean PRIMARY KEY DEFAULT true CHECK ("singleton"),
        "tx" xid8 NOT NULL,
        "id" bigint NOT NULL
      )`);

    await queryRunner.query(`ALTER TABLE "clawkeep_audit_events" ALTER COLUMN "seq" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "clawkeep_audit_events" ALTER COLUMN "integrity_hash" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "clawkeep_audit_events" ADD COLUMN "pos" bigserial`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_audit_events_pending" ON "clawkeep_audit_events" ("org_id", "pos") WHERE "seq" IS NULL`);
    await queryRunner.query(
      `ALTER TABLE "clawkeep_audit_events" ADD CONSTRAINT "CHK_clawkeep_audit_events_chained" CHECK (("seq" IS NULL) = ("integrity_hash" IS NULL))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clawkeep_audit_events" DROP CONSTRAINT "CHK_clawkeep_audit_events_chained"`);
    await queryRunner.query(`DROP INDEX "IDX_clawkeep_audit_events_pending"`);
    await queryRunner.query(`ALTER TABLE "clawkeep_audit_events" DROP COLUMN "pos"`);
    await queryRunner.query(`DELETE FROM "clawkeep_audit_events" WHERE "seq" IS NULL`);
    await queryRunner.query(`ALTER TABLE "clawkeep_audit_events" ALTER COLUMN "integrity_hash" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "clawkeep_audit_events" ALTER COLUMN "seq" SET NOT NULL`);
    await queryRunner.query(`DROP TABLE "clawkeep_events_pruned"`);
    await queryRunner.query(`DROP INDEX "IDX_clawkeep_events_tx_id"`);
    await queryRunner.query(`DROP INDEX "IDX_clawkeep_events_topic_tx_id"`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_events_topic_id" ON "clawkeep_events" ("topic", "id")`);
    await queryRunner.query(`ALTER TABLE "clawkeep_events" DROP COLUMN "tx"`);
  }
}
