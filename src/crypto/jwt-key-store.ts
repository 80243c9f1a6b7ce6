// The JWT signing keys' table: clawkeep_jwt_keys, the public half as a JWK and the private half
// sealed by the keyring. Creating, rotating and retiring keys take one cluster-wide lock: they are
// rare administrative changes, never on a request's path.
import type { JWK } from "jose";
import type { DataSource, EntityManager } from "typeorm";
import { affectedOf } from "../db/rows.js";
import { columnList, defineTable } from "../db/table.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_jwt_keys. */
export interface JwtKeyRow {
  kid: string;
  public_jwk: JWK;
  private_kek_version: number;
  private_wrapped_dek: Buffer;
  private_ciphertext: Buffer;
  retired_at: Date | null;
  created_at: Date;
}

export const JWT_KEYS = defineTable<JwtKeyRow>("clawkeep_jwt_keys", {
  kid: true,
  public_jwk: true,
  private_kek_version: true,
  private_wrapped_dek: true,
  private_ciphertext: true,
  retired_at: true,
  created_at: true,
});
const COLUMNS = columnList(JWT_KEYS);

/** Serialises creating, rotating and retiring keys across instances, for the transaction. */
const JWT_KEYS_LOCK_KEY = 7_360_211_101;

export async function lockJwtKeys(manager: EntityManager): Promise<void> {
  await manager.query("SELECT pg_advisory_xact_lock($1)", [JWT_KEYS_LOCK_KEY]);
}

/** Every key, oldest first (the database's microsecond timestamps, ties broken by kid). */
export function allJwtKeys(q: Queryable): Promise<JwtKeyRow[]> {
  return q.query(`SELECT ${COLUMNS} FROM "clawkeep_jwt_keys" ORDER BY "created_at", "kid"`);
}

export async function hasActiveJwtKey(q: Queryable): Promise<boolean> {
  return (await q.query(`SELECT 1 FROM "clawkeep_jwt_keys" WHERE "retired_at" IS NULL LIMIT 1`)).length > 0;
}

export async function insertJwtKey(q: Queryable, key: { kid: string; publicJwk: JWK; kekVersion: number; wrappedDek: Buffer; ciphertext: Buffer }): Promise<void> {
  await q.query(
    `INSERT INTO "clawkeep_jwt_keys" ("kid", "public_jwk", "private_kek_version", "private_wrapped_dek", "private_ciphertext") VALUES ($1, $2, $3, $4, $5)`,
    [key.kid, JSON.stringify(key.publicJwk), key.kekVersion, key.wrappedDek, key.ciphertext],
  );
}

/** Schedules every key still signing to stop verifying after `overlapSeconds`. */
export async function scheduleRetirementOfActive(manager: EntityManager, overlapSeconds: number): Promise<void> {
  await manager.query(`UPDATE "clawkeep_jwt_keys" SET "retired_at" = now() + make_interval(secs => $1) WHERE "retired_at" IS NULL`, [overlapSeconds]);
}

export async function jwtKeyRetirement(manager: EntityManager, kid: string): Promise<{ retired_at: Date | null } | undefined> {
  const [row]: { retired_at: Date | null }[] = await manager.query(`SELECT "retired_at" FROM "clawkeep_jwt_keys" WHERE "kid" = $1`, [kid]);
  return row;
}

/** Ends a scheduled retirement now; false when it had already passed. */
export async function retireNow(manager: EntityManager, kid: string): Promise<boolean> {
  return affectedOf(await manager.query(`UPDATE "clawkeep_jwt_keys" SET "retired_at" = now() WHERE "kid" = $1 AND "retired_at" > now()`, [kid])) > 0;
}

/** Moves a key's data key to another KEK, unless another instance changed it meanwhile. */
export async function rewrapJwtKey(
  q: Queryable,
  kid: string,
  from: { kekVersion: number; wrappedDek: Buffer },
  to: { kekVersion: number; wrappedDek: Buffer },
): Promise<number> {
  return affectedOf(
    await q.query(
      `UPDATE "clawkeep_jwt_keys" SET "private_kek_version" = $1, "private_wrapped_dek" = $2
       WHERE "kid" = $3 AND "private_kek_version" = $4 AND "private_wrapped_dek" = $5`,
      [to.kekVersion, to.wrappedDek, kid, from.kekVersion, from.wrappedDek],
    ),
  );
}

/** KEK versions the signing keys use. */
export async function jwtKeyKekVersions(q: Queryable): Promise<number[]> {
  const rows: { v: number }[] = await q.query(`SELECT DISTINCT "private_kek_version" AS "v" FROM "clawkeep_jwt_keys"`);
  return rows.map((row) => row.v);
}
