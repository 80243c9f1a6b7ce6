// The vaults table and every statement on it: clawkeep_vaults, one row per vault (an
// organisation's __agent-keys system vault among them). Other modules ask through the exported
// functions at the end: the agents module for the agent-keys vault and an agent's binding.
import type { DataSource, EntityManager } from "typeorm";
import { columnList, defineTable } from "../../db/table.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_vaults. */
export interface VaultRow {
  id: string;
  org_id: string;
  name: string;
  description: string;
  /** A user's or agent's id; for the agent-keys vault, the organisation's (owned by nobody). */
  created_by: string;
  created_by_type: "user" | "agent" | "system";
  created_at: Date;
  /** "agent-keys" for the organisation's system vault; NULL for every other vault. */
  purpose: string | null;
  /** The human behind the agent that created the vault: an owner too. */
  co_owner_user_id: string | null;
}

export const VAULTS = defineTable<VaultRow>("clawkeep_vaults", {
  id: true,
  org_id: true,
  name: true,
  description: true,
  created_by: true,
  created_by_type: true,
  created_at: true,
  purpose: true,
  co_owner_user_id: true,
});

const COLUMNS = columnList(VAULTS);
export const AGENT_KEYS_VAULT_NAME = "__agent-keys";

export async function insertVault(
  manager: EntityManager,
  vault: { orgId: string; name: string; description: string; createdBy: string; createdByType: "user" | "agent"; coOwnerUserId: string | null },
): Promise<VaultRow> {
  const [row]: VaultRow[] = await manager.query(
    `INSERT INTO "clawkeep_vaults" ("org_id", "name", "description", "created_by", "created_by_type", "co_owner_user_id")
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [vault.orgId, vault.name, vault.description, vault.createdBy, vault.createdByType, vault.coOwnerUserId],
  );
  return row;
}

/** The vault of any organisation (callers check theirs); `lock` reads it for a change in `q`'s transaction. */
export async function vaultById(q: Queryable, vaultId: string, lock?: "share" | "update"): Promise<VaultRow | undefined> {
  const [row]: VaultRow[] = await q.query(`SELECT ${COLUMNS} FROM "clawkeep_vaults" WHERE "id" = $1${lock ? ` FOR ${lock.toUpperCase()}` : ""}`, [vaultId]);
  return row;
}

export function vaultsOfOrg(q: Queryable, orgId: string): Promise<VaultRow[]> {
  return q.query(`SELECT ${COLUMNS} FROM "clawkeep_vaults" WHERE "org_id" = $1 ORDER BY "created_at", "id"`, [orgId]);
}

/** Vaults the caller owns, co-owns, is bound to, or holds a policy on. */
export function vaultsRelatedTo(q: Queryable, caller: { orgId: string; id: string; type: "user" | "agent"; boundVaultIds: string[] }): Promise<VaultRow[]> {
  return q.query(
    `SELECT ${columnList(VAULTS, "v")} FROM "clawkeep_vaults" v
     WHERE v."org_id" = $1
       AND ((v."created_by" = $2 AND v."created_by_type" = $3)
         OR v."co_owner_user_id" = $2
         OR v."id" = ANY($4::uuid[])
         OR EXISTS (SELECT 1 FROM "clawkeep_policies" p WHERE p."vault_id" = v."id" AND p."principal_id" = $2 AND p."principal_type" = $3))
     ORDER BY v."created_at", v."id"`,
    [caller.orgId, caller.id, caller.type, caller.boundVaultIds],
  );
}

/** Deletes the vault; its secrets, versions and policies go with it (foreign keys). */
export async function deleteVault(manager: EntityManager, vaultId: string): Promise<void> {
  await manager.query(`DELETE FROM "clawkeep_vaults" WHERE "id" = $1`, [vaultId]);
}

// ---- For other modules

/** The organisation's __agent-keys vault, created on its first agent (safe under concurrency). */
export async function ensureAgentKeysVault(manager: EntityManager, orgId: string): Promise<string> {
  await manager.query(
    `INSERT INTO "clawkeep_vaults" ("org_id", "name", "description", "created_by", "created_by_type", "purpose")
     VALUES ($1, $2, 'Private identity keys of the organisation''s agents', $1, 'system', 'agent-keys')
     ON CONFLICT ("org_id", "purpose") WHERE "purpose" IS NOT NULL DO NOTHING`,
    [orgId, AGENT_KEYS_VAULT_NAME],
  );
  return (await agentKeysVaultId(manager, orgId)) as string;
}

/** The id of the organisation's __agent-keys vault, if it has one yet. */
export async function agentKeysVaultId(q: Queryable, orgId: string): Promise<string | undefined> {
  const [row]: { id: string }[] = await q.query(`SELECT "id" FROM "clawkeep_vaults" WHERE "org_id" = $1 AND "purpose" = 'agent-keys'`, [orgId]);
  return row?.id;
}

/** Which of `vaultIds` are vaults of the organisation. */
export async function vaultIdsOfOrg(q: Queryable, orgId: string, vaultIds: string[]): Promise<string[]> {
  const rows: { id: string }[] = await q.query(`SELECT "id" FROM "clawkeep_vaults" WHERE "org_id" = $1 AND "id" = ANY($2::uuid[])`, [orgId, vaultIds]);
  return rows.map((row) => row.id);
}

/**
 * An SQL expression (for another store's statement) of the vaults an agent is bound to when it
 * has no explicit list: those its policies name and those it created, as a sorted uuid[].
 */
export function boundVaultIdsSql(agentId: string): string {
  return `ARRAY(
    SELECT "vault_id" FROM "clawkeep_policies" WHERE "principal_type" = 'agent' AND "principal_id" = ${agentId}
    UNION SELECT "id" FROM "clawkeep_vaults" WHERE "created_by_type" = 'agent' AND "created_by" = ${agentId}
    ORDER BY 1
  )`;
}
