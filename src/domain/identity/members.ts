// An organisation's people: who is in it, invitations (accepted at sign-up), role changes and
// removal. Owners and admins manage members; only owners grant, change or remove the owner role;
// the last owner can be neither demoted nor removed, checked under a lock so two concurrent
// demotions cannot both succeed.
import type { DataSource, EntityManager } from "typeorm";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import { isUuid } from "../ids.js";
import {
  deletePendingInvitation,
  deletePendingInvitationById,
  deleteUser,
  insertInvitation,
  lockMemberships,
  memberOfOrg,
  membersOfOrg,
  ownerCount,
  pendingInvitationsOfOrg,
  setMemberRole,
  type MemberRow,
  type PendingInvitationRow,
} from "./identity-store.js";
import type { OrgRole, Principal } from "./principal.js";
import type { SessionStanding } from "./session-standing.js";
import { normalizeEmail } from "./validation.js";
import { isOrgRole, ORG_ROLES, requireOrgManager } from "./org-roles.js";

export const INVITATION_TTL_DAYS = 7;

export interface Member {
  id: string;
  email: string;
  displayName: string;
  role: OrgRole;
  createdAt: Date;
}

/** An invitation waiting for its email to sign up. */
export interface PendingInvitation {
  id: string;
  email: string;
  role: OrgRole;
  /** The user who sent it. */
  invitedBy: string;
  createdAt: Date;
  expiresAt: Date;
}

export class Members {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly sessions: SessionStanding,
  ) {}

  async list(principal: Principal): Promise<Member[]> {
    return (await membersOfOrg(this.dataSource, principal.orgId)).map(toMember);
  }

  async invite(principal: Principal, input: { email: string; role: string }, ip: string): Promise<{ email: string }> {
    assertManager(principal);
    const email = normalizeEmail(input.email);
    const role = parseRole(input.role || "member");
    if (role === "owner" && principal.role !== "owner") throw new DomainError("permission_denied", "only an owner can invite another owner");
    await this.dataSource.transaction(async (manager) => {
      // The answer and the work are the same whether or not the email has an account, so that
      // inviting reveals nothing about who uses Clawkeep (as enrollment does not). An invitation
      // of an existing account simply waits unused: it is taken only by a sign-up, and expires.
      // A repeated invitation replaces the pending one rather than piling up.
      await deletePendingInvitation(manager, principal.orgId, email);
      const invitationId = await insertInvitation(manager, { orgId: principal.orgId, email, role, invitedBy: principal.id, ttlDays: INVITATION_TTL_DAYS });
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "org.invite",
        resource: { type: "invitation", id: invitationId },
        details: { email, role },
        ip,
      });
    });
    return { email };
  }

  /** The organisation's pending invitations (not accepted, not expired), newest first; owners and admins. */
  async invitations(principal: Principal): Promise<PendingInvitation[]> {
    requireOrgManager(principal, "only owners and admins see the organisation's invitations");
    return (await pendingInvitationsOfOrg(this.dataSource, principal.orgId)).map(toInvitation);
  }

  /**
   * Deletes a pending invitation, audited; owners and admins, and only an owner revokes an
   * invitation to the owner role (as only an owner sends one). Unknown, another organisation's,
   * accepted and expired invitations are all 404: none of them is pending here.
   */
  async revokeInvitation(principal: Principal, invitationId: string, ip: string): Promise<void> {
    requireOrgManager(principal, "only owners and admins revoke invitations");
    if (!isUuid(invitationId)) throw new DomainError("invalid_argument", "invitation_id must be a UUID");
    await this.dataSource.transaction(async (manager) => {
      const row = await deletePendingInvitationById(manager, principal.orgId, invitationId);
      if (!row) throw new DomainError("not_found", `no pending invitation ${invitationId} in your organisation`);
      // Throwing rolls the delete back.
      if (row.role === "owner" && principal.role !== "owner") throw new DomainError("permission_denied", "only an owner can revoke an invitation to the owner role");
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "org.invitation_revoke",
        resource: { type: "invitation", id: row.id },
        details: { email: row.email, role: row.role },
        ip,
      });
    });
  }

  async changeRole(principal: Principal, userId: string, newRole: string, ip: string): Promise<Member> {
    assertManager(principal);
    const role = parseRole(newRole);
    return this.dataSource.transaction(async (manager) => {
      const target = await this.lockedMember(manager, principal, userId);
      if ((target.role === "owner" || role === "owner") && principal.role !== "owner") {
        throw new DomainError("permission_denied", "only an owner can grant or change the owner role");
      }
      if (target.role === "owner" && role !== "owner") await this.assertNotLastOwner(manager, principal.orgId, "demote");
      await setMemberRole(manager, userId, role);
      await this.sessions.announce(manager, userId, principal.orgId);
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "org.member_role_change",
        resource: { type: "user", id: userId },
        details: { from: target.role, to: role },
        ip,
      });
      return { ...toMember(target), role };
    });
  }

  /** Removes the person from the organisation; their account, sessions and API keys go with it. */
  async remove(principal: Principal, userId: string, ip: string): Promise<void> {
    assertManager(principal);
    await this.dataSource.transaction(async (manager) => {
      const target = await this.lockedMember(manager, principal, userId);
      if (target.role === "owner" && principal.role !== "owner") throw new DomainError("permission_denied", "only an owner can remove an owner");
      if (target.role === "owner") await this.assertNotLastOwner(manager, principal.orgId, "remove");
      await deleteUser(manager, userId);
      await this.sessions.announce(manager, userId, principal.orgId);
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "org.member_remove",
        resource: { type: "user", id: userId },
        details: { email: target.email, role: target.role },
        ip,
      });
    });
  }

  /** Locks every membership of the organisation (so owner counts are stable) and returns the target's. */
  private async lockedMember(manager: EntityManager, principal: Principal, userId: string): Promise<MemberRow> {
    if (!isUuid(userId)) throw new DomainError("invalid_argument", "user_id must be a UUID");
    await lockMemberships(manager, principal.orgId);
    const row = await memberOfOrg(manager, principal.orgId, userId);
    // Someone in another organisation is indistinguishable from nobody.
    if (!row) throw new DomainError("not_found", `no member ${userId} in your organisation`);
    return row;
  }

  private async assertNotLastOwner(manager: EntityManager, orgId: string, verb: string): Promise<void> {
    if ((await ownerCount(manager, orgId)) <= 1) throw new DomainError("invalid_argument", `cannot ${verb} the last owner; make someone else an owner first`);
  }
}

function assertManager(principal: Principal): void {
  requireOrgManager(principal, "only owners and admins manage members");
}

function parseRole(raw: string): OrgRole {
  if (!isOrgRole(raw)) throw new DomainError("invalid_argument", `role must be one of ${ORG_ROLES.join(", ")}; got "${raw.slice(0, 32)}"`);
  return raw;
}

function toInvitation(row: PendingInvitationRow): PendingInvitation {
  return { id: row.id, email: row.email, role: row.role, invitedBy: row.invited_by, createdAt: new Date(row.created_at), expiresAt: new Date(row.expires_at) };
}

function toMember(row: MemberRow): Member {
  return { id: row.id, email: row.email, displayName: row.display_name, role: row.role, createdAt: new Date(row.created_at) };
}
