// The roles of an organisation and the questions every module asks about them, declared once:
// who manages the organisation, and who may change an agent. A rule written out at a call site
// is a rule that one call site forgets (the user check, the admin role).
import { DomainError } from "../errors.js";
import type { Principal } from "./principal.js";

export const ORG_ROLES = ["owner", "admin", "member"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/** A person (not an agent) who is an owner or admin of their organisation. */
export function isOrgManager(principal: Pick<Principal, "type" | "role">): boolean {
  return principal.type === "user" && (principal.role === "owner" || principal.role === "admin");
}

/** Refuses anyone but an organisation manager, with `refusal` as the sentence they read. */
export function requireOrgManager(principal: Pick<Principal, "type" | "role">, refusal: string): void {
  if (!isOrgManager(principal)) throw new DomainError("permission_denied", refusal);
}

/** The person who created (or approved) the agent, or an organisation manager. */
export function canManageAgent(principal: Pick<Principal, "type" | "id" | "role">, createdBy: string): boolean {
  return principal.type === "user" && (principal.id === createdBy || isOrgManager(principal));
}

export function isOrgRole(value: string): value is OrgRole {
  return (ORG_ROLES as readonly string[]).includes(value);
}
