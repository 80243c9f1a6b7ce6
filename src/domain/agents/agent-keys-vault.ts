// The organisation's __agent-keys vault: a system vault (owned by nobody, so no one bypasses its
// policies) that holds every agent's private identity keys at agents/{agent_id}/... An agent, or
// a human, reads them only through a policy that an org owner or admin grants.
import type { EntityManager } from "typeorm";

export const AGENT_KEYS_VAULT_NAME = "__agent-keys";

/** The vault's id, creating it on the organisation's first agent (safe under concurrency). */
export async function ensureAgentKeysVault(manager: EntityManager, orgId: string): Promise<string> {
  await manager.query(
    `INSERT INTO "clawkeep_vaults" ("org_id", "name", "description", "created_by", "created_by_type", "purpose")
     VALUES ($1, $2, 'Private identity keys of the organisation''s agents', $1, 'system', 'agent-keys')
     ON CONFLICT ("org_id", "purpose") WHERE "purpose" IS NOT NULL DO NOTHING`,
    [orgId, AGENT_KEYS_VAULT_NAME],
  );
  const [row]: { id: string }[] = await manager.query(`SELECT "id" FROM "clawkeep_vaults" WHERE "org_id" = $1 AND "purpose" = 'agent-keys'`, [orgId]);
  return row.id;
}
