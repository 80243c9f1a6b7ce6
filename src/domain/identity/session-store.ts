// The sessions table and every statement on it: clawkeep_sessions, one row per refresh token
// (stored by keyed hash), grouped into families by sign-in. sessions.ts asks it when tokens are
// issued, rotated and revoked; user-tokens.ts on every call with a session's access token.
import type { DataSource, EntityManager } from "typeorm";
import { hotStatement, runHot } from "../../db/hot-query.js";
import { rowsOf } from "../../db/rows.js";
import { defineTable } from "../../db/table.js";
import type { MembershipRow } from "./identity-store.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_sessions. */
export interface SessionRow {
  id: string;
  user_id: string;
  family_id: string;
  refresh_hash: Buffer;
  status: "active" | "rotated" | "revoked";
  created_at: Date;
  expires_at: Date;
  ended_at: Date | null;
}

export const SESSIONS = defineTable<SessionRow>("clawkeep_sessions", {
  id: true,
  user_id: true,
  family_id: true,
  refresh_hash: true,
  status: true,
  created_at: true,
  expires_at: true,
  ended_at: true,
});

/** A session found by its refresh token, with its user's membership. */
export type RefreshSession = Pick<SessionRow, "id" | "user_id" | "family_id" | "status"> & Pick<MembershipRow, "org_id" | "role"> & { expired: boolean };

/** Inserts an active session of the family that expires `ttlSeconds` from now; its id. */
export async function insertSession(manager: EntityManager, session: { userId: string; familyId: string; refreshHash: Buffer; ttlSeconds: number }): Promise<string> {
  const [row]: Pick<SessionRow, "id">[] = await manager.query(
    `INSERT INTO "clawkeep_sessions" ("user_id", "family_id", "refresh_hash", "status", "expires_at")
     VALUES ($1, $2, $3, 'active', now() + make_interval(secs => $4)) RETURNING "id"`,
    [session.userId, session.familyId, session.refreshHash, session.ttlSeconds],
  );
  return row.id;
}

/** The session of a refresh token, locked for its rotation; undefined for an unknown token or a user without membership. */
export async function sessionByRefreshHashForUpdate(manager: EntityManager, refreshHash: Buffer): Promise<RefreshSession | undefined> {
  const [row]: RefreshSession[] = await manager.query(
    `SELECT s."id", s."user_id", s."family_id", s."status", s."expires_at" <= now() AS "expired", m."org_id", m."role"
     FROM "clawkeep_sessions" s JOIN "clawkeep_memberships" m ON m."user_id" = s."user_id"
     WHERE s."refresh_hash" = $1 FOR UPDATE OF s`,
    [refreshHash],
  );
  return row;
}

/** Retires a session whose refresh token was traded for a new one. */
export async function markSessionRotated(manager: EntityManager, sessionId: string): Promise<void> {
  await manager.query(`UPDATE "clawkeep_sessions" SET "status" = 'rotated', "ended_at" = now() WHERE "id" = $1`, [sessionId]);
}

/** Revokes sessions not revoked yet: one, a family, or every one of a user except `keep`. How many, and whose. */
export async function revokeSessions(
  manager: EntityManager,
  filter: { sessionId: string } | { userId: string; keep?: string } | { familyId: string },
): Promise<{ revoked: number; userIds: string[] }> {
  const [where, params] =
    "sessionId" in filter
      ? [`"id" = $1`, [filter.sessionId]]
      : "familyId" in filter
        ? [`"family_id" = $1`, [filter.familyId]]
        : [`"user_id" = $1 AND "id" <> coalesce($2::uuid, '00000000-0000-0000-0000-000000000000')`, [filter.userId, filter.keep ?? null]];
  const rows: Pick<SessionRow, "user_id">[] = rowsOf(
    await manager.query(`UPDATE "clawkeep_sessions" SET "status" = 'revoked', "ended_at" = now() WHERE ${where} AND "status" <> 'revoked' RETURNING "user_id"`, params),
  );
  return { revoked: rows.length, userIds: [...new Set(rows.map((row) => row.user_id))] };
}

// ---- The hot path: every call with a session's access token

const SESSION_MEMBER = hotStatement(
  "session_member_expiry",
  `SELECT m."org_id", m."role", s."expires_at" FROM "clawkeep_sessions" s JOIN "clawkeep_memberships" m ON m."user_id" = s."user_id"
   WHERE s."id" = $1 AND s."user_id" = $2 AND s."status" <> 'revoked' AND s."expires_at" > now()`,
);

/** The user's membership, and when the session expires, while it is neither revoked nor expired; one statement. */
export async function liveSessionMembership(q: Queryable, sessionId: string, userId: string): Promise<(Pick<MembershipRow, "org_id" | "role"> & Pick<SessionRow, "expires_at">) | undefined> {
  const [row] = await runHot<Pick<MembershipRow, "org_id" | "role"> & Pick<SessionRow, "expires_at">>(q, SESSION_MEMBER, [sessionId, userId]);
  return row;
}
