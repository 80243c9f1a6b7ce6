// The balance of an agent's active signing keys on each configured chain they sign for, as
// GetSigningKeyBalance reads it from that chain's node. A chain whose node does not answer shows
// the API's sentence in its cell instead of failing the page.
import type { Chain, SigningKey } from "../../../../gen/ts/clawkeep/v1/intents_pb.js";
import { apiFailure } from "../api-errors.js";
import { html, join, type Html } from "../html.js";
import type { PageRequest } from "../page.js";

/** The signing-key family a configured chain is served by: every chain with a numeric id is EVM. */
export function familyOf(chain: Chain): string | undefined {
  return chain.chainId > 0 ? "ethereum" : undefined;
}

async function balanceOn(req: PageRequest, agentId: string, chain: Chain): Promise<Html> {
  try {
    const balance = await req.rpc.intents.getSigningKeyBalance({ agentId, chain: chain.name });
    return html`${balance.balanceDisplay} ${balance.nativeCurrency} <span class="muted">on ${chain.displayName || chain.name}</span>`;
  } catch (error) {
    const failure = apiFailure(error);
    if (!failure) throw error;
    return html`<span class="muted">${chain.displayName || chain.name}: ${failure.message}</span>`;
  }
}

/** Balances by signing key id, for the active keys; one line per chain the key signs on. */
export async function balancesOf(req: PageRequest, agentId: string, keys: readonly SigningKey[], chains: readonly Chain[]): Promise<Map<string, Html>> {
  const out = new Map<string, Html>();
  await Promise.all(
    keys
      .filter((key) => key.isActive)
      .map(async (key) => {
        const served = chains.filter((chain) => familyOf(chain) === key.chain);
        if (served.length === 0) return;
        const lines = await Promise.all(served.map((chain) => balanceOn(req, agentId, chain)));
        out.set(key.id, join(lines, "<br>"));
      }),
  );
  return out;
}
