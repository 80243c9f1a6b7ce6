import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The Intents API: agents' signing keys (public halves and where the sealed private half lives in
 * the organisation's __agent-keys vault), their transactions, the server's nonce counter per
 * (chain id, address), and one spend-lock row per agent.
 *
 * - `clawkeep_signing_keys`: one row per key version; at most one active key per (agent, chain).
 * - `clawkeep_transactions`: every submitted, signed, failed or simulation-failed transaction.
 *   `value_wei` is numeric(78,0) (any uint256). A transaction counts toward the agent's rolling
 *   24-hour limits unless its status is failed or simulation_failed. `idempotency_key` is unique
 *   per agent while set (a key older than 24 hours is cleared when reused).
 * - `clawkeep_tx_nonces`: the next nonce per (chain id, address), allocated under this row's lock.
 * - `clawkeep_tx_spend_locks`: locked by a reservation, so that one agent's concurrent requests
 *   reserve spend one at a time (other agents never wait on it).
 * - `clawkeep_orgs.intents_require_simulation`: the organisation's setting that every transaction
 *   is simulated before it is signed.
 */
export class Intents1763884800011 implements MigrationInterface {
  name = "Intents1763884800011";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_signing_keys" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "org_id" uuid NOT NULL REFERENCES "clawkeep_orgs" ("id") ON DELETE CASCADE,
        "agent_id" uuid NOT NULL REFERENCES "clawkeep_agents" ("id") ON DELETE CASCADE,
        "chain" text NOT NULL,
        "curve" text NOT NULL,
        "public_key" text NOT NULL,
        "address" text NOT NULL,
        "key_version" integer NOT NULL CHECK ("key_version" > 0),
        "is_active" boolean NOT NULL DEFAULT true,
        "vault_id" uuid NOT NULL,
        "secret_path" text NOT NULL,
        "secret_version" integer NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "rotated_at" timestamptz NULL,
        CONSTRAINT "UQ_clawkeep_signing_keys_version" UNIQUE ("agent_id", "chain", "key_version")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_clawkeep_signing_keys_active" ON "clawkeep_signing_keys" ("agent_id", "chain") WHERE "is_active"`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_transactions" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "org_id" uuid NOT NULL REFERENCES "clawkeep_orgs" ("id") ON DELETE CASCADE,
        "agent_id" uuid NOT NULL REFERENCES "clawkeep_agents" ("id") ON DELETE CASCADE,
        "chain" text NOT NULL,
        "chain_id" bigint NOT NULL,
        "from_address" text NOT NULL,
        "to_address" text NOT NULL,
        "value_wei" numeric(78, 0) NOT NULL CHECK ("value_wei" >= 0),
        "data" text NOT NULL DEFAULT '0x',
        "nonce" bigint NULL,
        "gas_limit" bigint NULL,
        "status" text NOT NULL CHECK ("status" IN ('pending', 'signed', 'sign_only', 'broadcast', 'failed', 'simulation_failed')),
        "signed_tx" text NULL,
        "tx_hash" text NOT NULL DEFAULT '',
        "error_message" text NOT NULL DEFAULT '',
        "simulation_id" text NOT NULL DEFAULT '',
        "simulation_status" text NOT NULL DEFAULT '',
        "max_fee_per_gas" text NOT NULL DEFAULT '',
        "max_priority_fee_per_gas" text NOT NULL DEFAULT '',
        "idempotency_key" text NULL,
        "request_hash" text NULL,
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "signed_at" timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_transactions_agent_created" ON "clawkeep_transactions" ("agent_id", "created_at")`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_clawkeep_transactions_idempotency" ON "clawkeep_transactions" ("agent_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "clawkeep_tx_nonces" (
        "chain_id" bigint NOT NULL,
        "address" text NOT NULL,
        "next_nonce" bigint NOT NULL CHECK ("next_nonce" >= 0),
        PRIMARY KEY ("chain_id", "address")
      )`);
    await queryRunner.query(`ALTER TABLE "clawkeep_orgs" ADD COLUMN "intents_require_simulation" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_tx_spend_locks" (
        "agent_id" uuid PRIMARY KEY REFERENCES "clawkeep_agents" ("id") ON DELETE CASCADE
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "clawkeep_tx_spend_locks"`);
    await queryRunner.query(`DROP TABLE "clawkeep_tx_nonces"`);
    await queryRunner.query(`DROP TABLE "clawkeep_transactions"`);
    await queryRunner.query(`DROP TABLE "clawkeep_signing_keys"`);
    await queryRunner.query(`ALTER TABLE "clawkeep_orgs" DROP COLUMN "intents_require_simulation"`);
  }
}
