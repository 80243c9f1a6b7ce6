// The shapes policy evaluation works on. Storage (vaults/policies.ts) turns rows into these;
// evaluate.ts decides from them alone, with no database and no clock of its own.

export type Permission = "read" | "write" | "delete";
export type Effect = "allow" | "deny";
export type PrincipalType = "user" | "agent";

export const PERMISSIONS: readonly Permission[] = ["read", "write", "delete"];

/**
 * A time window in one IANA time zone. Two shapes are accepted on the wire (rest-surface.md);
 * both parse into this one.
 * - clock: `after`/`before` as minutes since local midnight; after > before wraps midnight.
 * - hours: start hour inclusive, end hour exclusive (24 = end of day), optional days of week.
 */
export type TimeWindow =
  | { kind: "clock"; afterMinute: number; beforeMinute: number; timezone: string }
  | { kind: "hours"; startHour: number; endHour: number; daysOfWeek: number[] | null; timezone: string };

export interface PolicyConditions {
  /** Client address must fall in one of these (addresses or CIDRs, as given). */
  ipAllowlist?: string[];
  timeWindow?: TimeWindow;
}

export interface PolicyRule {
  id: string;
  principalType: PrincipalType;
  principalId: string;
  /** Glob over secret paths: `*` one segment, `**` any number of segments (zero or more). */
  pattern: string;
  permissions: Permission[];
  effect: Effect;
  priority: number;
  expiresAt: Date | null;
  conditions: PolicyConditions;
}

/** What is being asked: may this principal do this on this path, from here, now? */
export interface AccessRequest {
  principal: { type: PrincipalType; id: string };
  path: string;
  permission: Permission;
  /** Vault owners (and the human behind an agent-owned vault) bypass policies. */
  isOwner: boolean;
  clientIp: string;
  now: Date;
}

export type Decision =
  | { allowed: true; reason: "owner" }
  | { allowed: boolean; reason: "policy"; policy: PolicyRule }
  | { allowed: false; reason: "no_matching_policy" };
