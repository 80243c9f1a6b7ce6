// Every action the audit log records, declared once: an event's action is one of these, the audit
// query and stream refuse any other filter, and where the details matter to whoever reads the log
// (what was read, by which rule), their shape is declared here too, per action. Details are an
// allowlist of facts: never a value, key, token or password (AuditLog still refuses those keys).

export const AUDIT_ACTIONS = [
  "org.create",
  "org.invite",
  "org.invitation_revoke",
  "org.member_role_change",
  "org.member_remove",
  "org.settings_update",
  "user.signup",
  "user.login",
  "user.login_failed",
  "user.update",
  "user.password_change",
  "session.revoke",
  "session.refresh_token_reused",
  "api_key.create",
  "api_key.exchange",
  "api_key.revoke",
  "ip_rule.create",
  "ip_rule.delete",
  "vault.create",
  "vault.delete",
  "secret.write",
  "secret.read",
  "secret.list",
  "secret.list_versions",
  "secret.delete",
  "secret.disable_version",
  "secret.access_denied",
  "policy.create",
  "policy.update",
  "policy.delete",
  "agent.create",
  "agent.update",
  "agent.deactivate",
  "agent.delete",
  "agent.rotate_key",
  "agent.rotate_identity_keys",
  "agent.revoke_tokens",
  "agent.token_exchange",
  "enrollment.request",
  "enrollment.approve",
  "enrollment.deny",
  "enrollment.claim",
  "enrollment.expire",
  "share.create",
  "share.claim",
  "share.accept",
  "share.decline",
  "share.access",
  "share.access_denied",
  "share.revoke",
  "signing_key.create",
  "signing_key.rotate",
  "signing_key.deactivate",
  "transaction.submit",
  "transaction.sign",
  "transaction.simulate",
  "transaction.denied",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const KNOWN = new Set<string>(AUDIT_ACTIONS);

export function isAuditAction(value: string): value is AuditAction {
  return KNOWN.has(value);
}

/** How a secret's access was decided: "owner", "policy:<id>", "no_matching_policy", "scopes". */
type DecidedBy = string;

interface PolicyFacts {
  vault_id: string;
  principal_type: string;
  principal_id: string;
  secret_path_pattern: string;
  permissions: string[];
  effect: string;
  priority: number;
}

/** The details of the actions whose readers rely on their shape. */
export interface AuditDetailsOf {
  "secret.read": { vault_id: string; secret_id?: string; version?: number; decided_by: DecidedBy };
  "secret.write": { vault_id: string; secret_id: string; version: number; type: string; decided_by: DecidedBy };
  "secret.delete": { vault_id: string; secret_id: string; versions: number; decided_by: DecidedBy };
  "secret.disable_version": { vault_id: string; secret_id: string; version: number; decided_by: DecidedBy };
  "secret.list": { prefix: string; returned: number };
  "secret.access_denied": { vault_id: string; permission: string; decided_by: DecidedBy };
  "policy.create": PolicyFacts;
  "policy.update": PolicyFacts & { changed: string[] };
  "policy.delete": PolicyFacts;
  "agent.token_exchange": { expires_in?: number; key_prefix?: string };
  "vault.create": { name: string };
  "vault.delete": { name: string; live_secrets: number };
  "signing_key.create": SigningKeyFacts;
  "signing_key.rotate": SigningKeyFacts & { previous_key_id: string };
  "signing_key.deactivate": SigningKeyFacts;
  "transaction.submit": TransactionFacts;
  "transaction.sign": TransactionFacts;
  "transaction.simulate": Omit<TransactionFacts, "tx_id" | "status" | "nonce" | "tx_hash"> & { status: string; revert_reason?: string };
  "transaction.denied": Omit<TransactionFacts, "tx_id" | "status" | "nonce" | "tx_hash"> & { limit: string; attempted: string };
}

interface SigningKeyFacts {
  agent_id: string;
  chain: string;
  address: string;
  key_version: number;
}

/** What an Intents API event records: never the signed transaction, never a key. */
interface TransactionFacts {
  tx_id: string;
  agent_id: string;
  chain: string;
  chain_id: number;
  from_address: string;
  to_address: string;
  /** The amount in wei (decimal string); named so that it is never mistaken for a secret value. */
  value_wei: string;
  status: string;
  nonce?: number;
  tx_hash?: string;
  /** Which rule decided: "guardrails" when all passed, or the refusing rule's name. */
  decided_by: string;
  error?: string;
  simulation_status?: string;
  idempotency_key_used?: boolean;
}

/** The details an action's event carries: declared for some, free-form (still guarded) for the rest. */
export type AuditDetails<A extends AuditAction> = A extends keyof AuditDetailsOf ? AuditDetailsOf[A] : Record<string, unknown>;
