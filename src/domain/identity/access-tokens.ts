// Our access tokens (EdDSA JWTs) for every kind of principal: the signature, issuer and expiry
// are checked once here, then the subject's kind ("user:", "agent:") picks who turns the claims
// into a principal. Each call verifies a signature once, whatever kind of token it carries.
import type { JWTPayload } from "jose";
import type { JwtKeys } from "../../crypto/jwt-keys.js";
import type { CredentialVerifier, Principal } from "./principal.js";

/** Turns verified claims of one subject kind into a principal, or undefined when they no longer hold. */
export interface ClaimsResolver {
  principalFor(subjectId: string, claims: JWTPayload): Promise<Principal | undefined>;
}

export class AccessTokenVerifier implements CredentialVerifier {
  constructor(
    private readonly jwtKeys: JwtKeys,
    private readonly resolvers: Record<"user" | "agent", ClaimsResolver>,
  ) {}

  async verify(credential: string): Promise<Principal | undefined> {
    if (credential.split(".").length !== 3) return undefined;
    const claims = await this.jwtKeys.verify(credential);
    if (!claims || typeof claims.sub !== "string") return undefined;
    const colon = claims.sub.indexOf(":");
    const kind = claims.sub.slice(0, colon);
    if (kind !== "user" && kind !== "agent") return undefined;
    return this.resolvers[kind].principalFor(claims.sub.slice(colon + 1), claims);
  }
}
