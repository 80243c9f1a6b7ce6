// The decision every secret operation makes once the caller's standing on the vault is known
// (Vaults.access: organisation, agent binding, ownership, the caller's own policies): an agent's
// scopes as a ceiling first, then ownership or the policies by precedence (policy/evaluate.ts).
// Secrets decide reads, writes and deletes with it, shares decide their sender's standing with it,
// and CheckPathAccess asks it for every principal of the organisation, so the three never differ.
import { scopesAllow } from "../agents/scopes.js";
import type { Principal } from "../identity/principal.js";
import { evaluate } from "./policy/evaluate.js";
import type { Decision, Permission } from "./policy/types.js";
import type { VaultAccess } from "./vaults.js";

/** A policy decision, or the agent's scopes refusing before any policy is consulted. */
export type AccessDecision = Decision | { allowed: false; reason: "scopes" };

export function decideAccess(
  principal: Pick<Principal, "type" | "id" | "agent">,
  access: Pick<VaultAccess, "isOwner" | "policies">,
  path: string,
  permission: Permission,
  clientIp: string,
  now: Date,
): AccessDecision {
  if (principal.agent && !scopesAllow(principal.agent.scopes, path, permission)) return { allowed: false, reason: "scopes" };
  return evaluate(access.policies, { principal, path, permission, isOwner: access.isOwner, clientIp, now });
}

/** How a decision is named in audit records: "owner", "policy:<id>", "no_matching_policy", "scopes". */
export function decidedBy(decision: AccessDecision): string {
  return decision.reason === "policy" ? `policy:${decision.policy.id}` : decision.reason;
}
