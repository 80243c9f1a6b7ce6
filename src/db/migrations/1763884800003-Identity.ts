import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * Humans and their organisations. A user belongs to exactly one organisation (the one created at
 * signup, or the one whose invitation they accepted). Sessions hold refresh tokens by keyed hash;
 * a rotated token's reuse revokes its whole family. Personal API keys are stored by keyed hash.
 */
export class Identity1763884800003 implements MigrationInterface {
  name = "Identity1763884800003";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_orgs" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_users" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "email" text NOT NULL,
        "password_hash" text NOT NULL,
        "display_name" text NOT NULL DEFAULT '',
        "marketing_emails" boolean NOT NULL DEFAULT false,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_clawkeep_users_email" UNIQUE ("email")
      )`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_memberships" (
        "user_id" uuid PRIMARY KEY REFERENCES "clawkeep_users" ("id") ON DELETE CASCADE,
        "org_id" uuid NOT NULL REFERENCES "clawkeep_orgs" ("id") ON DELETE CASCADE,
        "role" text NOT NULL CHECK ("role" IN ('owner', 'admin', 'member')),
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_memberships_org" ON "clawkeep_memberships" ("org_id")`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_sessions" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL REFERENCES "clawkeep_users" ("id") ON DELETE CASCADE,
        "family_id" uuid NOT NULL,
        "refresh_hash" bytea NOT NULL,
        "status" text NOT NULL CHECK ("status" IN ('active', 'rotated', 'revoked')),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "ended_at" timestamptz NULL,
        CONSTRAINT "UQ_clawkeep_sessions_refresh_hash" UNIQUE ("refresh_hash")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_sessions_family" ON "clawkeep_sessions" ("family_id")`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_sessions_user" ON "clawkeep_sessions" ("user_id")`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_user_api_keys" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL REFERENCES "clawkeep_users" ("id") ON DELETE CASCADE,
        "name" text NOT NULL,
        "key_prefix" text NOT NULL,
        "key_hash" bytea NOT NULL,
        "scopes" text[] NOT NULL DEFAULT '{}',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NULL,
        "revoked_at" timestamptz NULL,
        "last_used_at" timestamptz NULL,
        CONSTRAINT "UQ_clawkeep_user_api_keys_hash" UNIQUE ("key_hash")
      )`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_invitations" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "org_id" uuid NOT NULL REFERENCES "clawkeep_orgs" ("id") ON DELETE CASCADE,
        "email" text NOT NULL,
        "role" text NOT NULL CHECK ("role" IN ('owner', 'admin', 'member')),
        "invited_by" uuid NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        "accepted_at" timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_clawkeep_invitations_email" ON "clawkeep_invitations" ("email")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ["clawkeep_invitations", "clawkeep_user_api_keys", "clawkeep_sessions", "clawkeep_memberships", "clawkeep_users", "clawkeep_orgs"]) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
