// Moving every secret version's data key onto the current KEK after a master-key rotation. Only
// the wrapped DEK changes (the ciphertext and its AAD stay), and each row is updated only if
// nobody changed it meanwhile, so this runs safely beside serving instances.
import type { DataSource } from "typeorm";
import type { Keyring } from "../../crypto/keyring.js";
import { affectedOf } from "../../db/rows.js";

const BATCH = 500;

interface WrappedRow {
  secret_id: string;
  version: number;
  kek_version: number;
  wrapped_dek: Buffer;
  ciphertext: Buffer;
}

/** Re-wraps every secret version not under the current KEK; returns how many rows it moved. */
export async function rewrapSecretVersions(dataSource: DataSource, keyring: Keyring): Promise<number> {
  const current = keyring.currentVersion();
  let moved = 0;
  // Keyset pagination: rows another writer adds under an old KEK behind the cursor are caught by
  // the caller's next pass (rotateMasterKek repeats until a pass finds nothing).
  let after: { secretId: string; version: number } | null = null;
  for (;;) {
    const rows: WrappedRow[] = await dataSource.query(
      `SELECT "secret_id", "version", "kek_version", "wrapped_dek", "ciphertext" FROM "clawkeep_secret_versions"
       WHERE "kek_version" <> $1 AND ($2::uuid IS NULL OR ("secret_id", "version") > ($2::uuid, $3::int))
       ORDER BY "secret_id", "version" LIMIT $4`,
      [current, after?.secretId ?? null, after?.version ?? 0, BATCH],
    );
    for (const row of rows) {
      const box = { kekVersion: row.kek_version, wrappedDek: row.wrapped_dek, ciphertext: row.ciphertext };
      const rewrapped = await keyring.rewrapRefreshing(box);
      const result: unknown = await dataSource.query(
        `UPDATE "clawkeep_secret_versions" SET "kek_version" = $1, "wrapped_dek" = $2
         WHERE "secret_id" = $3 AND "version" = $4 AND "kek_version" = $5 AND "wrapped_dek" = $6`,
        [rewrapped.kekVersion, rewrapped.wrappedDek, row.secret_id, row.version, box.kekVersion, box.wrappedDek],
      );
      moved += affectedOf(result);
    }
    if (rows.length < BATCH) return moved;
    const last = rows[rows.length - 1];
    after = { secretId: last.secret_id, version: last.version };
  }
}
