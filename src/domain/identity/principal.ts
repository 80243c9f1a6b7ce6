// Who is calling: the result of verifying a bearer credential.

import type { OrgRole } from "./org-roles.js";

export type { OrgRole } from "./org-roles.js";

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
  /** For an agent: what its record says, read when its token is verified. */
  agent?: AgentStanding;
}

export interface AgentStanding {
  /** The human who created or approved the agent. */
  createdBy: string;
  /** Vaults the agent is bound to; empty derives the binding from its policies. */
  vaultIds: string[];
  /** Ceiling on what policies can grant (see vaults/agent-ceiling.ts). */
  scopes: string[];
  /** Reads of private_key and ssh_key secrets are refused: the agent signs through the Intents API. */
  intentsApiEnabled: boolean;
}

/**
 * Verifies one kind of bearer credential. Returns the principal it names, or undefined when the
 * credential is not one it accepts (unknown, expired, tampered). A verifier that knows more may
 * throw an "unauthenticated" DomainError with a precise detail ("token has been revoked").
 */
export interface CredentialVerifier {
  verify(credential: string): Promise<Principal | undefined>;
}

/** The principal the first verifier that accepts the credential names; undefined when none does. */
export async function verifyCredential(verifiers: CredentialVerifier[], credential: string): Promise<Principal | undefined> {
  for (const verifier of verifiers) {
    const principal = await verifier.verify(credential);
    if (principal) return principal;
  }
  return undefined;
}
