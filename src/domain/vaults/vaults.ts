// Vaults: named containers of secrets inside one organisation. Their rows live in
// vault-store.ts; this module answers the question every vault RPC starts with: can this caller see
// this vault, and in which capacity (owner, manager, policy holder)?
import type { DataSource, EntityManager } from "typeorm";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { isUuid } from "../ids.js";
import type { Permission, PolicyRule } from "./policy/types.js";
import { scopesAllowVaultOperation } from "../agents/scopes.js";
import type { VaultCache } from "./vault-cache.js";
import { deleteVault, insertVault, vaultById, vaultsOfOrg, vaultsRelatedTo, type VaultRow } from "./vault-store.js";
import { countLiveSecrets } from "./secret-store.js";
import { isOrgManager } from "../identity/org-roles.js";

export interface Vault {
  id: string;
  orgId: string;
  name: string;
  description: string;
  createdBy: string;
  /** "system" for the organisation's __agent-keys vault, owned by nobody. */
  createdByType: "user" | "agent" | "system";
  createdAt: Date;
}

/** How the caller stands to one vault, read once per request. */
export interface VaultAccess {
  vault: Vault;
  /** Full access to every path, bypassing policies. */
  isOwner: boolean;
  /** May manage the vault's policies and delete it: its owner, or an org owner/admin. */
  canManage: boolean;
  /** The caller's own policies on this vault (the only ones that can decide for it). */
  policies: PolicyRule[];
}

type Queryable = DataSource | EntityManager;

export class Vaults {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: VaultCache,
    private readonly audit: AuditLog,
  ) {}

  async create(principal: Principal, input: { name: string; description: string }, ip: string): Promise<Vault> {
    assertScopesAllow(principal, "write", "create a vault");
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw new DomainError("invalid_argument", "name must be 1 to 100 characters");
    const description = input.description.trim();
    if (description.length > 1000) throw new DomainError("invalid_argument", `description is ${description.length} characters; at most 1000 are allowed`);
    return this.dataSource.transaction(async (manager) => {
      const row = await insertVault(manager, {
        orgId: principal.orgId,
        name,
        description,
        createdBy: principal.id,
        createdByType: principal.type,
        // The human behind an agent owns what the agent creates, too.
        coOwnerUserId: principal.agent?.createdBy ?? null,
      });
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: principal.type, id: principal.id },
        action: "vault.create",
        resource: { type: "vault", id: row.id },
        details: { name },
        ip,
      });
      return toVault(row);
    });
  }

  /**
   * Org owners and admins see every vault of the organisation; anyone else the vaults they own
   * or hold a policy on.
   */
  async list(principal: Principal): Promise<Vault[]> {
    const rows = isOrgManager(principal)
      ? await vaultsOfOrg(this.dataSource, principal.orgId)
      : await vaultsRelatedTo(this.dataSource, { orgId: principal.orgId, id: principal.id, type: principal.type, boundVaultIds: principal.agent?.vaultIds ?? [] });
    return rows.map(toVault);
  }

  async get(principal: Principal, vaultId: string): Promise<Vault> {
    return (await this.access(this.dataSource, principal, vaultId)).vault;
  }

  /** Deletes the vault with its secrets, versions and policies; its owner or an org owner/admin. */
  async delete(principal: Principal, vaultId: string, ip: string): Promise<void> {
    await this.deleteInTransaction(principal, vaultId, ip).finally(() => this.cache.forget(vaultId));
  }

  private async deleteInTransaction(principal: Principal, vaultId: string, ip: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const access = await this.access(manager, principal, vaultId, { lock: "update" });
      if (!access.canManage) throw new DomainError("permission_denied", "only the vault's owner or an organisation owner or admin can delete it");
      assertScopesAllow(principal, "delete", "delete a vault");
      const secrets = await countLiveSecrets(manager, vaultId);
      await deleteVault(manager, vaultId);
      await this.cache.announce(manager, vaultId, principal.orgId);
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: principal.type, id: principal.id },
        action: "vault.delete",
        resource: { type: "vault", id: vaultId },
        details: { name: access.vault.name, live_secrets: secrets },
        ip,
      });
    });
  }

  /**
   * The caller's standing on a vault. A vault of another organisation, or one the caller has no
   * relation to (not owner, not manager, no policy), is 404: nothing about it is revealed. The
   * vault and its policies come from the cache; `lock` reads the vault row in the caller's
   * transaction instead: "share" makes a concurrent vault delete wait for that transaction (and
   * the caller see 404 if the delete won), "update" is for the delete itself.
   */
  async access(q: Queryable, principal: Principal, vaultId: string, options: { lock?: "share" | "update" } = {}): Promise<VaultAccess> {
    if (!isUuid(vaultId)) throw new DomainError("invalid_argument", "vault_id must be a UUID");
    const row = options.lock ? await vaultById(q, vaultId, options.lock) : await this.cache.vault(vaultId);
    if (!row || row.org_id !== principal.orgId) throw vaultNotFound(vaultId);
    const vault = toVault(row);
    const isOwner = (vault.createdBy === principal.id && vault.createdByType === principal.type) || (principal.type === "user" && row.co_owner_user_id === principal.id);
    const manager = isOrgManager(principal);
    // An agent bound to an explicit list of vaults may not touch any other, whatever its
    // policies say; an agent without a list is bound to the vaults its policies name.
    const binding = principal.agent?.vaultIds ?? [];
    if (binding.length > 0 && !binding.includes(vaultId) && !isOwner) {
      throw new DomainError("permission_denied", `this agent is not bound to vault ${vaultId}`);
    }
    const policies = await this.cache.rulesFor(vaultId, principal);
    if (!isOwner && !manager && policies.length === 0 && !binding.includes(vaultId)) throw vaultNotFound(vaultId);
    return { vault, isOwner, canManage: isOwner || manager, policies };
  }
}

/** An agent's scopes are a ceiling on operations: a read-only agent creates and deletes nothing. */
function assertScopesAllow(principal: Principal, permission: Permission, what: string): void {
  if (principal.agent && !scopesAllowVaultOperation(principal.agent.scopes, permission)) {
    throw new DomainError("permission_denied", `this agent's scopes (${principal.agent.scopes.join(", ").slice(0, 200)}) do not allow it to ${what}; that needs vaults:${permission}`);
  }
}

function vaultNotFound(vaultId: string): DomainError {
  return new DomainError("not_found", `vault ${vaultId} not found`);
}

function toVault(row: VaultRow): Vault {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    createdBy: row.created_by,
    createdByType: row.created_by_type,
    createdAt: new Date(row.created_at),
  };
}
