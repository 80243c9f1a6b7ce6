// The chains the Intents API signs for, as configured (CLAWKEEP_CHAINS). Public to read.
import type { ChainConfig } from "../../chains/registry.js";
import { DomainError } from "../errors.js";

/** Chain families a signing key can be made for; only the EVM family is supported so far. */
export const KEY_FAMILIES = ["ethereum", "bitcoin", "solana", "xrp", "cardano", "tron"] as const;
export const SUPPORTED_FAMILIES = new Set<string>(["ethereum"]);

const HOW_TO_CONFIGURE = "set CLAWKEEP_CHAINS to a JSON file listing them, e.g. [{\"name\":\"base\",\"chain_id\":8453,\"rpc_url\":\"https://...\"}]";

export class Chains {
  private readonly byName = new Map<string, ChainConfig>();
  private readonly byId = new Map<number, ChainConfig>();

  constructor(chains: ChainConfig[]) {
    for (const chain of chains) {
      this.byName.set(chain.name, chain);
      this.byId.set(chain.chainId, chain);
    }
  }

  list(): ChainConfig[] {
    return [...this.byName.values()].filter((chain) => chain.isEnabled);
  }

  /** One chain by name or numeric id; 404 when there is none. */
  get(identifier: string): ChainConfig {
    const chain = this.find(identifier);
    if (!chain) throw new DomainError("not_found", `no chain "${identifier.slice(0, 64)}" is configured${this.byName.size === 0 ? `; ${HOW_TO_CONFIGURE}` : ""}`);
    return chain;
  }

  /** The chain a transaction names; 400 when none is configured or the name is unknown. */
  forTransaction(identifier: string): ChainConfig {
    if (identifier.trim() === "") throw new DomainError("invalid_argument", "chain is required: a chain name such as \"base\" or its numeric chain id");
    if (this.byName.size === 0) throw new DomainError("invalid_argument", `this server has no chains configured; ${HOW_TO_CONFIGURE}`);
    const chain = this.find(identifier);
    if (!chain) throw new DomainError("invalid_argument", `chain "${identifier.slice(0, 64)}" is not configured here; configured: ${[...this.byName.keys()].join(", ")}`);
    return chain;
  }

  private find(identifier: string): ChainConfig | undefined {
    const name = identifier.trim().toLowerCase();
    const chain = /^\d{1,10}$/.test(name) ? this.byId.get(Number(name)) : this.byName.get(name);
    return chain?.isEnabled ? chain : undefined;
  }
}
