// The transaction guardrails of an agent: stored with it now, enforced by the Intents API. Each
// field is validated here so that what the signer later reads is well formed.
import { DomainError } from "../errors.js";

export type Guardrails = Record<string, unknown>;

const DECIMAL = /^\d{1,30}(\.\d{1,30})?$/;
const STRING_LISTS = ["tx_to_allowlist", "tx_allowed_chains", "tx_token_allowlist", "xrpl_allowed_tx_types", "solana_ata_allowlist"];
const DECIMALS = ["tx_max_value", "tx_daily_limit"];

/**
 * Validates guardrail fields given by their wire names; empty strings, empty lists and absent
 * values are dropped (no limit). The deprecated *_eth fields fill their successors when those
 * are empty.
 */
export function parseGuardrails(input: Record<string, unknown>): Guardrails {
  const out: Guardrails = {};
  for (const field of STRING_LISTS) {
    const value = input[field];
    if (value === undefined) continue;
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item.length === 0 || item.length > 200)) {
      throw new DomainError("invalid_argument", `${field} must be a list of non-empty strings of at most 200 characters`);
    }
    if (value.length > 0) out[field] = [...new Set(value as string[])];
  }
  for (const field of DECIMALS) {
    const value = (input[field] as string | undefined) || (input[`${field}_eth`] as string | undefined);
    if (value === undefined || value === "") continue;
    if (typeof value !== "string" || !DECIMAL.test(value)) throw new DomainError("invalid_argument", `${field} must be a non-negative decimal string such as "0.5", got "${String(value).slice(0, 40)}"`);
    out[field] = value;
  }
  const perDay = input.tx_max_per_day;
  if (perDay !== undefined) {
    if (!Number.isInteger(perDay) || (perDay as number) < 0) throw new DomainError("invalid_argument", `tx_max_per_day must be 0 or more, got ${String(perDay)}`);
    out.tx_max_per_day = perDay;
  }
  if (input.tx_known_tokens_only === true) out.tx_known_tokens_only = true;
  const budget = input.tx_overhead_budget;
  if (budget && typeof budget === "object" && Object.keys(budget).length > 0) {
    for (const [chain, value] of Object.entries(budget as Record<string, unknown>)) {
      if (typeof value !== "string" || !DECIMAL.test(value)) throw new DomainError("invalid_argument", `tx_overhead_budget.${chain} must be a non-negative decimal string`);
    }
    out.tx_overhead_budget = budget;
  }
  const perChain = input.per_chain_guardrails;
  if (perChain && typeof perChain === "object" && Object.keys(perChain).length > 0) {
    for (const [chain, value] of Object.entries(perChain as Record<string, unknown>)) {
      if (!value || typeof value !== "object" || Array.isArray(value)) throw new DomainError("invalid_argument", `per_chain_guardrails.${chain} must be an object`);
    }
    out.per_chain_guardrails = perChain;
  }
  return out;
}
