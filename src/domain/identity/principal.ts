// Who is calling: the result of verifying a bearer credential.

export type OrgRole = "owner" | "admin" | "member";

export interface Principal {
  /** A human (user JWT or personal API key) or an agent (agent JWT). */
  type: "user" | "agent";
  id: string;
  orgId: string;
  /** A human's role in their organisation, read fresh on every call. */
  role?: OrgRole;
  /** The session a user access token belongs to (absent for API keys and agents). */
  sessionId?: string;
  /** Scopes a credential was limited to; absent means unrestricted. */
  scopes?: string[];
}

/**
 * Verifies one kind of bearer credential. Returns the principal it names, or undefined when the
 * credential is not valid (unknown, expired, revoked, tampered). Never throws for a bad credential.
 */
export interface CredentialVerifier {
  verify(credential: string): Promise<Principal | undefined>;
}
