import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Agents: machine identities of an organisation. The ocv_ API key is stored as a keyed hash;
 * `revocation_epoch` is copied into every JWT and bumped to revoke them all at once. The
 * transaction guardrail fields are kept as one JSON object: the Intents API reads them, nothing
 * else queries inside them.
 *
 * Vaults gain a `purpose` (the organisation's one "agent-keys" system vault, owned by nobody) and
 * a `co_owner_user_id`: the human behind an agent that created a vault has owner access too.
 */
export class Agents1763884800006 implements MigrationInterface {
  name = "Agents1763884800006";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_agents" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "org_id" uuid NOT NULL REFERENCES "clawkeep_orgs" ("id") ON DELETE CASCADE,
        "name" text NOT NULL,
        "description" text NOT NULL DEFAULT '',
        "created_by" uuid NOT NULL,
        "scopes" text[] NOT NULL DEFAULT '{}',
        "is_active" boolean NOT NULL DEFAULT true,
        "vault_ids" uuid[] NOT NULL DEFAULT '{}',
        "token_ttl_seconds" integer NULL CHECK ("token_ttl_seconds" > 0),
        "intents_api_enabled" boolean NOT NULL DEFAULT false,
        "guardrails" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "ssh_public_key" text NOT NULL,
        "ecdh_public_key" text NOT NULL,
        "api_key_prefix" text NOT NULL,
        "api_key_hash" bytea NOT NULL,
        "api_key_expires_at" timestamptz NULL,
        "expires_at" timestamptz NULL,
        "revocation_epoch" integer NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "last_active_at" timestamptz NULL,
        "deleted_at" timestamptz NULL,
        CONSTRAINT "UQ_clawkeep_agents_api_key_hash" UNIQUE ("api_key_hash")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_agents_org" ON "clawkeep_agents" ("org_id", "created_at")`);
    await queryRunner.query(`ALTER TABLE "clawkeep_vaults" DROP CONSTRAINT "clawkeep_vaults_created_by_type_check"`);
    await queryRunner.query(
      `ALTER TABLE "clawkeep_vaults" ADD CONSTRAINT "CHK_clawkeep_vaults_created_by_type" CHECK ("created_by_type" IN ('user', 'agent', 'system'))`,
    );
    await queryRunner.query(`ALTER TABLE "clawkeep_vaults" ADD COLUMN "purpose" text NULL`);
    await queryRunner.query(`ALTER TABLE "clawkeep_vaults" ADD COLUMN "co_owner_user_id" uuid NULL`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_clawkeep_vaults_org_purpose" ON "clawkeep_vaults" ("org_id", "purpose") WHERE "purpose" IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_clawkeep_vaults_org_purpose"`);
    await queryRunner.query(`ALTER TABLE "clawkeep_vaults" DROP COLUMN "co_owner_user_id"`);
    await queryRunner.query(`ALTER TABLE "clawkeep_vaults" DROP COLUMN "purpose"`);
    await queryRunner.query(`ALTER TABLE "clawkeep_vaults" DROP CONSTRAINT "CHK_clawkeep_vaults_created_by_type"`);
    await queryRunner.query(`ALTER TABLE "clawkeep_vaults" ADD CONSTRAINT "clawkeep_vaults_created_by_type_check" CHECK ("created_by_type" IN ('user', 'agent'))`);
    await queryRunner.query(`DROP TABLE "clawkeep_agents"`);
  }
}
