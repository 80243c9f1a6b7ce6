// The agents table and every statement on it: clawkeep_agents, one row per agent (a deleted
// agent keeps its row for the audit trail). agents.ts, agent-tokens.ts and agent-standing.ts ask
// it; the vaults module asks isLiveAgent (wired in app.ts). The key hash is only ever compared,
// in the exchange's WHERE: no statement here returns it.
import type { DataSource, EntityManager } from "typeorm";
import { rowsOf } from "../../db/rows.js";
import { columnList, defineTable, type Table } from "../../db/table.js";
import { auditedReads } from "../audit/audit-store.js";
import { boundVaultIdsSql } from "../vaults/vault-store.js";
import type { Guardrails } from "./guardrails.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_agents. */
export interface AgentRow {
  id: string;
  org_id: string;
  name: string;
  description: string;
  /** The human who created (or approved) the agent. */
  created_by: string;
  scopes: string[];
  is_active: boolean;
  /** The vaults the agent is bound to; empty means those its policies name and those it created. */
  vault_ids: string[];
  /** NULL: DEFAULT_AGENT_TOKEN_TTL_SECONDS. */
  token_ttl_seconds: number | null;
  intents_api_enabled: boolean;
  guardrails: Guardrails;
  ssh_public_key: string;
  ecdh_public_key: string;
  api_key_prefix: string;
  /** Keyed hash of the ocv_ key: compared, never selected. */
  api_key_hash: Buffer;
  api_key_expires_at: Date | null;
  expires_at: Date | null;
  /** Copied into every token; bumping it revokes them all. */
  revocation_epoch: number;
  created_at: Date;
  /**
   * No longer written or read: an agent's last activity is its newest audit event as actor.
   * Kept until every instance runs a version that does not select it, then dropped.
   */
  last_active_at: Date | null;
  deleted_at: Date | null;
}

export const AGENTS = defineTable<AgentRow>("clawkeep_agents", {
  id: true,
  org_id: true,
  name: true,
  description: true,
  created_by: true,
  scopes: true,
  is_active: true,
  vault_ids: true,
  token_ttl_seconds: true,
  intents_api_enabled: true,
  guardrails: true,
  ssh_public_key: true,
  ecdh_public_key: true,
  api_key_prefix: true,
  api_key_hash: true,
  api_key_expires_at: true,
  expires_at: true,
  revocation_epoch: true,
  created_at: true,
  last_active_at: true,
  deleted_at: true,
});

/** An agent as the statements here return it: every column but its key hash. */
export type StoredAgent = Omit<AgentRow, "api_key_hash">;

const STORED: Table<StoredAgent> = { name: AGENTS.name, columns: AGENTS.columns.filter((column): column is keyof StoredAgent & string => column !== "api_key_hash") };
const COLUMNS = columnList(STORED);

/** The token lifetime of an agent whose token_ttl_seconds is NULL. */
export const DEFAULT_AGENT_TOKEN_TTL_SECONDS = 3600;

// ---- Writing

export async function insertAgent(
  manager: EntityManager,
  agent: Pick<
    AgentRow,
    | "org_id"
    | "name"
    | "description"
    | "created_by"
    | "scopes"
    | "vault_ids"
    | "token_ttl_seconds"
    | "intents_api_enabled"
    | "guardrails"
    | "ssh_public_key"
    | "ecdh_public_key"
    | "api_key_prefix"
    | "api_key_hash"
    | "api_key_expires_at"
    | "expires_at"
  >,
): Promise<StoredAgent> {
  const [row]: StoredAgent[] = await manager.query(
    `INSERT INTO "clawkeep_agents" ("org_id", "name", "description", "created_by", "scopes", "vault_ids", "token_ttl_seconds", "intents_api_enabled",
       "guardrails", "ssh_public_key", "ecdh_public_key", "api_key_prefix", "api_key_hash", "api_key_expires_at", "expires_at")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING ${COLUMNS}`,
    [
      agent.org_id,
      agent.name,
      agent.description,
      agent.created_by,
      agent.scopes,
      agent.vault_ids,
      agent.token_ttl_seconds,
      agent.intents_api_enabled,
      JSON.stringify(agent.guardrails),
      agent.ssh_public_key,
      agent.ecdh_public_key,
      agent.api_key_prefix,
      agent.api_key_hash,
      agent.api_key_expires_at,
      agent.expires_at,
    ],
  );
  return row;
}

/**
 * Sets `columns` (validated column names and values), replaces the guardrails, and bumps the
 * revocation epoch when `revoke`.
 */
export async function updateAgent(
  manager: EntityManager,
  agentId: string,
  change: { columns: Record<string, unknown>; guardrails: Guardrails; revoke: boolean },
): Promise<StoredAgent> {
  const sets = Object.keys(change.columns).map((column, i) => `"${column}" = $${i + 3}`);
  const [row] = rowsOf<StoredAgent>(
    await manager.query(
      `UPDATE "clawkeep_agents" SET ${[...sets, `"guardrails" = $2`, `"revocation_epoch" = "revocation_epoch" + ${change.revoke ? 1 : 0}`].join(", ")}
       WHERE "id" = $1 RETURNING ${COLUMNS}`,
      [agentId, JSON.stringify(change.guardrails), ...Object.values(change.columns)],
    ),
  );
  return row;
}

/** Deactivates and hides the agent, revoking its tokens; the row stays for the audit trail. */
export async function softDeleteAgent(manager: EntityManager, agentId: string): Promise<void> {
  await manager.query(`UPDATE "clawkeep_agents" SET "deleted_at" = now(), "is_active" = false, "revocation_epoch" = "revocation_epoch" + 1 WHERE "id" = $1`, [agentId]);
}

/** Replaces the agent's API key, revoking its tokens. */
export async function replaceApiKey(manager: EntityManager, agentId: string, key: { prefix: string; hash: Buffer }): Promise<StoredAgent> {
  const [row] = rowsOf<StoredAgent>(
    await manager.query(`UPDATE "clawkeep_agents" SET "api_key_prefix" = $2, "api_key_hash" = $3, "revocation_epoch" = "revocation_epoch" + 1 WHERE "id" = $1 RETURNING ${COLUMNS}`, [
      agentId,
      key.prefix,
      key.hash,
    ]),
  );
  return row;
}

/** Revokes every outstanding token of the agent. */
export async function bumpRevocationEpoch(manager: EntityManager, agentId: string): Promise<void> {
  await manager.query(`UPDATE "clawkeep_agents" SET "revocation_epoch" = "revocation_epoch" + 1 WHERE "id" = $1`, [agentId]);
}

/** Replaces the public halves of the agent's identity keys. */
export async function replaceIdentityKeys(manager: EntityManager, agentId: string, keys: { sshPublicKey: string; ecdhPublicKey: string }): Promise<StoredAgent> {
  const [row] = rowsOf<StoredAgent>(
    await manager.query(`UPDATE "clawkeep_agents" SET "ssh_public_key" = $2, "ecdh_public_key" = $3 WHERE "id" = $1 RETURNING ${COLUMNS}`, [
      agentId,
      keys.sshPublicKey,
      keys.ecdhPublicKey,
    ]),
  );
  return row;
}

// ---- Reading

/** The live (not deleted) agents of the organisation, oldest first. */
export function liveAgentsOfOrg(q: Queryable, orgId: string): Promise<StoredAgent[]> {
  return q.query(`SELECT ${COLUMNS} FROM "clawkeep_agents" WHERE "org_id" = $1 AND "deleted_at" IS NULL ORDER BY "created_at", "id"`, [orgId]);
}

/** The agent of the organisation, unless deleted; `lock` reads it for a change in `q`'s transaction. */
export async function liveAgentOfOrg(q: Queryable, orgId: string, agentId: string, lock?: "update"): Promise<StoredAgent | undefined> {
  const [row]: StoredAgent[] = await q.query(`SELECT ${COLUMNS} FROM "clawkeep_agents" WHERE "id" = $1 AND "org_id" = $2 AND "deleted_at" IS NULL${lock ? " FOR UPDATE" : ""}`, [
    agentId,
    orgId,
  ]);
  return row;
}

/** The agent of the organisation, deleted or not. */
export async function agentOfOrg(q: Queryable, orgId: string, agentId: string): Promise<StoredAgent | undefined> {
  const [row]: StoredAgent[] = await q.query(`SELECT ${COLUMNS} FROM "clawkeep_agents" WHERE "id" = $1 AND "org_id" = $2`, [agentId, orgId]);
  return row;
}

/** The agent of any organisation, deleted or not (the standing cache's load). */
export async function agentById(q: Queryable, agentId: string): Promise<StoredAgent | undefined> {
  const [row]: StoredAgent[] = await q.query(`SELECT ${COLUMNS} FROM "clawkeep_agents" WHERE "id" = $1`, [agentId]);
  return row;
}

/** The agent of a key hash, with the vaults it is bound to when it has no explicit list. */
export type ExchangedAgent = StoredAgent & { bound_vault_ids: string[] };

/**
 * Token exchanges' reads, in one statement for all the exchanges of a batch: the agent of each key
 * hash, with the vaults its policies name and the vaults it created (its binding when it has no
 * explicit list), audited when it may have a token: active, not deleted, neither it nor its key
 * expired, and the agent_id sent (or '') is its own.
 */
export const AGENT_EXCHANGE = auditedReads("agent_exchange", {
  inputs: [["key_hash", "bytea"], ["agent_id", "text"]],
  select: `SELECT ${columnList(STORED, "a")}, ${boundVaultIdsSql(`a."id"`)} AS "bound_vault_ids"
    FROM "clawkeep_agents" a WHERE a."api_key_hash" = "q"."key_hash"`,
  when: `"r"."deleted_at" IS NULL AND "r"."is_active" AND ("r"."expires_at" IS NULL OR "r"."expires_at" > now())
    AND ("r"."api_key_expires_at" IS NULL OR "r"."api_key_expires_at" > now()) AND ("q"."agent_id" = '' OR "r"."id"::text = "q"."agent_id")`,
  details: { expires_in: `coalesce("r"."token_ttl_seconds", ${DEFAULT_AGENT_TOKEN_TTL_SECONDS})`, key_prefix: `"r"."api_key_prefix"` },
  fromRow: { orgId: `"r"."org_id"`, orgColumn: "org_id", actorId: `"r"."id"::text`, resourceId: `"r"."id"::text` },
});

// ---- For other modules

/** Whether the agent exists in the organisation and is not deleted. */
export async function isLiveAgent(q: Queryable, orgId: string, agentId: string): Promise<boolean> {
  const rows: unknown[] = await q.query(`SELECT 1 FROM "clawkeep_agents" WHERE "id" = $1 AND "org_id" = $2 AND "deleted_at" IS NULL`, [agentId, orgId]);
  return rows.length > 0;
}

/**
 * Which of these agents have these key hashes (a fleet stream resuming a held token checks the
 * key without an exchange). The hash is compared here and never returned.
 */
export async function agentsWithKeys(q: Queryable, pairs: { agentId: string; keyHash: Buffer }[]): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows: { id: string }[] = await q.query(
    `SELECT a."id" FROM "clawkeep_agents" a JOIN unnest($1::uuid[], $2::bytea[]) AS k("id", "hash") ON a."id" = k."id" AND a."api_key_hash" = k."hash"`,
    [pairs.map((p) => p.agentId), pairs.map((p) => p.keyHash)],
  );
  return new Set(rows.map((r) => r.id));
}
