// Migration: the key tables (KEK versions and JWT signing keys) that src/crypto reads and writes.
import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The keys behind all encryption and token signing. `clawkeep_kek_versions` holds the versioned
 * key-encryption keys, each wrapped by the master key (AES-256-GCM, AAD "clawkeep-kek:v<n>"); rows
 * are only ever added. `clawkeep_jwt_keys` holds the Ed25519 token-signing keys: the public half
 * as a JWK, the private half sealed by the keyring; a key verifies while `retired_at` is NULL or
 * in the future. The foreign key keeps a KEK version from being deleted while a key is sealed under it.
 */
export class Keys1763884800001 implements MigrationInterface {
  name = "Keys1763884800001";

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "clawkeep_kek_versions" (
        "version" integer PRIMARY KEY,
        "wrapped_key" bytea NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_clawkeep_kek_versions_version" CHECK ("version" > 0)
      )`);
    await queryRunner.query(`
      CREATE TABLE "clawkeep_jwt_keys" (
        "kid" text PRIMARY KEY,
        "public_jwk" jsonb NOT NULL,
        "private_kek_version" integer NOT NULL,
        "private_wrapped_dek" bytea NOT NULL,
        "private_ciphertext" bytea NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "retired_at" timestamptz NULL,
        CONSTRAINT "FK_clawkeep_jwt_keys_kek_version" FOREIGN KEY ("private_kek_version") REFERENCES "clawkeep_kek_versions" ("version")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "clawkeep_jwt_keys"`);
    await queryRunner.query(`DROP TABLE "clawkeep_kek_versions"`);
  }
}
