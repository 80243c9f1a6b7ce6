// Sign-in sessions: a refresh token (stored by keyed hash) plus the short-lived access tokens
// issued for it. Rotating a refresh token retires the old one; presenting a retired one again
// means it leaked, so the whole family of sessions descended from that sign-in is revoked.
import { randomBytes, randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { hashApiKey } from "../../crypto/api-keys.js";
import type { JwtKeys } from "../../crypto/jwt-keys.js";
import { DomainError } from "../errors.js";
import type { OrgRole } from "./principal.js";
import type { SessionStanding } from "./session-standing.js";
import { insertSession, markSessionRotated, revokeSessions, sessionByRefreshHashForUpdate, type RefreshSession } from "./session-store.js";

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
    private readonly standing: SessionStanding,
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
    const sessionId = await insertSession(manager, { userId: user.userId, familyId, refreshHash: this.hashRefreshToken(refreshToken), ttlSeconds: REFRESH_TOKEN_TTL_SECONDS });
    return { accessToken: await this.accessToken(user, sessionId), expiresIn: ACCESS_TOKEN_TTL_SECONDS, refreshToken, sessionId };
  }

  /**
   * Trades a refresh token for a new pair. The old token is retired; presenting a retired token
   * again revokes every session of its family (the revocation commits even though the call fails).
   */
  async rotate(dataSource: DataSource, refreshToken: string, onReuse: (manager: EntityManager, session: RefreshSession) => Promise<unknown>): Promise<IssuedTokens & SessionUser> {
    const hash = this.hashRefreshToken(refreshToken);
    const outcome = await dataSource.transaction(async (manager): Promise<{ tokens?: IssuedTokens & SessionUser; error?: string }> => {
      const session = await sessionByRefreshHashForUpdate(manager, hash);
      if (!session) return { error: "the refresh token is not valid" };
      if (session.status === "rotated") {
        await this.revoke(manager, { familyId: session.family_id }, session.org_id);
        await onReuse(manager, session);
        return { error: "the refresh token was already used; every session of that sign-in has been revoked" };
      }
      if (session.status === "revoked" || session.expired) return { error: "the refresh token has expired or was revoked" };
      await markSessionRotated(manager, session.id);
      const user = { userId: session.user_id, orgId: session.org_id, role: session.role };
      return { tokens: { ...(await this.insert(manager, user, session.family_id)), ...user } };
    });
    if (!outcome.tokens) throw new DomainError("unauthenticated", outcome.error ?? "the refresh token is not valid");
    return outcome.tokens;
  }

  /**
   * Ends sessions: one, a family, or every session of a user except `keep`; how many. Their access
   * tokens stop working with the commit, on every instance (see session-standing.ts).
   */
  async revoke(manager: EntityManager, filter: { sessionId: string } | { userId: string; keep?: string } | { familyId: string }, orgId: string): Promise<number> {
    const { revoked, userIds } = await revokeSessions(manager, filter);
    for (const userId of userIds) await this.standing.announce(manager, userId, orgId);
    return revoked;
  }
}
