// Sign-in sessions: a refresh token (stored by keyed hash) plus the short-lived access tokens
// issued for it. Rotating a refresh token retires the old one; presenting a retired one again
// means it leaked, so the whole family of sessions descended from that sign-in is revoked.
import { randomBytes, randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import { hashApiKey } from "../../crypto/api-keys.js";
import type { JwtKeys } from "../../crypto/jwt-keys.js";
import type { OrgRole } from "./principal.js";

export const ACCESS_TOKEN_TTL_SECONDS = 900;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export interface IssuedTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  sessionId: string;
}

export interface SessionUser {
  userId: string;
  orgId: string;
  role: OrgRole;
}

export class Sessions {
  constructor(
    private readonly jwtKeys: JwtKeys,
    private readonly refreshPepper: Buffer,
  ) {}

  /** Starts a new session (a new family) for a user who just proved who they are. */
  async start(manager: EntityManager, user: SessionUser): Promise<IssuedTokens> {
    return this.insert(manager, user, randomUUID());
  }

  async accessToken(user: SessionUser, sessionId: string): Promise<string> {
    return this.jwtKeys.sign({ sub: `user:${user.userId}`, org: user.orgId, role: user.role, sid: sessionId }, ACCESS_TOKEN_TTL_SECONDS);
  }

  hashRefreshToken(token: string): Buffer {
    return hashApiKey(this.refreshPepper, token);
  }

  async insert(manager: EntityManager, user: SessionUser, familyId: string): Promise<IssuedTokens> {
    const refreshToken = `ckr_${randomBytes(32).toString("base64url")}`;
    const [row]: { id: string }[] = await manager.query(
      `INSERT INTO "clawkeep_sessions" ("user_id", "family_id", "refresh_hash", "status", "expires_at")
       VALUES ($1, $2, $3, 'active', now() + make_interval(secs => $4)) RETURNING "id"`,
      [user.userId, familyId, this.hashRefreshToken(refreshToken), REFRESH_TOKEN_TTL_SECONDS],
    );
    return { accessToken: await this.accessToken(user, row.id), expiresIn: ACCESS_TOKEN_TTL_SECONDS, refreshToken, sessionId: row.id };
  }

  /** Ends sessions: one, or every session of a user except `keep`. */
  async revoke(manager: EntityManager, filter: { sessionId: string } | { userId: string; keep?: string } | { familyId: string }): Promise<number> {
    const [where, params] =
      "sessionId" in filter
        ? [`"id" = $1`, [filter.sessionId]]
        : "familyId" in filter
          ? [`"family_id" = $1`, [filter.familyId]]
          : [`"user_id" = $1 AND "id" <> coalesce($2::uuid, '00000000-0000-0000-0000-000000000000')`, [filter.userId, filter.keep ?? null]];
    const result: [unknown[], number] = await manager.query(
      `UPDATE "clawkeep_sessions" SET "status" = 'revoked', "ended_at" = now() WHERE ${where} AND "status" <> 'revoked'`,
      params,
    );
    return result[1] ?? 0;
  }
}
