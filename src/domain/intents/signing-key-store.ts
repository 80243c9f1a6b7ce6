// The signing keys table and every statement on it: clawkeep_signing_keys, one row per key
// version of an agent and chain family. Only the public half and where the sealed private half
// lives (a version of a private_key secret in the organisation's __agent-keys vault) are here.
import type { DataSource, EntityManager } from "typeorm";
import { rowsOf } from "../../db/rows.js";
import { columnList, defineTable } from "../../db/table.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_signing_keys. */
export interface SigningKeyRow {
  id: string;
  org_id: string;
  agent_id: string;
  /** The chain family: "ethereum" signs for every EVM chain. */
  chain: string;
  curve: string;
  /** Uncompressed public key, 0x-prefixed hex. */
  public_key: string;
  /** Checksummed address. */
  address: string;
  key_version: number;
  is_active: boolean;
  vault_id: string;
  secret_path: string;
  secret_version: number;
  created_at: Date;
  rotated_at: Date | null;
}

export const SIGNING_KEYS = defineTable<SigningKeyRow>("clawkeep_signing_keys", {
  id: true,
  org_id: true,
  agent_id: true,
  chain: true,
  curve: true,
  public_key: true,
  address: true,
  key_version: true,
  is_active: true,
  vault_id: true,
  secret_path: true,
  secret_version: true,
  created_at: true,
  rotated_at: true,
});

const COLUMNS = columnList(SIGNING_KEYS);

export async function insertSigningKey(
  manager: EntityManager,
  key: Pick<SigningKeyRow, "org_id" | "agent_id" | "chain" | "curve" | "public_key" | "address" | "key_version" | "vault_id" | "secret_path" | "secret_version">,
): Promise<SigningKeyRow> {
  const [row]: SigningKeyRow[] = await manager.query(
    `INSERT INTO "clawkeep_signing_keys" ("org_id", "agent_id", "chain", "curve", "public_key", "address", "key_version", "vault_id", "secret_path", "secret_version")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
    [key.org_id, key.agent_id, key.chain, key.curve, key.public_key, key.address, key.key_version, key.vault_id, key.secret_path, key.secret_version],
  );
  return row;
}

/** The active key of the agent for a chain family; `lock` holds it for a rotation or deactivation. */
export async function activeSigningKey(q: Queryable, agentId: string, chain: string, lock = false): Promise<SigningKeyRow | undefined> {
  const [row]: SigningKeyRow[] = await q.query(
    `SELECT ${COLUMNS} FROM "clawkeep_signing_keys" WHERE "agent_id" = $1 AND "chain" = $2 AND "is_active"${lock ? " FOR UPDATE" : ""}`,
    [agentId, chain],
  );
  return row;
}

/** The highest key version the agent ever had for the chain family (0 when none). */
export async function latestKeyVersion(manager: EntityManager, agentId: string, chain: string): Promise<number> {
  const [row]: { version: number }[] = await manager.query(
    `SELECT coalesce(max("key_version"), 0)::int AS "version" FROM "clawkeep_signing_keys" WHERE "agent_id" = $1 AND "chain" = $2`,
    [agentId, chain],
  );
  return row.version;
}

export async function retireSigningKey(manager: EntityManager, keyId: string): Promise<void> {
  rowsOf(await manager.query(`UPDATE "clawkeep_signing_keys" SET "is_active" = false, "rotated_at" = clock_timestamp() WHERE "id" = $1`, [keyId]));
}

export function signingKeysOf(q: Queryable, agentId: string): Promise<SigningKeyRow[]> {
  return q.query(`SELECT ${COLUMNS} FROM "clawkeep_signing_keys" WHERE "agent_id" = $1 ORDER BY "chain", "key_version"`, [agentId]);
}
