// Who is calling: the result of verifying a bearer credential.

export interface Principal {
  /** A human (user JWT or personal API key) or an agent (agent JWT). */
  type: "user" | "agent";
  id: string;
  orgId: string;
}

/**
 * Verifies one kind of bearer credential. Returns the principal it names, or undefined when the
 * credential is not valid (unknown, expired, revoked, tampered). Never throws for a bad credential.
 */
export interface CredentialVerifier {
  verify(credential: string): Promise<Principal | undefined>;
}
