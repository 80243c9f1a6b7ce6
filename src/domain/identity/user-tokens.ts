// Resolves a human's verified access token (AccessTokenVerifier checked the signature): a
// session that is still active (or, for a token exchanged from a personal API key, a key that
// is still neither revoked nor expired). Role and organisation come from the membership as it is
// now (session-standing.ts keeps it current), so a demotion or removal applies on the next call
// rather than when the token expires.
import type { JWTPayload } from "jose";
import type { PersonalApiKeys } from "./api-keys.js";
import type { ClaimsResolver } from "./access-tokens.js";
import { isUuid } from "../ids.js";
import type { Principal } from "./principal.js";
import type { SessionStanding } from "./session-standing.js";

export class UserTokens implements ClaimsResolver {
  constructor(
    private readonly apiKeys: PersonalApiKeys,
    private readonly sessions: SessionStanding,
  ) {}

  async principalFor(userId: string, claims: JWTPayload): Promise<Principal | undefined> {
    if (typeof claims.akid === "string") return this.apiKeys.principalForKeyId(claims.akid, userId);
    if (typeof claims.sid !== "string") return undefined;
    if (!isUuid(userId) || !isUuid(claims.sid)) return undefined;
    const membership = await this.sessions.of(claims.sid, userId);
    if (!membership) return undefined;
    return { type: "user", id: userId, orgId: membership.orgId, role: membership.role, sessionId: claims.sid };
  }
}
