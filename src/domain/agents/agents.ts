// Agents: machine identities of an organisation, registered by a human. Their rows are
// agent-store.ts's. Creating an agent issues its ocv_ API key (shown once, stored as a keyed hash)
// and its identity keypairs, whose private halves go into the organisation's __agent-keys vault.
import type { DataSource, EntityManager } from "typeorm";
import { generateAgentKeypairs, type AgentKeypairs } from "../../crypto/agent-keypairs.js";
import { generateApiKey, hashApiKey } from "../../crypto/api-keys.js";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { isUuid } from "../ids.js";
import type { Secrets } from "../vaults/secrets.js";
import { agentKeysVaultId, ensureAgentKeysVault, vaultIdsOfOrg } from "../vaults/vault-store.js";
import type { AgentStanding } from "./agent-standing.js";
import { columnsOf, mergeGuardrails, type AgentChanges } from "./agent-changes.js";
import {
  agentOfOrg,
  bumpRevocationEpoch,
  insertAgent,
  liveAgentOfOrg,
  liveAgentsOfOrg,
  replaceApiKey,
  replaceIdentityKeys,
  softDeleteAgent,
  updateAgent,
  type StoredAgent,
} from "./agent-store.js";
import { parseGuardrails, type Guardrails } from "./guardrails.js";
import { validateScopes } from "./scopes.js";
import { canManageAgent } from "../identity/org-roles.js";

export interface AgentRecord {
  id: string;
  orgId: string;
  name: string;
  description: string;
  createdBy: string;
  scopes: string[];
  isActive: boolean;
  vaultIds: string[];
  tokenTtlSeconds: number | null;
  intentsApiEnabled: boolean;
  guardrails: Guardrails;
  sshPublicKey: string;
  ecdhPublicKey: string;
  apiKeyExpiresAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
}

export interface CreateAgentInput {
  name: string;
  description: string;
  authMethod: string;
  scopes: string[];
  expiresAt?: Date;
  apiKeyExpiresAt?: Date;
  tokenTtlSeconds?: number;
  vaultIds: string[];
  intentsApiEnabled: boolean;
  guardrails: Record<string, unknown>;
}

/** JWT lifetimes an agent may ask for run from a second to a day. */
const MAX_AGENT_TOKEN_TTL_SECONDS = 86_400;

export class Agents {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: Secrets,
    private readonly audit: AuditLog,
    private readonly pepper: Buffer,
    private readonly standing: AgentStanding,
  ) {}

  async create(principal: Principal, input: CreateAgentInput, ip: string): Promise<{ agent: AgentRecord; apiKey: string }> {
    const valid = validateCreate(input);
    return this.dataSource.transaction((manager) => this.createWithin(manager, principal, valid, ip));
  }

  /**
   * Registers an agent inside the caller's transaction (self-enrollment approval creates the agent
   * and its first policies together). `input` comes from `validateCreate`.
   */
  async createWithin(
    manager: EntityManager,
    principal: Principal,
    input: ValidCreateAgentInput,
    ip: string,
    auditDetails: Record<string, unknown> = {},
  ): Promise<{ agent: AgentRecord; apiKey: string }> {
    const { name, description, scopes, vaultIds, guardrails } = input;
    const { key, prefix } = generateApiKey("ocv");
    const keys = generateAgentKeypairs();
    await assertVaultsOfOrg(manager, principal.orgId, vaultIds);
    const row = await insertAgent(manager, {
      org_id: principal.orgId,
      name,
      description,
      created_by: principal.id,
      scopes,
      vault_ids: vaultIds,
      token_ttl_seconds: input.tokenTtlSeconds ?? null,
      intents_api_enabled: input.intentsApiEnabled,
      guardrails,
      ssh_public_key: keys.sshPublicKey,
      ecdh_public_key: keys.ecdhPublicKey,
      api_key_prefix: prefix,
      api_key_hash: hashApiKey(this.pepper, key),
      api_key_expires_at: input.apiKeyExpiresAt ?? null,
      expires_at: input.expiresAt ?? null,
    });
    const keysVaultId = await this.storePrivateKeys(manager, principal.orgId, row.id, keys);
    await this.audit.append(manager, {
      orgId: principal.orgId,
      actor: { type: "user", id: principal.id },
      action: "agent.create",
      resource: { type: "agent", id: row.id },
      details: { name, key_prefix: prefix, scopes, vault_ids: vaultIds, intents_api_enabled: input.intentsApiEnabled, keys_vault_id: keysVaultId, ...auditDetails },
      ip,
    });
    return { agent: toAgent(row), apiKey: key };
  }

  async list(principal: Principal): Promise<AgentRecord[]> {
    const rows = await liveAgentsOfOrg(this.dataSource, principal.orgId);
    return rows.map(toAgent);
  }

  /** One agent of the caller's organisation; an agent may read only itself (others are 404 to it). */
  async get(principal: Principal, agentId: string): Promise<AgentRecord> {
    if (!isUuid(agentId)) throw new DomainError("invalid_argument", "agent_id must be a UUID");
    if (principal.type === "agent" && principal.id !== agentId) throw agentNotFound(agentId);
    const row = await liveAgentOfOrg(this.dataSource, principal.orgId, agentId);
    if (!row) throw agentNotFound(agentId);
    return toAgent(row);
  }

  /**
   * The agent as the principal it acts as, while it may act at all (active, not deleted, neither
   * it nor its key expired); undefined otherwise. Read through the standing cache.
   */
  async actingPrincipal(agentId: string): Promise<Principal | undefined> {
    const row = await this.standing.of(agentId);
    if (!row || !mayAct(row, Date.now())) return undefined;
    return agentPrincipal(row);
  }

  async self(principal: Principal): Promise<AgentRecord> {
    if (principal.type !== "agent") throw new DomainError("permission_denied", "only an agent can read its own profile; use an agent token");
    const row = await agentOfOrg(this.dataSource, principal.orgId, principal.id);
    // Changed on another instance a moment ago, before this one heard of it: its record says so.
    if (!row || !mayAct(row, Date.now())) {
      this.standing.forget(principal.id);
      throw new DomainError("unauthenticated", "token has been revoked");
    }
    return toAgent(row);
  }

  /**
   * Changes the named fields (`null` clears a clearable one). Deactivating, or moving expires_at
   * or api_key_expires_at into the past, revokes every outstanding token of the agent.
   */
  async update(principal: Principal, agentId: string, changes: AgentChanges, ip: string): Promise<AgentRecord> {
    const columns = columnsOf(changes);
    return this.changing(principal, agentId, async (manager) => {
      const current = await lockedAgent(manager, principal, agentId);
      if (changes.vault_ids) await assertVaultsOfOrg(manager, principal.orgId, changes.vault_ids);
      const now = Date.now();
      const past = (value: Date | null | undefined) => value instanceof Date && value.getTime() <= now;
      const revoke = (changes.is_active === false && current.is_active) || past(changes.expires_at) || past(changes.api_key_expires_at);
      const row = await updateAgent(manager, agentId, { columns, guardrails: mergeGuardrails(current.guardrails, changes), revoke });
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: revoke && changes.is_active === false ? "agent.deactivate" : "agent.update",
        resource: { type: "agent", id: agentId },
        details: { changed: Object.keys(changes).sort(), tokens_revoked: revoke },
        ip,
      });
      return toAgent(row);
    });
  }

  /** Deactivates and hides the agent, keeping it for the audit trail; its key and tokens stop at once. */
  async delete(principal: Principal, agentId: string, ip: string): Promise<void> {
    await this.changing(principal, agentId, async (manager) => {
      await lockedAgent(manager, principal, agentId);
      await softDeleteAgent(manager, agentId);
      await this.audit.append(manager, { orgId: principal.orgId, actor: { type: "user", id: principal.id }, action: "agent.delete", resource: { type: "agent", id: agentId }, ip });
    });
  }

  /** A new ocv_ key, shown once; the old key fails at once and every outstanding token is revoked. */
  async rotateKey(principal: Principal, agentId: string, ip: string): Promise<{ agent: AgentRecord; apiKey: string }> {
    const { key, prefix } = generateApiKey("ocv");
    const agent = await this.changing(principal, agentId, async (manager) => {
      await lockedAgent(manager, principal, agentId);
      const row = await replaceApiKey(manager, agentId, { prefix, hash: hashApiKey(this.pepper, key) });
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "agent.rotate_key",
        resource: { type: "agent", id: agentId },
        details: { key_prefix: prefix },
        ip,
      });
      return toAgent(row);
    });
    return { agent, apiKey: key };
  }

  /**
   * An agent signing out (DELETE /v1/auth/token with its token): every outstanding token of the
   * agent stops, since tokens are revoked by epoch. Its key still works for a new exchange.
   */
  async revokeOwnTokens(principal: Principal, ip: string): Promise<void> {
    if (principal.type !== "agent") throw new DomainError("invalid_argument", "only an agent token revokes agent tokens");
    await this.changing(principal, principal.id, async (manager) => {
      await bumpRevocationEpoch(manager, principal.id);
      await this.audit.append(manager, { orgId: principal.orgId, actor: { type: "agent", id: principal.id }, action: "agent.revoke_tokens", resource: { type: "agent", id: principal.id }, ip });
    });
  }

  /** New identity keypairs: new public halves on the record, new versions of the private secrets. */
  async rotateIdentityKeys(principal: Principal, agentId: string, ip: string): Promise<AgentRecord> {
    const keys = generateAgentKeypairs();
    return this.changing(principal, agentId, async (manager) => {
      await lockedAgent(manager, principal, agentId);
      const row = await replaceIdentityKeys(manager, agentId, keys);
      const keysVaultId = await this.storePrivateKeys(manager, principal.orgId, agentId, keys);
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "agent.rotate_identity_keys",
        resource: { type: "agent", id: agentId },
        details: { keys_vault_id: keysVaultId },
        ip,
      });
      return toAgent(row);
    });
  }

  /** Writes the private identity keys into the org's __agent-keys vault (a new version each time). */
  private async storePrivateKeys(manager: EntityManager, orgId: string, agentId: string, keys: AgentKeypairs): Promise<string> {
    const keysVaultId = await ensureAgentKeysVault(manager, orgId);
    await this.secrets.writeAsSystem(manager, keysVaultId, `agents/${agentId}/ssh/private_key`, "ssh_key", keys.sshPrivateKey);
    await this.secrets.writeAsSystem(manager, keysVaultId, `agents/${agentId}/ecdh/private_key`, "private_key", keys.ecdhPrivateKey);
    return keysVaultId;
  }

  /**
   * Runs a change of one agent in a transaction that announces it to every instance, and drops
   * this instance's cached record once it has committed.
   */
  private async changing<T>(principal: Principal, agentId: string, change: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const result = await change(manager);
        await this.standing.announce(manager, agentId, principal.orgId);
        return result;
      });
    } finally {
      this.standing.forget(agentId);
    }
  }

  /** The id of the organisation's __agent-keys vault; 404 until its first agent exists. */
  async keysVaultId(principal: Principal): Promise<string> {
    const id = await agentKeysVaultId(this.dataSource, principal.orgId);
    if (!id) throw new DomainError("not_found", "your organisation has no __agent-keys vault yet; it is created with the first agent");
    return id;
  }
}

/** CreateAgentInput after its checks: trimmed, deduplicated, guardrails parsed. */
export type ValidCreateAgentInput = Omit<CreateAgentInput, "guardrails" | "authMethod"> & { guardrails: Guardrails };

/** Checks everything about a new agent that needs no database; each failure is a 400 naming the field. */
export function validateCreate(input: CreateAgentInput): ValidCreateAgentInput {
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) throw new DomainError("invalid_argument", "name must be 1 to 100 characters");
  const description = input.description.trim();
  if (description.length > 1000) throw new DomainError("invalid_argument", `description is ${description.length} characters; at most 1000 are allowed`);
  if (input.authMethod !== "" && input.authMethod !== "api_key") {
    throw new DomainError("invalid_argument", `auth_method "${input.authMethod.slice(0, 32)}" is not supported; Clawkeep agents authenticate with an api_key`);
  }
  const scopes = validateScopes(input.scopes);
  const now = Date.now();
  for (const [field, value] of [
    ["expires_at", input.expiresAt],
    ["api_key_expires_at", input.apiKeyExpiresAt],
  ] as const) {
    if (value && value.getTime() <= now) throw new DomainError("invalid_argument", `${field} must be in the future`);
  }
  const ttl = input.tokenTtlSeconds;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_AGENT_TOKEN_TTL_SECONDS)) {
    throw new DomainError("invalid_argument", `token_ttl_seconds must be 1-${MAX_AGENT_TOKEN_TTL_SECONDS}, got ${ttl}`);
  }
  return {
    name,
    description,
    scopes,
    expiresAt: input.expiresAt,
    apiKeyExpiresAt: input.apiKeyExpiresAt,
    tokenTtlSeconds: ttl,
    vaultIds: [...new Set(input.vaultIds)],
    intentsApiEnabled: input.intentsApiEnabled,
    guardrails: parseGuardrails(input.guardrails),
  };
}

async function assertVaultsOfOrg(manager: EntityManager, orgId: string, vaultIds: string[]): Promise<void> {
  if (vaultIds.length === 0) return;
  const found = await vaultIdsOfOrg(manager, orgId, vaultIds);
  const missing = vaultIds.find((id) => !found.includes(id));
  if (missing) throw new DomainError("invalid_argument", `vault_ids names ${missing}, which is not a vault of your organisation`);
}

/**
 * The agent of the caller's organisation, locked for a change; 404 otherwise. Only the human who
 * created (or approved) it and the organisation's owners and admins change an agent.
 */
async function lockedAgent(manager: EntityManager, principal: Principal, agentId: string): Promise<StoredAgent> {
  if (!isUuid(agentId)) throw new DomainError("invalid_argument", "agent_id must be a UUID");
  const row = await liveAgentOfOrg(manager, principal.orgId, agentId, "update");
  if (!row) throw agentNotFound(agentId);
  if (!canManageAgent(principal, row.created_by)) throw new DomainError("permission_denied", "only the agent's creator or an organisation owner or admin can change it");
  return row;
}

function agentNotFound(agentId: string): DomainError {
  return new DomainError("not_found", `agent ${agentId} not found`);
}

/** Whether the agent may act now: active, not deleted, neither it nor its API key expired. */
export function mayAct(row: StoredAgent, now: number): boolean {
  const passed = (at: Date | null) => at !== null && new Date(at).getTime() <= now;
  return row.deleted_at === null && row.is_active && !passed(row.expires_at) && !passed(row.api_key_expires_at);
}

/** What an agent acts with on every call: its organisation, binding, scopes and Intents flag. */
export function agentPrincipal(row: StoredAgent): Principal {
  return {
    type: "agent",
    id: row.id,
    orgId: row.org_id,
    scopes: row.scopes,
    agent: { createdBy: row.created_by, vaultIds: row.vault_ids, scopes: row.scopes, intentsApiEnabled: row.intents_api_enabled },
  };
}

export function toAgent(row: StoredAgent): AgentRecord {
  const date = (value: Date | null) => (value ? new Date(value) : null);
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    createdBy: row.created_by,
    scopes: row.scopes,
    isActive: row.is_active && row.deleted_at === null,
    vaultIds: row.vault_ids,
    tokenTtlSeconds: row.token_ttl_seconds,
    intentsApiEnabled: row.intents_api_enabled,
    guardrails: row.guardrails,
    sshPublicKey: row.ssh_public_key,
    ecdhPublicKey: row.ecdh_public_key,
    apiKeyExpiresAt: date(row.api_key_expires_at),
    expiresAt: date(row.expires_at),
    createdAt: new Date(row.created_at),
  };
}
