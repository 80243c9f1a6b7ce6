// The identity module's people tables and every statement on them: clawkeep_orgs,
// clawkeep_users, clawkeep_memberships (a user's one organisation and role) and
// clawkeep_invitations. Accounts, members and org settings ask it; other modules ask through the
// exported functions at the end (the vaults module: is someone a member).
import type { DataSource, EntityManager } from "typeorm";
import { rowsOf } from "../../db/rows.js";
import { defineTable } from "../../db/table.js";
import type { OrgRole } from "./org-roles.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_orgs. */
export interface OrgRow {
  id: string;
  name: string;
  created_at: Date;
  /** An approved self-enrolled agent may collect its own API key. */
  agent_key_claim: boolean;
  /** Every Intents API transaction of the organisation's agents is simulated before signing. */
  intents_require_simulation: boolean;
}

/** A row of clawkeep_users. */
export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  display_name: string;
  marketing_emails: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A row of clawkeep_memberships: one per user. */
export interface MembershipRow {
  user_id: string;
  org_id: string;
  role: OrgRole;
  created_at: Date;
}

/** A row of clawkeep_invitations. */
export interface InvitationRow {
  id: string;
  org_id: string;
  email: string;
  role: OrgRole;
  invited_by: string;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
}

export const ORGS = defineTable<OrgRow>("clawkeep_orgs", { id: true, name: true, created_at: true, agent_key_claim: true, intents_require_simulation: true });
export const USERS = defineTable<UserRow>("clawkeep_users", {
  id: true,
  email: true,
  password_hash: true,
  display_name: true,
  marketing_emails: true,
  created_at: true,
  updated_at: true,
});
export const MEMBERSHIPS = defineTable<MembershipRow>("clawkeep_memberships", { user_id: true, org_id: true, role: true, created_at: true });
export const INVITATIONS = defineTable<InvitationRow>("clawkeep_invitations", {
  id: true,
  org_id: true,
  email: true,
  role: true,
  invited_by: true,
  created_at: true,
  expires_at: true,
  accepted_at: true,
});

// ---- Accounts

/** A user with their membership: who signs in, and as what. */
export type AccountRow = Omit<UserRow, "updated_at"> & Pick<MembershipRow, "org_id" | "role">;

const SELECT_ACCOUNTS = `SELECT u."id", u."email", u."password_hash", u."display_name", u."marketing_emails", u."created_at", m."org_id", m."role"
  FROM "clawkeep_users" u JOIN "clawkeep_memberships" m ON m."user_id" = u."id"`;

/** The account with this (canonical) email; undefined without one or without a membership. */
export async function accountByEmail(q: Queryable, email: string): Promise<AccountRow | undefined> {
  const [row]: AccountRow[] = await q.query(`${SELECT_ACCOUNTS} WHERE u."email" = $1`, [email]);
  return row;
}

export async function accountById(q: Queryable, userId: string): Promise<AccountRow | undefined> {
  const [row]: AccountRow[] = await q.query(`${SELECT_ACCOUNTS} WHERE u."id" = $1`, [userId]);
  return row;
}

/** Inserts a user (a taken email fails with 23505); its id. */
export async function insertUser(manager: EntityManager, user: { email: string; passwordHash: string; displayName: string }): Promise<string> {
  const [row]: Pick<UserRow, "id">[] = await manager.query(
    `INSERT INTO "clawkeep_users" ("email", "password_hash", "display_name") VALUES ($1, $2, $3) RETURNING "id"`,
    [user.email, user.passwordHash, user.displayName],
  );
  return row.id;
}

export async function insertOrg(manager: EntityManager, name: string): Promise<string> {
  const [row]: Pick<OrgRow, "id">[] = await manager.query(`INSERT INTO "clawkeep_orgs" ("name") VALUES ($1) RETURNING "id"`, [name]);
  return row.id;
}

export async function insertMembership(manager: EntityManager, membership: { userId: string; orgId: string; role: OrgRole }): Promise<void> {
  await manager.query(`INSERT INTO "clawkeep_memberships" ("user_id", "org_id", "role") VALUES ($1, $2, $3)`, [membership.userId, membership.orgId, membership.role]);
}

export async function setPasswordHash(manager: EntityManager, userId: string, passwordHash: string): Promise<void> {
  await manager.query(`UPDATE "clawkeep_users" SET "password_hash" = $2, "updated_at" = now() WHERE "id" = $1`, [userId, passwordHash]);
}

/** Changes the given profile fields; null keeps a field as it is. */
export async function updateUserProfile(manager: EntityManager, userId: string, changes: { displayName: string | null; marketingEmails: boolean | null }): Promise<void> {
  await manager.query(
    `UPDATE "clawkeep_users" SET "display_name" = coalesce($2, "display_name"), "marketing_emails" = coalesce($3, "marketing_emails"),
     "updated_at" = now() WHERE "id" = $1`,
    [userId, changes.displayName, changes.marketingEmails],
  );
}

/** Deletes the user; their membership, sessions and API keys go with them (foreign keys). */
export async function deleteUser(manager: EntityManager, userId: string): Promise<void> {
  await manager.query(`DELETE FROM "clawkeep_users" WHERE "id" = $1`, [userId]);
}

// ---- Members

/** A member as listed: the user's name and email, the membership's role and date. */
export type MemberRow = Pick<UserRow, "id" | "email" | "display_name"> & Pick<MembershipRow, "role" | "created_at">;

const SELECT_MEMBERS = `SELECT u."id", u."email", u."display_name", m."role", m."created_at"
  FROM "clawkeep_memberships" m JOIN "clawkeep_users" u ON u."id" = m."user_id"`;

export function membersOfOrg(q: Queryable, orgId: string): Promise<MemberRow[]> {
  return q.query(`${SELECT_MEMBERS} WHERE m."org_id" = $1 ORDER BY m."created_at", u."email"`, [orgId]);
}

export async function memberOfOrg(q: Queryable, orgId: string, userId: string): Promise<MemberRow | undefined> {
  const [row]: MemberRow[] = await q.query(`${SELECT_MEMBERS} WHERE m."org_id" = $1 AND m."user_id" = $2`, [orgId, userId]);
  return row;
}

/** Locks every membership of the organisation for the transaction, so owner counts stay stable. */
export async function lockMemberships(manager: EntityManager, orgId: string): Promise<void> {
  await manager.query(`SELECT 1 FROM "clawkeep_memberships" WHERE "org_id" = $1 FOR UPDATE`, [orgId]);
}

export async function ownerCount(q: Queryable, orgId: string): Promise<number> {
  const [{ owners }]: { owners: number }[] = await q.query(`SELECT count(*)::int AS "owners" FROM "clawkeep_memberships" WHERE "org_id" = $1 AND "role" = 'owner'`, [orgId]);
  return owners;
}

export async function setMemberRole(manager: EntityManager, userId: string, role: OrgRole): Promise<void> {
  await manager.query(`UPDATE "clawkeep_memberships" SET "role" = $2 WHERE "user_id" = $1`, [userId, role]);
}

// ---- Invitations

/** Drops the organisation's pending invitation of the email, if any (a new one replaces it). */
export async function deletePendingInvitation(manager: EntityManager, orgId: string, email: string): Promise<void> {
  await manager.query(`DELETE FROM "clawkeep_invitations" WHERE "org_id" = $1 AND "email" = $2 AND "accepted_at" IS NULL`, [orgId, email]);
}

/** Inserts an invitation that expires `ttlDays` from now; its id. */
export async function insertInvitation(manager: EntityManager, invitation: { orgId: string; email: string; role: OrgRole; invitedBy: string; ttlDays: number }): Promise<string> {
  const [row]: Pick<InvitationRow, "id">[] = await manager.query(
    `INSERT INTO "clawkeep_invitations" ("org_id", "email", "role", "invited_by", "expires_at")
     VALUES ($1, $2, $3, $4, now() + make_interval(days => $5)) RETURNING "id"`,
    [invitation.orgId, invitation.email, invitation.role, invitation.invitedBy, invitation.ttlDays],
  );
  return row.id;
}

/** A pending invitation as listed. */
export type PendingInvitationRow = Pick<InvitationRow, "id" | "email" | "role" | "invited_by" | "created_at" | "expires_at">;

/** The organisation's invitations that are neither accepted nor expired, newest first. */
export function pendingInvitationsOfOrg(q: Queryable, orgId: string): Promise<PendingInvitationRow[]> {
  return q.query(
    `SELECT "id", "email", "role", "invited_by", "created_at", "expires_at" FROM "clawkeep_invitations"
     WHERE "org_id" = $1 AND "accepted_at" IS NULL AND "expires_at" > now() ORDER BY "created_at" DESC, "id"`,
    [orgId],
  );
}

/** Deletes the organisation's pending (unaccepted, unexpired) invitation with this id; the row deleted, if any. */
export async function deletePendingInvitationById(manager: EntityManager, orgId: string, invitationId: string): Promise<PendingInvitationRow | undefined> {
  const [row] = rowsOf<PendingInvitationRow>(
    await manager.query(
      `DELETE FROM "clawkeep_invitations" WHERE "id" = $1 AND "org_id" = $2 AND "accepted_at" IS NULL AND "expires_at" > now()
       RETURNING "id", "email", "role", "invited_by", "created_at", "expires_at"`,
      [invitationId, orgId],
    ),
  );
  return row;
}

/** Accepts the newest pending, unexpired invitation of the email (locked, so only one sign-up takes it). */
export async function acceptInvitation(manager: EntityManager, email: string): Promise<Pick<InvitationRow, "id" | "org_id" | "role"> | undefined> {
  const [row] = rowsOf<Pick<InvitationRow, "id" | "org_id" | "role">>(
    await manager.query(
      `UPDATE "clawkeep_invitations" SET "accepted_at" = now()
       WHERE "id" = (SELECT "id" FROM "clawkeep_invitations" WHERE "email" = $1 AND "accepted_at" IS NULL AND "expires_at" > now()
                     ORDER BY "created_at" DESC LIMIT 1 FOR UPDATE)
       RETURNING "id", "org_id", "role"`,
      [email],
    ),
  );
  return row;
}

// ---- Organisation settings

/** The organisation's settings; undefined when there is no such organisation. */
export async function orgSettingsRow(q: Queryable, orgId: string): Promise<Pick<OrgRow, "agent_key_claim" | "intents_require_simulation"> | undefined> {
  const [row]: Pick<OrgRow, "agent_key_claim" | "intents_require_simulation">[] = await q.query(
    `SELECT "agent_key_claim", "intents_require_simulation" FROM "clawkeep_orgs" WHERE "id" = $1`,
    [orgId],
  );
  return row;
}

/** Sets intents_require_simulation; the value stored. */
export async function setIntentsRequireSimulation(manager: EntityManager, orgId: string, value: boolean): Promise<boolean> {
  const [row] = rowsOf<Pick<OrgRow, "intents_require_simulation">>(
    await manager.query(`UPDATE "clawkeep_orgs" SET "intents_require_simulation" = $2 WHERE "id" = $1 RETURNING "intents_require_simulation"`, [orgId, value]),
  );
  return row.intents_require_simulation;
}

/** Sets agent_key_claim; the value stored. */
export async function setAgentKeyClaim(manager: EntityManager, orgId: string, agentKeyClaim: boolean): Promise<boolean> {
  const [row] = rowsOf<Pick<OrgRow, "agent_key_claim">>(
    await manager.query(`UPDATE "clawkeep_orgs" SET "agent_key_claim" = $2 WHERE "id" = $1 RETURNING "agent_key_claim"`, [orgId, agentKeyClaim]),
  );
  return row.agent_key_claim;
}

// ---- For other modules

/** Whether the user is a member of the organisation. */
export async function isMember(q: Queryable, orgId: string, userId: string): Promise<boolean> {
  const [found]: unknown[] = await q.query(`SELECT 1 FROM "clawkeep_memberships" WHERE "user_id" = $1 AND "org_id" = $2`, [userId, orgId]);
  return found !== undefined;
}
