import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Vaults, their secrets and access policies.
 *
 * A secret row is one life of a path: deleting soft-deletes it (and with it every version), and a
 * later PUT to the path starts a new row with a new id. The partial unique index allows one live
 * secret per path, and it is what PUT's upsert conflicts on, so concurrent PUTs to a path
 * serialise on that row and each gets its own version number.
 *
 * A version holds its value sealed under a fresh data key (AES-256-GCM), the data key wrapped by a
 * KEK version; the value's AAD binds vault, secret, path and version, so a ciphertext copied to
 * another row does not open. Paths sort bytewise (COLLATE "C") so that listing pages by path is
 * stable whatever the database's locale.
 */
export class Vaults1763884800004 implements MigrationInterface {
  name = "Vaults1763884800004";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_vaults" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "org_id" uuid NOT NULL REFERENCES "clawkeep_orgs" ("id") ON DELETE CASCADE,
        "name" text NOT NULL,
        "description" text NOT NULL DEFAULT '',
        "created_by" uuid NOT NULL,
        "created_by_type" text NOT NULL CHECK ("created_by_type" IN ('user', 'agent')),
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_vaults_org" ON "clawkeep_vaults" ("org_id", "created_at")`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_secrets" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "vault_id" uuid NOT NULL REFERENCES "clawkeep_vaults" ("id") ON DELETE CASCADE,
        "path" text COLLATE "C" NOT NULL,
        "latest_version" integer NOT NULL CHECK ("latest_version" > 0),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz NULL
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_clawkeep_secrets_live_path" ON "clawkeep_secrets" ("vault_id", "path") WHERE "deleted_at" IS NULL`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_secrets_vault_path" ON "clawkeep_secrets" ("vault_id", "path")`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_secret_versions" (
        "secret_id" uuid NOT NULL REFERENCES "clawkeep_secrets" ("id") ON DELETE CASCADE,
        "version" integer NOT NULL CHECK ("version" > 0),
        "type" text NOT NULL,
        "metadata" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "created_by" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NULL,
        "max_access_count" integer NULL CHECK ("max_access_count" > 0),
        "access_count" integer NOT NULL DEFAULT 0,
        "disabled_at" timestamptz NULL,
        "kek_version" integer NOT NULL REFERENCES "clawkeep_kek_versions" ("version"),
        "wrapped_dek" bytea NOT NULL,
        "ciphertext" bytea NOT NULL,
        PRIMARY KEY ("secret_id", "version"),
        CONSTRAINT "CHK_clawkeep_secret_versions_access_count" CHECK ("max_access_count" IS NULL OR "access_count" <= "max_access_count")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_secret_versions_kek" ON "clawkeep_secret_versions" ("kek_version")`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_policies" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "vault_id" uuid NOT NULL REFERENCES "clawkeep_vaults" ("id") ON DELETE CASCADE,
        "principal_type" text NOT NULL CHECK ("principal_type" IN ('user', 'agent')),
        "principal_id" uuid NOT NULL,
        "secret_path_pattern" text NOT NULL,
        "permissions" text[] NOT NULL,
        "effect" text NOT NULL CHECK ("effect" IN ('allow', 'deny')),
        "priority" integer NOT NULL DEFAULT 0 CHECK ("priority" >= 0),
        "conditions" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "expires_at" timestamptz NULL,
        "created_by" uuid NOT NULL,
        "created_by_type" text NOT NULL CHECK ("created_by_type" IN ('user', 'agent')),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_policies_vault" ON "clawkeep_policies" ("vault_id", "created_at")`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_policies_principal" ON "clawkeep_policies" ("principal_id", "vault_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ["clawkeep_policies", "clawkeep_secret_versions", "clawkeep_secrets", "clawkeep_vaults"]) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
