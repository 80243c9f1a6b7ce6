// API keys: agent keys (`ocv_…`) and personal keys (`1ck_…`). A key is 32 random bytes in
// base64url after its kind; the server stores only an HMAC-SHA256 of it under a server pepper
// (deriveKey(master, "api-key pepper")), so a stolen database alone yields no usable key and
// cannot even be brute-forced offline. Lookups go by that hash; comparisons are constant-time.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export type ApiKeyKind = "ocv" | "1ck";

const KEY_BYTES = 32;
/** Characters shown in listings: the kind, the underscore and 8 random characters (48 bits). */
const PREFIX_LENGTH = 12;
/**
 * `<kind>_` then 43 base64url characters. 32 bytes fill 42 characters and 4 bits of the 43rd,
 * whose last 2 bits are zero, so only 16 characters can end a key our generator made.
 */
const KEY_PATTERN = /^(ocv|1ck)_[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

export function generateApiKey(kind: ApiKeyKind): { key: string; prefix: string } {
  const key = `${kind}_${randomBytes(KEY_BYTES).toString("base64url")}`;
  return { key, prefix: key.slice(0, PREFIX_LENGTH) };
}

/** The kind of a well-formed key, or undefined: a syntax check before any database lookup. */
export function apiKeyKind(key: string): ApiKeyKind | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? (match[1] as ApiKeyKind) : undefined;
}

/** The keyed hash stored for (and looked up by) a key. */
export function hashApiKey(pepper: Buffer, key: string): Buffer {
  return createHmac("sha256", pepper).update(key, "utf8").digest();
}

/** Constant-time equality of two hashes; false when their lengths differ. */
export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
