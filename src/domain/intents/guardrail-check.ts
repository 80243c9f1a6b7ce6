// The guardrails an agent's transaction must pass, decided before any key is touched. Pure: the
// caller supplies the agent's guardrails, the request, and (for the rolling 24-hour limits) what
// the agent has already spent, read under its spend lock. Each refusal names its rule, the limit
// and the attempted value.
import type { Guardrails } from "../agents/guardrails.js";
import { DomainError } from "../errors.js";
import { fromSmallestUnit, toSmallestUnit } from "./units.js";

export interface Denial {
  rule: string;
  limit: string;
  attempted: string;
  detail: string;
}

export interface TxFacts {
  chainName: string;
  chainId: number;
  to: string;
  valueWei: bigint;
  decimals: number;
  nativeCurrency: string;
  /** Set when the calldata is an ERC-20 transfer, transferFrom or approve. */
  token?: TokenCall;
}

export interface TokenCall {
  method: "transfer" | "transferFrom" | "approve";
  /** The token contract (the transaction's `to`). */
  contract: string;
  /** The recipient (transfer, transferFrom) or the spender (approve). */
  counterparty: string;
  amount: bigint;
}

const SELECTORS: Record<string, TokenCall["method"]> = { a9059cbb: "transfer", "23b872dd": "transferFrom", "095ea7b3": "approve" };

/** Reads ERC-20 transfer/transferFrom/approve calldata; undefined for anything else. Malformed is 400. */
export function tokenCallOf(to: string, data: string): TokenCall | undefined {
  const hex = data.startsWith("0x") ? data.slice(2) : data;
  const method = SELECTORS[hex.slice(0, 8).toLowerCase()];
  if (!method) return undefined;
  const words = method === "transferFrom" ? 3 : 2;
  const args = hex.slice(8);
  if (args.length < words * 64) throw new DomainError("invalid_argument", `data is an ERC-20 ${method} call too short to hold its ${words} arguments`);
  const word = (i: number) => args.slice(i * 64, (i + 1) * 64);
  const addressWord = (i: number) => {
    const w = word(i);
    if (!/^0{24}/.test(w)) throw new DomainError("invalid_argument", `data is an ERC-20 ${method} call whose address argument ${i} is not an address`);
    return "0x" + w.slice(24).toLowerCase();
  };
  const counterparty = method === "transferFrom" ? addressWord(1) : addressWord(0);
  const amount = BigInt("0x" + word(words - 1));
  return { method, contract: to.toLowerCase(), counterparty, amount };
}

/** The limits that need no history: chains, destinations, tokens, per-transaction value. */
export function checkStatic(g: Guardrails, tx: TxFacts): Denial | undefined {
  const chains = g.tx_allowed_chains as string[] | undefined;
  if (chains && !chains.some((c) => c.toLowerCase() === tx.chainName || c === String(tx.chainId))) {
    return deny("tx_allowed_chains", chains.join(","), tx.chainName, `chain "${tx.chainName}" is not in tx_allowed_chains (${chains.join(", ")})`);
  }
  const toList = (g.tx_to_allowlist as string[] | undefined)?.map((a) => a.toLowerCase());
  const destination = tx.token ? tx.token.counterparty : tx.to.toLowerCase();
  if (toList && !toList.includes(destination)) {
    const what = tx.token ? `the ERC-20 ${tx.token.method} ${tx.token.method === "approve" ? "spender" : "recipient"} ${destination}` : `destination ${destination}`;
    return deny("tx_to_allowlist", toList.join(","), destination, `${what} is not in tx_to_allowlist (${toList.join(", ")})`);
  }
  const tokens = (g.tx_token_allowlist as string[] | undefined)?.map((a) => a.toLowerCase());
  if (tx.token && tokens && !tokens.includes(tx.token.contract)) {
    return deny("tx_token_allowlist", tokens.join(","), tx.token.contract, `token contract ${tx.token.contract} is not in tx_token_allowlist (${tokens.join(", ")})`);
  }
  const max = g.tx_max_value as string | undefined;
  if (max !== undefined) {
    const maxWei = toSmallestUnit(max, tx.decimals, "tx_max_value");
    if (tx.valueWei > maxWei) {
      const attempted = fromSmallestUnit(tx.valueWei, tx.decimals);
      return deny("tx_max_value", max, attempted, `value ${attempted} ${tx.nativeCurrency} exceeds tx_max_value of ${max} ${tx.nativeCurrency}`);
    }
  }
  return undefined;
}

/** The rolling 24-hour limits, given what the agent has spent and sent in the last 24 hours. */
export function checkDaily(g: Guardrails, tx: TxFacts, spent: { valueWei: bigint; count: number }): Denial | undefined {
  const perDay = g.tx_max_per_day as number | undefined;
  if (perDay !== undefined && spent.count + 1 > perDay) {
    return deny("tx_max_per_day", String(perDay), String(spent.count + 1), `this would be transaction ${spent.count + 1} in 24 hours; tx_max_per_day is ${perDay}`);
  }
  const daily = g.tx_daily_limit as string | undefined;
  if (daily !== undefined) {
    const limitWei = toSmallestUnit(daily, tx.decimals, "tx_daily_limit");
    const total = spent.valueWei + tx.valueWei;
    if (total > limitWei) {
      const attempted = fromSmallestUnit(tx.valueWei, tx.decimals);
      const spentText = fromSmallestUnit(spent.valueWei, tx.decimals);
      return deny(
        "tx_daily_limit",
        daily,
        attempted,
        `value ${attempted} ${tx.nativeCurrency} on top of ${spentText} ${tx.nativeCurrency} spent in the last 24 hours exceeds tx_daily_limit of ${daily} ${tx.nativeCurrency}`,
      );
    }
  }
  return undefined;
}

function deny(rule: string, limit: string, attempted: string, detail: string): Denial {
  return { rule, limit, attempted, detail: `guardrail ${rule}: ${detail} (limit ${limit}, attempted ${attempted})` };
}
