// What an agent's signing key holds on a configured chain: its active key's address, asked of
// that chain's node. The same callers as the key list (the agent itself, humans of its
// organisation); nothing is signed, opened or written, so nothing is audited.
import type { Hex } from "viem";
import type { EvmClients } from "../../chains/evm.js";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { Chains } from "./chains.js";
import type { SigningKeys } from "./signing-keys.js";
import { fromSmallestUnit } from "./units.js";

export interface KeyBalance {
  /** The configured chain's name. */
  chain: string;
  address: string;
  wei: bigint;
  /** The balance in the native unit, without trailing zeros ("1.5"). */
  display: string;
  /** The native currency's symbol from the chain's configuration ("ETH"). */
  nativeCurrency: string;
}

export class KeyBalances {
  constructor(
    private readonly keys: SigningKeys,
    private readonly chains: Chains,
    private readonly evm: Pick<EvmClients, "balance">,
  ) {}

  /** 404 for a chain that is not configured (as GetChain) or no active key; 503 naming the chain when its node does not answer. */
  async of(principal: Principal, agentId: string, chainIdentifier: string): Promise<KeyBalance> {
    if (chainIdentifier.trim() === "") throw new DomainError("invalid_argument", "chain is required: a configured chain's name such as \"base\" or its numeric chain id");
    const chain = this.chains.get(chainIdentifier);
    const key = await this.keys.activeFor(principal, agentId, chain.family);
    let wei: bigint;
    try {
      wei = await this.evm.balance(chain, key.address as Hex);
    } catch (error) {
      throw new DomainError("unavailable", `the ${chain.name} node did not answer the balance request; try again later`, { retryAfterSeconds: 5, cause: error });
    }
    return { chain: chain.name, address: key.address, wei, display: fromSmallestUnit(wei, chain.decimals), nativeCurrency: chain.nativeCurrency };
  }
}
