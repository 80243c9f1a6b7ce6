// Moving the data keys of mail still waiting (queued, being sent, or kept in the development
// outbox) onto the current KEK after a master-key rotation. Only the wrapped DEK changes; each
// row is updated only if nobody changed it meanwhile (a dispatcher may send and wipe it at any
// moment), so this runs safely beside serving instances.
import type { DataSource } from "typeorm";
import type { Keyring } from "../crypto/keyring.js";
import { affectedOf } from "../db/rows.js";

const BATCH = 500;

interface WrappedRow {
  id: string;
  kek_version: number;
  wrapped_dek: Buffer;
  ciphertext: Buffer;
}

/** Re-wraps every sealed mail body not under the current KEK; returns how many rows it moved. */
export async function rewrapMail(dataSource: DataSource, keyring: Keyring): Promise<number> {
  const current = keyring.currentVersion();
  let moved = 0;
  let after: string | null = null;
  for (;;) {
    const rows: WrappedRow[] = await dataSource.query(
      `SELECT "id", "kek_version", "wrapped_dek", "ciphertext" FROM "clawkeep_mail"
       WHERE "kek_version" IS NOT NULL AND "kek_version" <> $1 AND ($2::uuid IS NULL OR "id" > $2::uuid)
       ORDER BY "id" LIMIT $3`,
      [current, after, BATCH],
    );
    for (const row of rows) {
      const box = { kekVersion: row.kek_version, wrappedDek: row.wrapped_dek, ciphertext: row.ciphertext };
      const rewrapped = await keyring.rewrapRefreshing(box);
      const result: unknown = await dataSource.query(
        `UPDATE "clawkeep_mail" SET "kek_version" = $1, "wrapped_dek" = $2 WHERE "id" = $3 AND "kek_version" = $4 AND "wrapped_dek" = $5`,
        [rewrapped.kekVersion, rewrapped.wrappedDek, row.id, box.kekVersion, box.wrappedDek],
      );
      moved += affectedOf(result);
    }
    if (rows.length < BATCH) return moved;
    after = rows[rows.length - 1].id;
  }
}

/** KEK versions that sealed mail bodies still use, ascending. */
export async function mailKekVersions(dataSource: DataSource): Promise<number[]> {
  const rows: { v: number }[] = await dataSource.query(`SELECT DISTINCT "kek_version" AS "v" FROM "clawkeep_mail" WHERE "kek_version" IS NOT NULL ORDER BY "v"`);
  return rows.map((row) => row.v);
}
