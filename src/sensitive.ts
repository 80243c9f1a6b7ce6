// The names of fields whose values are secret material, declared once. Every guard derives from
// this list, so a name added here is covered everywhere at once:
// - logs: a field of one of these names, at any depth, is censored (src/logger.ts);
// - audit details: an event may not carry one (src/domain/audit/audit-log.ts);
// - REST query strings: a credential may not travel in a URL, where proxies, browser history
//   and access logs keep it (src/server/rest/request-json.ts), except those in SENT_IN_URLS;
// - the contract: every string field of our protos with one of these names is marked
//   [debug_redact = true], except those in NOT_SECRET_DESPITE_NAME (test/unit/contract.test.ts).
// Names are snake_case as on the wire; camelCase spellings (apiKey) are matched too.

export const SENSITIVE_FIELDS = [
  // secret values and what unlocks them
  "value",
  "passphrase",
  "private_key",
  "secret",
  "signed_tx",
  // passwords
  "password",
  "current_password",
  "new_password",
  // keys and tokens
  "api_key",
  "access_token",
  "refresh_token",
  "token",
  "claim_token",
  "approval_token",
  "authorization",
] as const;

export type SensitiveField = (typeof SENSITIVE_FIELDS)[number];

/**
 * Sensitive, yet carried in a URL by design: the approval link an enrollment's human receives
 * by email (`approval_url`) holds it, so GET /v1/enrollments/{id}?approval_token=… must work.
 */
export const SENT_IN_URLS: ReadonlySet<SensitiveField> = new Set(["approval_token"]);

/**
 * Fields of the contract that share a sensitive name but hold nothing secret, by
 * "<message>.<field>": a transaction's `value` is an amount, a balance change's `token` the
 * address of a token contract.
 */
export const NOT_SECRET_DESPITE_NAME: ReadonlySet<string> = new Set([
  "clawkeep.v1.SubmitTransactionRequest.value",
  "clawkeep.v1.SignTransactionRequest.value",
  "clawkeep.v1.SimulateTransactionRequest.value",
  "clawkeep.v1.BalanceChange.token",
]);

/**
 * Fields of a database error (TypeORM's QueryFailedError, and the pg DatabaseError it wraps) that
 * carry a statement's values: its bound parameters, and the row or value PostgreSQL quotes back
 * (`detail`: "Failing row contains (…)", `where`: "unnamed portal parameter $1 = '…'"). A logged
 * error keeps the statement's shape (its text with $n placeholders), its code and its message;
 * these are censored (src/logger.ts), because the values include key hashes and sealed data.
 */
export const STATEMENT_VALUE_FIELDS: ReadonlySet<string> = new Set(["parameters", "detail", "where", "internalQuery"]);

/** "apiKey", "API_KEY" and "api_key" are one name. */
export function fieldName(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

const SENSITIVE = new Set<string>(SENSITIVE_FIELDS);

export function isSensitiveField(key: string): boolean {
  return SENSITIVE.has(fieldName(key));
}
