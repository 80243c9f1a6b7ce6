// The policies of each vault, cached in memory: policies are evaluated on every request, so
// reading them must not cost a query each time. Every change publishes POLICY_CHANGED_TOPIC in
// its transaction; each instance drops the vault's entry on that event, and the instance that made
// the change drops it synchronously once committed, so the very next request uses the new rules.
import type { Logger } from "pino";
import type { DataSource, EntityManager } from "typeorm";
import type { EventBus } from "../../events/bus.js";
import { followTopic } from "../../events/follow.js";
import { LoadingCache } from "../loading-cache.js";
import type { Principal } from "../identity/principal.js";
import { parseConditions } from "./policy/conditions.js";
import type { Effect, Permission, PolicyRule, PrincipalType } from "./policy/types.js";

export const POLICY_CHANGED_TOPIC = "policy.changed";

/** Vaults whose policies are kept; the least recently loaded are forgotten first. */
const MAX_CACHED_VAULTS = 20_000;

export interface Policy extends PolicyRule {
  vaultId: string;
  createdBy: string;
  createdByType: "user" | "agent";
  createdAt: Date;
}

type Queryable = DataSource | EntityManager;

export class PolicyStore {
  private readonly cache = new LoadingCache<Policy[]>(MAX_CACHED_VAULTS);

  constructor(private readonly parts: { dataSource: DataSource; bus: EventBus; logger: Logger }) {}

  /** Starts following changes; it ends by itself when the bus closes. */
  start(): Promise<void> {
    return followTopic({
      ...this.parts,
      topic: POLICY_CHANGED_TOPIC,
      onEvent: (event) => {
        const vaultId = event.payload.vault_id;
        if (typeof vaultId === "string") this.cache.delete(vaultId);
      },
      onGap: () => this.cache.clear(),
    });
  }

  /**
   * The vault's policies that name this caller (the only ones that can decide for it). `q` loads
   * them when they are not cached: inside a transaction it must be that transaction's manager
   * (the embedded database has one session, so another connection would wait for it forever).
   */
  async rulesFor(q: Queryable, vaultId: string, principal: Pick<Principal, "type" | "id">): Promise<Policy[]> {
    return (await this.ofVault(q, vaultId)).filter((policy) => policy.principalType === principal.type && policy.principalId === principal.id);
  }

  /** Announces a change of the vault's policies inside its transaction; `forget` once committed. */
  announce(manager: EntityManager, vaultId: string, orgId: string): Promise<string> {
    return this.parts.bus.publish(manager, POLICY_CHANGED_TOPIC, { vault_id: vaultId }, orgId);
  }

  forget(vaultId: string): void {
    this.cache.delete(vaultId);
  }

  private ofVault(q: Queryable, vaultId: string): Promise<Policy[]> {
    return this.cache.get(vaultId, async () => {
      const rows: PolicyRow[] = await q.query(`SELECT * FROM "clawkeep_policies" WHERE "vault_id" = $1 ORDER BY "created_at", "id"`, [vaultId]);
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
