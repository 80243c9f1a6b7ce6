// A partial update of an agent, by wire field name: a key present means "set" (null clears a
// clearable field), a key absent means "keep". Validated here into column values and guardrails.
import { DomainError } from "../errors.js";
import { isUuid } from "../ids.js";
import { parseGuardrails, type Guardrails } from "./guardrails.js";
import { validateScopes } from "./scopes.js";

export interface AgentChanges {
  name?: string | null;
  description?: string | null;
  scopes?: string[] | null;
  is_active?: boolean | null;
  expires_at?: Date | null;
  api_key_expires_at?: Date | null;
  token_ttl_seconds?: number | null;
  vault_ids?: string[] | null;
  intents_api_enabled?: boolean | null;
  /** Guardrail fields (tx_*, xrpl_*, per_chain_guardrails, solana_ata_allowlist) by wire name. */
  guardrails?: Record<string, unknown>;
}

/** Column values for the agent row; guardrails are merged separately. */
export function columnsOf(changes: AgentChanges): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  if ("name" in changes) {
    const name = (changes.name ?? "").trim();
    if (name.length < 1 || name.length > 100) throw new DomainError("invalid_argument", "name must be 1 to 100 characters");
    columns.name = name;
  }
  if ("description" in changes) {
    const description = (changes.description ?? "").trim();
    if (description.length > 1000) throw new DomainError("invalid_argument", `description is ${description.length} characters; at most 1000 are allowed`);
    columns.description = description;
  }
  if ("scopes" in changes) columns.scopes = validateScopes(changes.scopes ?? []);
  for (const flag of ["is_active", "intents_api_enabled"] as const) {
    if (!(flag in changes)) continue;
    if (typeof changes[flag] !== "boolean") throw new DomainError("invalid_argument", `${flag} must be true or false; it cannot be cleared`);
    columns[flag] = changes[flag];
  }
  for (const field of ["expires_at", "api_key_expires_at"] as const) {
    if (field in changes) columns[field] = changes[field] ?? null;
  }
  if ("token_ttl_seconds" in changes) {
    const ttl = changes.token_ttl_seconds ?? null;
    if (ttl !== null && (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400)) throw new DomainError("invalid_argument", `token_ttl_seconds must be 1-86400, got ${ttl}`);
    columns.token_ttl_seconds = ttl;
  }
  if ("vault_ids" in changes) {
    const ids = [...new Set(changes.vault_ids ?? [])];
    const bad = ids.find((id) => !isUuid(id));
    if (bad !== undefined) throw new DomainError("invalid_argument", `every entry of vault_ids must be a UUID, got "${String(bad).slice(0, 40)}"`);
    columns.vault_ids = ids;
  }
  return columns;
}

/** The agent's guardrails with the named fields replaced (validated) or, when null, removed. */
export function mergeGuardrails(current: Guardrails, changes: AgentChanges): Guardrails {
  if (!changes.guardrails) return current;
  const merged: Guardrails = { ...current };
  const given = Object.fromEntries(Object.entries(changes.guardrails).filter(([, value]) => value !== null && value !== undefined));
  const parsed = parseGuardrails(given);
  for (const key of Object.keys(changes.guardrails)) {
    const field = key.replace(/_eth$/, "");
    delete merged[field];
    if (parsed[field] !== undefined) merged[field] = parsed[field];
  }
  return merged;
}
