// Input rules of a new share, as one pure function: each failure is a 400 whose sentence names the
// field and what is wrong. Who the recipient is, and whether the caller may share the secret at
// all, is decided afterwards against the database (shares.ts).
import { DomainError } from "../errors.js";
import { normalizeEmail } from "../identity/validation.js";
import { isUuid } from "../ids.js";
import { formatCidr, parseCidr } from "../net/ip.js";

export const RECIPIENT_TYPES = ["creator", "user", "agent", "external_email", "anyone_with_link"] as const;
export type RecipientType = (typeof RECIPIENT_TYPES)[number];

/** The longest a share may live: a year, the Python SDK's upper bound for expires_in_hours. */
export const MAX_SHARE_HOURS = 8760;
/** Lifetime of a share made through POST /v1/shares that names none. */
export const DEFAULT_ALIAS_SHARE_HOURS = 24;
export const MAX_PASSPHRASE_LENGTH = 256;
export const MAX_IP_ALLOWLIST_ENTRIES = 100;

/** What a caller asked for, as the API layer read it off either route. */
export interface CreateShareInput {
  /** The secret by id (POST /v1/secrets/{id}/share), or by vault and path (POST /v1/shares). */
  secret: { secretId: string } | { vaultId: string; path: string };
  recipientType: string;
  recipientId: string;
  email: string;
  permissions: string[];
  maxAccessCount?: number;
  expiresAt?: Date;
  expiresInHours?: number;
  passphrase: string;
  ipAllowlist: string[];
}

export interface ValidShareInput {
  secret: CreateShareInput["secret"];
  recipientType: RecipientType;
  /** The user or agent named by recipient_id ("user" and "agent" only). */
  recipientId?: string;
  /** The canonical address ("external_email" only). */
  email?: string;
  maxAccessCount: number | null;
  expiresAt: Date;
  passphrase: string | null;
  ipAllowlist: string[];
}

/**
 * Checks a new share's fields. `defaultHours` is the lifetime when neither expires_at nor
 * expires_in_hours is given (POST /v1/shares); undefined makes a lifetime required.
 */
export function validateShareInput(input: CreateShareInput, now: Date, defaultHours?: number): ValidShareInput {
  const recipientType = parseRecipientType(input.recipientType);
  const needsId = recipientType === "user" || recipientType === "agent";
  if (needsId && input.recipientId === "") throw new DomainError("invalid_argument", `recipient_id is required for recipient_type "${recipientType}"`);
  if (!needsId && input.recipientId !== "") throw new DomainError("invalid_argument", `recipient_id is only for recipient_type "user" or "agent", not "${recipientType}"`);
  if (needsId && !isUuid(input.recipientId)) throw new DomainError("invalid_argument", `recipient_id must be a UUID, got "${String(input.recipientId).slice(0, 64)}"`);
  const needsEmail = recipientType === "external_email";
  if (needsEmail && input.email.trim() === "") throw new DomainError("invalid_argument", 'email is required for recipient_type "external_email"');
  if (!needsEmail && input.email.trim() !== "") throw new DomainError("invalid_argument", `email is only for recipient_type "external_email", not "${recipientType}"`);
  for (const permission of input.permissions) {
    if (permission !== "read") throw new DomainError("invalid_argument", `a share can only grant "read"; permission "${permission.slice(0, 32)}" is not allowed`);
  }
  return {
    secret: input.secret,
    recipientType,
    recipientId: needsId ? input.recipientId.toLowerCase() : undefined,
    email: needsEmail ? normalizeEmail(input.email) : undefined,
    maxAccessCount: validateMaxAccessCount(input.maxAccessCount),
    expiresAt: validateLifetime(input, now, defaultHours),
    passphrase: validatePassphrase(input.passphrase),
    ipAllowlist: validateIpAllowlist(input.ipAllowlist),
  };
}

function parseRecipientType(value: string): RecipientType {
  if (value === "") throw new DomainError("invalid_argument", `recipient_type is required: one of ${RECIPIENT_TYPES.join(", ")}`);
  if (!(RECIPIENT_TYPES as readonly string[]).includes(value)) {
    throw new DomainError("invalid_argument", `recipient_type must be one of ${RECIPIENT_TYPES.join(", ")}; got "${value.slice(0, 32)}"`);
  }
  return value as RecipientType;
}

function validateMaxAccessCount(value: number | undefined): number | null {
  if (value === undefined) return null;
  if (!Number.isInteger(value) || value < 1) throw new DomainError("invalid_argument", `max_access_count must be at least 1, got ${value}`);
  return value;
}

function validateLifetime(input: CreateShareInput, now: Date, defaultHours: number | undefined): Date {
  const latest = now.getTime() + MAX_SHARE_HOURS * 3600_000;
  if (input.expiresAt) {
    if (input.expiresAt.getTime() <= now.getTime()) throw new DomainError("invalid_argument", `expires_at must be in the future, got ${input.expiresAt.toISOString()}`);
    if (input.expiresAt.getTime() > latest) throw new DomainError("invalid_argument", `expires_at must be at most ${MAX_SHARE_HOURS} hours (one year) away`);
    return input.expiresAt;
  }
  const hours = input.expiresInHours ?? defaultHours;
  if (hours === undefined) throw new DomainError("invalid_argument", "expires_at is required: when the share stops working (RFC 3339)");
  if (!Number.isInteger(hours) || hours < 1 || hours > MAX_SHARE_HOURS) {
    throw new DomainError("invalid_argument", `expires_in_hours must be 1 to ${MAX_SHARE_HOURS}, got ${hours}`);
  }
  return new Date(now.getTime() + hours * 3600_000);
}

function validatePassphrase(value: string): string | null {
  if (value === "") return null;
  if (value.length > MAX_PASSPHRASE_LENGTH) throw new DomainError("invalid_argument", `passphrase must be at most ${MAX_PASSPHRASE_LENGTH} characters`);
  return value;
}

function validateIpAllowlist(entries: string[]): string[] {
  if (entries.length > MAX_IP_ALLOWLIST_ENTRIES) {
    throw new DomainError("invalid_argument", `ip_allowlist has ${entries.length} entries; at most ${MAX_IP_ALLOWLIST_ENTRIES} are allowed`);
  }
  return entries.map((entry, i) => formatCidr(parseCidr(entry, `ip_allowlist[${i}]`)));
}
