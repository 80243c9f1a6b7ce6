// The keyring's table: clawkeep_kek_versions, each key-encryption key wrapped by the master key.
import type { DataSource, EntityManager } from "typeorm";
import { columnList, defineTable } from "../db/table.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_kek_versions. */
export interface KekRow {
  version: number;
  wrapped_key: Buffer;
  created_at: Date;
}

export const KEK_VERSIONS = defineTable<KekRow>("clawkeep_kek_versions", { version: true, wrapped_key: true, created_at: true });

export async function kekVersionCount(q: Queryable): Promise<number> {
  const [row]: { n: number }[] = await q.query(`SELECT count(*)::int AS "n" FROM "clawkeep_kek_versions"`);
  return row.n;
}

export async function newestKekVersion(q: Queryable): Promise<number> {
  const [row]: { v: number }[] = await q.query(`SELECT coalesce(max("version"), 0)::int AS "v" FROM "clawkeep_kek_versions"`);
  return row.v;
}

/** Inserts the version unless it exists; true when this call inserted it. */
export async function insertKekVersion(q: Queryable, version: number, wrappedKey: Buffer): Promise<boolean> {
  const inserted: { version: number }[] = await q.query(
    `INSERT INTO "clawkeep_kek_versions" ("version", "wrapped_key") VALUES ($1, $2) ON CONFLICT ("version") DO NOTHING RETURNING "version"`,
    [version, wrappedKey],
  );
  return inserted.length === 1;
}

export function allKekVersions(q: Queryable): Promise<KekRow[]> {
  return q.query(`SELECT ${columnList(KEK_VERSIONS)} FROM "clawkeep_kek_versions" ORDER BY "version"`);
}
