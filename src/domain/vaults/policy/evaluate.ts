// The access decision for one principal, permission and secret path. Pure: the caller loads
// the vault's policies and supplies the clock and client address, so every rule here is
// testable without a database.
//
// Order of precedence among the policies that apply (see comparePrecedence):
//   1. higher priority first (1Claw: "a higher priority wins conflicts");
//   2. at equal priority, deny before allow (rest-surface.md: "deny wins");
//   3. then the lowest id, so the deciding policy named in audit records does not depend on
//      the order the database happened to return rows in.
// No applicable policy means deny: an agent with no policies has no access.
import { conditionsHold } from "./conditions.js";
import { matchesPattern } from "./glob.js";
import type { AccessRequest, Decision, PolicyRule } from "./types.js";

/** A request for many paths at once (listing secrets). */
export type PathlessRequest = Omit<AccessRequest, "path">;

const OWNER: Decision = { allowed: true, reason: "owner" };
const NO_MATCH: Decision = { allowed: false, reason: "no_matching_policy" };

/** Negative when `a` decides before `b`. */
export function comparePrecedence(a: PolicyRule, b: PolicyRule): number {
  if (a.priority !== b.priority) return b.priority > a.priority ? 1 : -1;
  if (a.effect !== b.effect) return a.effect === "deny" ? -1 : 1;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1; // code-unit order: locale-independent
}

/** Everything about a policy applying except its path pattern and conditions. */
function appliesTo(policy: PolicyRule, request: PathlessRequest): boolean {
  return (
    policy.principalType === request.principal.type &&
    policy.principalId === request.principal.id &&
    (policy.expiresAt === null || policy.expiresAt.getTime() > request.now.getTime()) &&
    policy.permissions.includes(request.permission)
  );
}

function decided(policy: PolicyRule): Decision {
  return { allowed: policy.effect === "allow", reason: "policy", policy };
}

export function evaluate(policies: readonly PolicyRule[], request: AccessRequest): Decision {
  if (request.isOwner) return OWNER;
  let best: PolicyRule | undefined;
  for (const policy of policies) {
    if (!appliesTo(policy, request) || !matchesPattern(policy.pattern, request.path)) continue;
    // Conditions cost the most (time zones, CIDR sets): only check them for a possible winner.
    if (best !== undefined && comparePrecedence(policy, best) >= 0) continue;
    if (!conditionsHold(policy.conditions, request.clientIp, request.now)) continue;
    best = policy;
  }
  return best === undefined ? NO_MATCH : decided(best);
}

/**
 * evaluate() for each of `paths`, in order, with the same answers. It checks each policy's
 * principal, expiry, permission and conditions once rather than once per path.
 */
export function evaluateMany(policies: readonly PolicyRule[], request: PathlessRequest, paths: readonly string[]): Decision[] {
  if (request.isOwner) return paths.map(() => OWNER);
  const candidates = policies
    .filter((policy) => appliesTo(policy, request) && conditionsHold(policy.conditions, request.clientIp, request.now))
    .sort(comparePrecedence);
  return paths.map((path) => {
    const winner = candidates.find((policy) => matchesPattern(policy.pattern, path));
    return winner === undefined ? NO_MATCH : decided(winner);
  });
}
