// The balance of an agent's active signing keys on each configured chain.
// GetSigningKeyBalance (IntentService) is still being added on another branch; until it is merged
// the balance column stays empty.
import type { Chain, SigningKey } from "../../../../gen/ts/clawkeep/v1/intents_pb.js";
import type { Html } from "../html.js";
import type { PageRequest } from "../page.js";

/** Balances by signing key id, for the keys that have one to show. */
export async function balancesOf(_req: PageRequest, _agentId: string, _keys: readonly SigningKey[], _chains: readonly Chain[]): Promise<Map<string, Html>> {
  return new Map();
}
