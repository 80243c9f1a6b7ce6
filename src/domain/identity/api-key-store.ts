// The personal API keys table and every statement on it: clawkeep_user_api_keys, one row per key
// (1ck_...), stored by keyed hash. Only api-keys.ts asks it, on every call with such a key among
// others; the hash is only ever a filter, never selected.
import type { DataSource, EntityManager } from "typeorm";
import { rowsOf } from "../../db/rows.js";
import { columnList, defineTable } from "../../db/table.js";
import type { MembershipRow } from "./identity-store.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_user_api_keys. */
export interface UserApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  key_prefix: string;
  key_hash: Buffer;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export const USER_API_KEYS = defineTable<UserApiKeyRow>("clawkeep_user_api_keys", {
  id: true,
  user_id: true,
  name: true,
  key_prefix: true,
  key_hash: true,
  scopes: true,
  created_at: true,
  expires_at: true,
  revoked_at: true,
  last_used_at: true,
});

/** A key as read back: every column but its hash. */
export type ApiKeyRecord = Omit<UserApiKeyRow, "key_hash">;

/** A usable key with its owner's membership. */
export type ActiveApiKey = ApiKeyRecord & Pick<MembershipRow, "org_id" | "role">;

const SHOWN = { ...USER_API_KEYS, columns: USER_API_KEYS.columns.filter((column) => column !== "key_hash") };
const COLUMNS = columnList(SHOWN);

/** A key row joined to its owner's membership, only while the key is neither revoked nor expired. */
const ACTIVE_KEY = `SELECT ${columnList(SHOWN, "k")}, m."org_id", m."role" FROM "clawkeep_user_api_keys" k JOIN "clawkeep_memberships" m ON m."user_id" = k."user_id"
  WHERE k."revoked_at" IS NULL AND (k."expires_at" IS NULL OR k."expires_at" > now())`;

export async function insertApiKey(
  manager: EntityManager,
  key: { userId: string; name: string; keyPrefix: string; keyHash: Buffer; scopes: string[]; expiresAt: Date | null },
): Promise<ApiKeyRecord> {
  const [row]: ApiKeyRecord[] = await manager.query(
    `INSERT INTO "clawkeep_user_api_keys" ("user_id", "name", "key_prefix", "key_hash", "scopes", "expires_at")
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [key.userId, key.name, key.keyPrefix, key.keyHash, key.scopes, key.expiresAt],
  );
  return row;
}

/** The user's keys, newest first, revoked and expired ones included. */
export function apiKeysOfUser(q: Queryable, userId: string): Promise<ApiKeyRecord[]> {
  return q.query(`SELECT ${COLUMNS} FROM "clawkeep_user_api_keys" WHERE "user_id" = $1 ORDER BY "created_at" DESC, "id"`, [userId]);
}

/** Revokes the user's key (a revoked key keeps its first revocation time); whether the user has it. */
export async function revokeApiKey(manager: EntityManager, keyId: string, userId: string): Promise<boolean> {
  const [row] = rowsOf<Pick<UserApiKeyRow, "id">>(
    await manager.query(`UPDATE "clawkeep_user_api_keys" SET "revoked_at" = coalesce("revoked_at", now()) WHERE "id" = $1 AND "user_id" = $2 RETURNING "id"`, [keyId, userId]),
  );
  return row !== undefined;
}

// ---- The hot path: every call with a key, or with a token exchanged from one

/** The usable key with this hash. */
export async function activeApiKeyByHash(q: Queryable, keyHash: Buffer): Promise<ActiveApiKey | undefined> {
  const [row]: ActiveApiKey[] = await q.query(`${ACTIVE_KEY} AND k."key_hash" = $1`, [keyHash]);
  return row;
}

/** The usable key with this id, when it is the user's. */
export async function activeApiKeyById(q: Queryable, keyId: string, userId: string): Promise<ActiveApiKey | undefined> {
  const [row]: ActiveApiKey[] = await q.query(`${ACTIVE_KEY} AND k."id" = $1 AND k."user_id" = $2`, [keyId, userId]);
  return row;
}

/** Records a key's use, unless it was recorded within the last minute. */
export async function touchApiKey(q: Queryable, keyId: string): Promise<void> {
  await q.query(`UPDATE "clawkeep_user_api_keys" SET "last_used_at" = now() WHERE "id" = $1 AND ("last_used_at" IS NULL OR "last_used_at" < now() - interval '1 minute')`, [keyId]);
}
