// Values sealed under the master KEK (secret versions, queued mail, keys waiting for an agent's
// claim) are stored the same way in every table: a KEK version and a wrapped data key beside the
// ciphertext. Each owning module describes its columns once; a master-key rotation moves every
// described table onto the current KEK with the one routine here, and counts which versions are
// still in use. Only the wrapped DEK changes (the ciphertext is never read), and each row is
// updated only if nobody changed it meanwhile, so this runs safely beside serving instances.
import type { DataSource } from "typeorm";
import { affectedOf } from "../db/rows.js";
import type { Keyring } from "./keyring.js";

export interface SealedColumns {
  table: string;
  /** The primary key's columns with their SQL types, for keyset paging and the conditional update. */
  key: { column: string; type: string }[];
  /** Both NULL in a row whose value was wiped (sent mail, a claimed key). */
  kekVersion: string;
  wrappedDek: string;
}

const BATCH = 500;

type SealedRow = Record<string, unknown> & { kek_version: number; wrapped_dek: Buffer };

/** Re-wraps every value of the table not under the current KEK; returns how many rows it moved. */
export async function rewrapSealed(dataSource: DataSource, keyring: Keyring, sealed: SealedColumns): Promise<number> {
  const current = keyring.currentVersion();
  const keys = sealed.key.map((k) => `"${k.column}"`).join(", ");
  const afterParams = sealed.key.map((k, i) => `$${i + 3}::${k.type}`).join(", ");
  const select = `SELECT ${keys}, "${sealed.kekVersion}" AS "kek_version", "${sealed.wrappedDek}" AS "wrapped_dek" FROM "${sealed.table}"
    WHERE "${sealed.kekVersion}" IS NOT NULL AND "${sealed.kekVersion}" <> $1 AND ($2::boolean OR (${keys}) > (${afterParams}))
    ORDER BY ${keys} LIMIT ${BATCH}`;
  const keyMatch = sealed.key.map((k, i) => `"${k.column}" = $${i + 5}`).join(" AND ");
  const update = `UPDATE "${sealed.table}" SET "${sealed.kekVersion}" = $1, "${sealed.wrappedDek}" = $2
    WHERE "${sealed.kekVersion}" = $3 AND "${sealed.wrappedDek}" = $4 AND ${keyMatch}`;
  let moved = 0;
  // Keyset pagination: rows another writer adds under an old KEK behind the cursor are caught by
  // the caller's next pass (rotateMasterKek repeats until a pass finds nothing).
  let after: unknown[] | undefined;
  for (;;) {
    const rows: SealedRow[] = await dataSource.query(select, [current, after === undefined, ...(after ?? sealed.key.map(() => null))]);
    for (const row of rows) {
      const rewrapped = await keyring.rewrapRefreshing({ kekVersion: row.kek_version, wrappedDek: row.wrapped_dek });
      const keyValues = sealed.key.map((k) => row[k.column]);
      moved += affectedOf(await dataSource.query(update, [rewrapped.kekVersion, rewrapped.wrappedDek, row.kek_version, row.wrapped_dek, ...keyValues]));
    }
    if (rows.length < BATCH) return moved;
    after = sealed.key.map((k) => rows[rows.length - 1][k.column]);
  }
}

/** KEK versions the table's values still use, ascending. */
export async function kekVersionsOf(dataSource: DataSource, sealed: SealedColumns): Promise<number[]> {
  const rows: { v: number }[] = await dataSource.query(
    `SELECT DISTINCT "${sealed.kekVersion}" AS "v" FROM "${sealed.table}" WHERE "${sealed.kekVersion}" IS NOT NULL ORDER BY "v"`,
  );
  return rows.map((row) => row.v);
}
