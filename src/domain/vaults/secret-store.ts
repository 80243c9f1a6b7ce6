// The secrets tables and every statement on them: clawkeep_secrets (one row per life of a path:
// a delete ends it, a new PUT starts another) and clawkeep_secret_versions (each version's
// sealed value).
import type { DataSource, EntityManager } from "typeorm";
import type { SealedColumns } from "../../crypto/sealed-columns-store.js";
import { hotStatement, runHot } from "../../db/hot-query.js";
import { rowsOf } from "../../db/rows.js";
import { columnList, defineTable } from "../../db/table.js";
import { auditedRead, auditedReads } from "../audit/audit-store.js";
import type { SecretType } from "./secret-rules.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_secrets. */
export interface SecretRow {
  id: string;
  vault_id: string;
  path: string;
  latest_version: number;
  created_at: Date;
  deleted_at: Date | null;
}

/** A row of clawkeep_secret_versions. */
export interface SecretVersionRow {
  secret_id: string;
  version: number;
  type: SecretType;
  metadata: Record<string, unknown>;
  /** "user:<uuid>", "agent:<uuid>" or "system". */
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  max_access_count: number | null;
  access_count: number;
  disabled_at: Date | null;
  kek_version: number;
  wrapped_dek: Buffer;
  ciphertext: Buffer;
}

export const SECRETS = defineTable<SecretRow>("clawkeep_secrets", { id: true, vault_id: true, path: true, latest_version: true, created_at: true, deleted_at: true });
export const SECRET_VERSIONS = defineTable<SecretVersionRow>("clawkeep_secret_versions", {
  secret_id: true,
  version: true,
  type: true,
  metadata: true,
  created_by: true,
  created_at: true,
  expires_at: true,
  max_access_count: true,
  access_count: true,
  disabled_at: true,
  kek_version: true,
  wrapped_dek: true,
  ciphertext: true,
});

const VERSION_COLUMNS = columnList(SECRET_VERSIONS);
const V_COLUMNS = columnList(SECRET_VERSIONS, "v");

/** Where secret versions keep their sealed values, for master-key rotation. */
export const SEALED_SECRET_VERSIONS: SealedColumns = {
  table: SECRET_VERSIONS.name,
  key: [
    { column: "secret_id", type: "uuid" },
    { column: "version", type: "int" },
  ],
  kekVersion: "kek_version",
  wrappedDek: "wrapped_dek",
};

// ---- Writing

const NEXT_VERSION = hotStatement(
  "secret_next_version",
  `INSERT INTO "clawkeep_secrets" ("vault_id", "path", "latest_version") VALUES ($1, $2, 1)
   ON CONFLICT ("vault_id", "path") WHERE "deleted_at" IS NULL
   DO UPDATE SET "latest_version" = "clawkeep_secrets"."latest_version" + 1
   RETURNING "id", "latest_version"`,
);

/**
 * Starts the path's next version (one live row per path: concurrent writers of one path queue on
 * it). Its reference to the vault makes a concurrent vault delete wait for this transaction, or,
 * if the delete won, fails with a foreign-key violation.
 */
export async function nextVersion(manager: EntityManager, vaultId: string, path: string): Promise<Pick<SecretRow, "id" | "latest_version">> {
  const [row] = await runHot<Pick<SecretRow, "id" | "latest_version">>(manager, NEXT_VERSION, [vaultId, path]);
  return row;
}

/** A new version's columns, in the order of `versionValues`. */
const INSERT_VERSION_INTO = `INSERT INTO "clawkeep_secret_versions" ("secret_id", "version", "type", "metadata", "created_by", "expires_at", "max_access_count",
     "kek_version", "wrapped_dek", "ciphertext")`;
const INSERT_VERSION_TEXT = `${INSERT_VERSION_INTO} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${VERSION_COLUMNS}`;
const INSERT_VERSION = hotStatement("secret_insert_version", INSERT_VERSION_TEXT);

/**
 * A new version and its audit event (secret.write) in one statement: the write holds its secret's
 * row lock one round trip less than with a separate append. Its values are `versionValues`.
 */
export const INSERT_VERSION_AUDITED = auditedRead("secret_insert_version_audited", {
  select: INSERT_VERSION_TEXT,
  readParams: 10,
  when: "true",
  details: {},
});

/**
 * A write that expects the secret's latest version to be $2 - 1 (see written-versions.ts): the
 * version number, the version and its secret.write event in one statement, which holds the
 * secret's row lock only while it runs. No row when the secret moved on (another write, its
 * deletion): the caller then writes the locking way. Its values are `versionValues`.
 */
export const WRITE_KNOWN_NEXT_VERSION = auditedRead("secret_write_known_next_version", {
  with: `"s" AS (
     UPDATE "clawkeep_secrets" SET "latest_version" = $2 WHERE "id" = $1 AND "latest_version" = $2 - 1 AND "deleted_at" IS NULL RETURNING "id"
   )`,
  select: `${INSERT_VERSION_INTO}
   SELECT "s"."id", $2, $3::text, $4::jsonb, $5::text, $6::timestamptz, $7::integer, $8::integer, $9::bytea, $10::bytea FROM "s"
   RETURNING ${VERSION_COLUMNS}`,
  readParams: 10,
  when: "true",
  details: {},
});

export type NewVersion = Pick<SecretVersionRow, "secret_id" | "version" | "type" | "metadata" | "created_by" | "expires_at" | "max_access_count" | "kek_version" | "wrapped_dek" | "ciphertext">;

export async function insertVersion(manager: EntityManager, version: NewVersion): Promise<SecretVersionRow> {
  const [row] = await runHot<SecretVersionRow>(manager, INSERT_VERSION, versionValues(version));
  return row;
}

/** The values of a version's INSERT, in the statement's order. */
export function versionValues(version: NewVersion): unknown[] {
  return [
    version.secret_id,
    version.version,
    version.type,
    JSON.stringify(version.metadata),
    version.created_by,
    version.expires_at,
    version.max_access_count,
    version.kek_version,
    version.wrapped_dek,
    version.ciphertext,
  ];
}

/** Ends the live secret at the path (every version with it); undefined when there is none. */
export async function softDeleteSecret(manager: EntityManager, vaultId: string, path: string): Promise<Pick<SecretRow, "id" | "latest_version"> | undefined> {
  const [row] = rowsOf<Pick<SecretRow, "id" | "latest_version">>(
    await manager.query(`UPDATE "clawkeep_secrets" SET "deleted_at" = now() WHERE "vault_id" = $1 AND "path" = $2 AND "deleted_at" IS NULL RETURNING "id", "latest_version"`, [
      vaultId,
      path,
    ]),
  );
  return row;
}

/** Whether the version is disabled, locked for a change; undefined when there is no such version. */
export async function versionDisabledForUpdate(manager: EntityManager, secretId: string, version: number): Promise<boolean | undefined> {
  const [row]: { disabled: boolean }[] = await manager.query(
    `SELECT ("disabled_at" IS NOT NULL) AS "disabled" FROM "clawkeep_secret_versions" WHERE "secret_id" = $1 AND "version" = $2 FOR UPDATE`,
    [secretId, version],
  );
  return row?.disabled;
}

export async function disableVersion(manager: EntityManager, secretId: string, version: number): Promise<void> {
  await manager.query(`UPDATE "clawkeep_secret_versions" SET "disabled_at" = now() WHERE "secret_id" = $1 AND "version" = $2`, [secretId, version]);
}

/**
 * Counts a read toward the version's max_access_count: a conditional increment under the row
 * lock, so concurrent readers are counted exactly. False when the limit is reached.
 */
export async function countAccess(manager: EntityManager, secretId: string, version: number): Promise<boolean> {
  const counted = rowsOf(
    await manager.query(
      `UPDATE "clawkeep_secret_versions" SET "access_count" = "access_count" + 1
       WHERE "secret_id" = $1 AND "version" = $2 AND "access_count" < "max_access_count" RETURNING "access_count"`,
      [secretId, version],
    ),
  );
  return counted.length > 0;
}

// ---- Reading

/**
 * A read's own event is appended in its statement when the version may be read as it is: not
 * expired, not counted (max_access_count needs a transaction), not disabled, and not a type the
 * caller may not read (the last read parameter).
 */
const READABLE = `("r"."expires_at" IS NULL OR "r"."expires_at" > now()) AND "r"."max_access_count" IS NULL AND "r"."disabled_at" IS NULL`;
const ROW_DETAILS = { secret_id: `"r"."secret_id"`, version: `"r"."version"` };

/**
 * The latest enabled version of the live secret at each read's path, read and audited in one
 * statement for all the reads of a batch. "refused_types" lists, comma-separated, the types the
 * reader may not read ('' for none).
 */
export const READ_LATEST = auditedReads("secret_read_latest", {
  inputs: [["vault_id", "uuid"], ["path", "text"], ["refused_types", "text"]],
  select: `SELECT ${V_COLUMNS} FROM "clawkeep_secrets" s
   CROSS JOIN LATERAL (
     SELECT ${VERSION_COLUMNS} FROM "clawkeep_secret_versions" v WHERE v."secret_id" = s."id" AND v."disabled_at" IS NULL ORDER BY v."version" DESC LIMIT 1
   ) v
   WHERE s."vault_id" = "q"."vault_id" AND s."path" = "q"."path" AND s."deleted_at" IS NULL`,
  when: `${READABLE} AND NOT ("r"."type" = ANY(string_to_array("q"."refused_types", ',')))`,
  details: ROW_DETAILS,
});

/** One version of the live secret at each read's path, read and audited as READ_LATEST reads. */
export const READ_VERSION = auditedReads("secret_read_version", {
  inputs: [["vault_id", "uuid"], ["path", "text"], ["version", "integer"], ["refused_types", "text"]],
  select: `SELECT ${V_COLUMNS} FROM "clawkeep_secrets" s JOIN "clawkeep_secret_versions" v ON v."secret_id" = s."id" AND v."version" = "q"."version"
   WHERE s."vault_id" = "q"."vault_id" AND s."path" = "q"."path" AND s."deleted_at" IS NULL`,
  when: `${READABLE} AND NOT ("r"."type" = ANY(string_to_array("q"."refused_types", ',')))`,
  details: ROW_DETAILS,
});

/** The id of the live secret at the path. */
export async function liveSecretId(q: Queryable, vaultId: string, path: string): Promise<string | undefined> {
  const [row]: { id: string }[] = await q.query(`SELECT "id" FROM "clawkeep_secrets" WHERE "vault_id" = $1 AND "path" = $2 AND "deleted_at" IS NULL`, [vaultId, path]);
  return row?.id;
}

/** Whether the path had a secret that was deleted. */
export async function hasDeletedSecret(q: Queryable, vaultId: string, path: string): Promise<boolean> {
  const rows: unknown[] = await q.query(`SELECT 1 FROM "clawkeep_secrets" WHERE "vault_id" = $1 AND "path" = $2 AND "deleted_at" IS NOT NULL LIMIT 1`, [vaultId, path]);
  return rows.length > 0;
}

export async function secretById(q: Queryable, secretId: string): Promise<Pick<SecretRow, "vault_id" | "path" | "deleted_at"> | undefined> {
  const [row]: Pick<SecretRow, "vault_id" | "path" | "deleted_at">[] = await q.query(`SELECT "vault_id", "path", "deleted_at" FROM "clawkeep_secrets" WHERE "id" = $1`, [secretId]);
  return row;
}

/** The secret, when its vault is one of the organisation's. */
export async function secretOfOrg(q: Queryable, secretId: string, orgId: string): Promise<Pick<SecretRow, "vault_id" | "path"> | undefined> {
  const [row]: Pick<SecretRow, "vault_id" | "path">[] = await q.query(
    `SELECT s."vault_id", s."path" FROM "clawkeep_secrets" s JOIN "clawkeep_vaults" v ON v."id" = s."vault_id" WHERE s."id" = $1 AND v."org_id" = $2`,
    [secretId, orgId],
  );
  return row;
}

export async function latestEnabledVersion(q: Queryable, secretId: string): Promise<SecretVersionRow | undefined> {
  const [row]: SecretVersionRow[] = await q.query(
    `SELECT ${VERSION_COLUMNS} FROM "clawkeep_secret_versions" WHERE "secret_id" = $1 AND "disabled_at" IS NULL ORDER BY "version" DESC LIMIT 1`,
    [secretId],
  );
  return row;
}

export function versionsOf(q: Queryable, secretId: string): Promise<SecretVersionRow[]> {
  return q.query(`SELECT ${VERSION_COLUMNS} FROM "clawkeep_secret_versions" WHERE "secret_id" = $1 ORDER BY "version"`, [secretId]);
}

/**
 * Live secrets of the vault under the prefix, after `afterPath`, with their latest version (the
 * latest enabled one when there is one), in path order.
 */
export function latestPerPath(q: Queryable, vaultId: string, prefix: string, afterPath: string | null, limit: number): Promise<(SecretVersionRow & { path: string })[]> {
  return q.query(
    `SELECT s."path", ${V_COLUMNS} FROM "clawkeep_secrets" s
     CROSS JOIN LATERAL (
       SELECT ${VERSION_COLUMNS} FROM "clawkeep_secret_versions" v WHERE v."secret_id" = s."id"
       ORDER BY (v."disabled_at" IS NULL) DESC, v."version" DESC LIMIT 1
     ) v
     WHERE s."vault_id" = $1 AND s."deleted_at" IS NULL AND starts_with(s."path", $2) AND ($3::text IS NULL OR s."path" > $3)
     ORDER BY s."path" LIMIT $4`,
    [vaultId, prefix, afterPath, limit],
  );
}

export async function countLiveSecrets(q: Queryable, vaultId: string): Promise<number> {
  const [row]: { secrets: number }[] = await q.query(`SELECT count(*)::int AS "secrets" FROM "clawkeep_secrets" WHERE "vault_id" = $1 AND "deleted_at" IS NULL`, [vaultId]);
  return row.secrets;
}

/** One version of the live secret at the path, with its secret's id; undefined when either is missing. */
export async function liveVersionAt(q: Queryable, vaultId: string, path: string, version: number): Promise<SecretVersionRow | undefined> {
  const [row]: SecretVersionRow[] = await q.query(
    `SELECT ${V_COLUMNS} FROM "clawkeep_secrets" s JOIN "clawkeep_secret_versions" v ON v."secret_id" = s."id"
     WHERE s."vault_id" = $1 AND s."path" = $2 AND s."deleted_at" IS NULL AND v."version" = $3`,
    [vaultId, path, version],
  );
  return row;
}
