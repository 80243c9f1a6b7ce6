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
import { policiesOfVault, type Policy } from "./policy-store.js";
import { vaultById, type VaultRow } from "./vault-store.js";

export const VAULT_CHANGED_TOPIC = "policy.changed";

/** Vaults kept; the least recently loaded are forgotten first. */
const MAX_CACHED_VAULTS = 20_000;

export type { Policy } from "./policy-store.js";

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
    return this.vaults.get(vaultId, () => vaultById(this.parts.dataSource, vaultId));
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
    return this.policies.get(vaultId, () => policiesOfVault(this.parts.dataSource, vaultId));
  }
}
