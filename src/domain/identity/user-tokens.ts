// Resolves a human's verified access token (AccessTokenVerifier checked the signature): a
// session that is still active (or, for a token exchanged from a personal API key, a key that
// is still neither revoked nor expired). Role and organisation are read fresh from the membership, so a
// demotion or removal applies on the next call rather than when the token expires.
import type { JWTPayload } from "jose";
import type { DataSource } from "typeorm";
import type { PersonalApiKeys } from "./api-keys.js";
import type { ClaimsResolver } from "./access-tokens.js";
import { hotStatement, runHot } from "../../db/hot-query.js";
import { isUuid } from "../ids.js";
import type { OrgRole, Principal } from "./principal.js";

const SESSION_MEMBER = hotStatement(
  "session_member",
  `SELECT m."org_id", m."role" FROM "clawkeep_sessions" s JOIN "clawkeep_memberships" m ON m."user_id" = s."user_id"
   WHERE s."id" = $1 AND s."user_id" = $2 AND s."status" <> 'revoked' AND s."expires_at" > now()`,
);

export class UserTokens implements ClaimsResolver {
  constructor(
    private readonly dataSource: DataSource,
    private readonly apiKeys: PersonalApiKeys,
  ) {}

  async principalFor(userId: string, claims: JWTPayload): Promise<Principal | undefined> {
    if (typeof claims.akid === "string") return this.apiKeys.principalForKeyId(claims.akid, userId);
    if (typeof claims.sid !== "string") return undefined;
    if (!isUuid(userId) || !isUuid(claims.sid)) return undefined;
    const [row] = await runHot<{ org_id: string; role: OrgRole }>(this.dataSource, SESSION_MEMBER, [claims.sid, userId]);
    if (!row) return undefined;
    return { type: "user", id: userId, orgId: row.org_id, role: row.role, sessionId: claims.sid };
  }
}
