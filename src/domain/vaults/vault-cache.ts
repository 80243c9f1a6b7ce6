// What every request on a vault needs to decide access, cached in memory: the vault's record and
// its policies. Both are read on every request, so reading them must not cost a query each time.
// Every change of a vault's policies, and the vault's deletion, publishes VAULT_CHANGED_TOPIC in
// its transaction; each instance drops the vault on that event, and the instance that made the
// change drops it synchronously once committed, so the very next request uses the new state.
import type { Logger } from "pino";
import type { DataSource, EntityManager } from "typeorm";
import type { EventBus } from "../../events/bus.js";
import { followTopic } from "../../events/follow.js";
import { LoadingCache } from "../loading-cache.js";
import type { Principal } from "../identity/principal.js";
import { parseConditions } from "./policy/conditions.js";
import type { Effect, Permission, PolicyRule, PrincipalType } from "./policy/types.js";

export const VAULT_CHANGED_TOPIC = "policy.changed";

/** Vaults kept; the least recently loaded are forgotten first. */
const MAX_CACHED_VAULTS = 20_000;

export interface Policy extends PolicyRule {
  vaultId: string;
  createdBy: string;
  createdByType: "user" | "agent";
  createdAt: Date;
}

export interface VaultRow {
  id: string;
  org_id: string;
  name: string;
  description: string;
  created_by: string;
  created_by_type: "user" | "agent";
  co_owner_user_id: string | null;
  created_at: Date;
}

export class VaultCache {
  /** A vault that does not exist is not kept: ids are for anyone to probe. */
  private readonly vaults = new LoadingCache<VaultRow | undefined>(MAX_CACHED_VAULTS, (row) => row !== undefined);
  private readonly policies = new LoadingCache<Policy[]>(MAX_CACHED_VAULTS);

  constructor(private readonly parts: { dataSource: DataSource; bus: EventBus; logger: Logger }) {}

  /** Starts following changes; it ends by itself when the bus closes. */
  start(): Promise<void> {
    return followTopic({
      ...this.parts,
      topic: VAULT_CHANGED_TOPIC,
      onEvent: (event) => {
        const vaultId = event.payload.vault_id;
        if (typeof vaultId === "string") this.forget(vaultId);
      },
      onGap: () => {
        this.vaults.clear();
        this.policies.clear();
      },
    });
  }

  /** The vault's record (of any organisation: callers check theirs), or undefined. */
  vault(vaultId: string): Promise<VaultRow | undefined> {
    return this.vaults.get(vaultId, async () => {
      const rows: VaultRow[] = await this.parts.dataSource.query(`SELECT * FROM "clawkeep_vaults" WHERE "id" = $1`, [vaultId]);
      return rows[0];
    });
  }

  /** The vault's policies that name this caller (the only ones that can decide for it). */
  async rulesFor(vaultId: string, principal: Pick<Principal, "type" | "id">): Promise<Policy[]> {
    return (await this.ofVault(vaultId)).filter((policy) => policy.principalType === principal.type && policy.principalId === principal.id);
  }

  /** Announces a change of the vault (its policies, its deletion) inside its transaction; `forget` once committed. */
  announce(manager: EntityManager, vaultId: string, orgId: string): Promise<string> {
    return this.parts.bus.publish(manager, VAULT_CHANGED_TOPIC, { vault_id: vaultId }, orgId);
  }

  forget(vaultId: string): void {
    this.vaults.delete(vaultId);
    this.policies.delete(vaultId);
  }

  private ofVault(vaultId: string): Promise<Policy[]> {
    return this.policies.get(vaultId, async () => {
      const rows: PolicyRow[] = await this.parts.dataSource.query(`SELECT * FROM "clawkeep_policies" WHERE "vault_id" = $1 ORDER BY "created_at", "id"`, [vaultId]);
      return rows.map(toPolicy);
    });
  }
}

export interface PolicyRow {
  id: string;
  vault_id: string;
  principal_type: PrincipalType;
  principal_id: string;
  secret_path_pattern: string;
  permissions: Permission[];
  effect: Effect;
  priority: number;
  conditions: Record<string, unknown>;
  expires_at: Date | null;
  created_by: string;
  created_by_type: "user" | "agent";
  created_at: Date;
}

export function toPolicy(row: PolicyRow): Policy {
  return {
    id: row.id,
    vaultId: row.vault_id,
    principalType: row.principal_type,
    principalId: row.principal_id,
    pattern: row.secret_path_pattern,
    permissions: row.permissions,
    effect: row.effect,
    priority: row.priority,
    // Stored conditions were validated on the way in; parsing again gives the evaluator its shape.
    conditions: parseConditions(row.conditions),
    expiresAt: row.expires_at ? new Date(row.expires_at) : null,
    createdBy: row.created_by,
    createdByType: row.created_by_type,
    createdAt: new Date(row.created_at),
  };
}
