// Resolves a human's verified access token (AccessTokenVerifier checked the signature): a
// session that is still active (or, for a token exchanged from a personal API key, a key that
// is still neither revoked nor expired). Role and organisation are read fresh from the membership, so a
// demotion or removal applies on the next call rather than when the token expires.
import type { JWTPayload } from "jose";
import type { DataSource } from "typeorm";
import type { PersonalApiKeys } from "./api-keys.js";
import type { ClaimsResolver } from "./access-tokens.js";
import { isUuid } from "../ids.js";
import type { Principal } from "./principal.js";
import { liveSessionMembership } from "./session-store.js";

export class UserTokens implements ClaimsResolver {
  constructor(
    private readonly dataSource: DataSource,
    private readonly apiKeys: PersonalApiKeys,
  ) {}

  async principalFor(userId: string, claims: JWTPayload): Promise<Principal | undefined> {
    if (typeof claims.akid === "string") return this.apiKeys.principalForKeyId(claims.akid, userId);
    if (typeof claims.sid !== "string") return undefined;
    if (!isUuid(userId) || !isUuid(claims.sid)) return undefined;
    const row = await liveSessionMembership(this.dataSource, claims.sid, userId);
    if (!row) return undefined;
    return { type: "user", id: userId, orgId: row.org_id, role: row.role, sessionId: claims.sid };
  }
}
