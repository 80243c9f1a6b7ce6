// Password hashing (Argon2id, via @node-rs/argon2) and the password policy.
//
// Parameters: m = 19456 KiB (19 MiB), t = 2, p = 1: the OWASP Password Storage Cheat Sheet's
// recommended Argon2id setting. RFC 9106's "first recommended" (2 GiB) and "second recommended"
// (64 MiB, t = 3) options cost far more memory per concurrent login than a small self-hosted box
// can spare; 19 MiB keeps a burst of logins (bounded by libuv's four-thread pool: about 76 MiB
// at most) affordable while still making each guess cost an attacker 19 MiB of memory. The
// parameters are stored in every PHC hash string, so raising them later only needs a rehash on
// the next successful login (`passwordNeedsRehash`).
import { Algorithm, hash, parseOptions, verify, type Options } from "@node-rs/argon2";

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

const ARGON2_OPTIONS: Options = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
};

/**
 * A hash of a random password nobody knows, made with ARGON2_OPTIONS (a unit test checks they
 * agree). Verifying against it costs what verifying a real user's hash costs, so a login for an
 * unknown email takes as long as one with a wrong password. It is a constant, not computed at
 * start-up, so even the first such login is not faster. Exported so a test can hold it to that.
 */
export const BURN_HASH = "$argon2id$v=19$m=19456,t=2,p=1$w+WTtvb/btyFyKx0hxYsrA$wSnFnYVBnxWJo1fp2CdLSBjrBwfnpTYuvvxgOIwEAgw";

/**
 * NFKC-normalises before hashing (NIST SP 800-63B §5.1.1.2), so the same password typed on
 * keyboards that compose accents differently still matches.
 */
function normalize(password: string): string {
  return password.normalize("NFKC");
}

/** Returns a sentence saying what is wrong with the password, or undefined when it is acceptable. */
export function checkPasswordPolicy(password: string): string | undefined {
  // Counted in code points, as a person counts characters, not in UTF-16 units.
  const length = [...normalize(password)].length;
  if (length < PASSWORD_MIN_LENGTH) return `The password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  if (length > PASSWORD_MAX_LENGTH) return `The password must be at most ${PASSWORD_MAX_LENGTH} characters long.`;
  return undefined;
}

/** An Argon2id PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash) with a random 16-byte salt. */
export function hashPassword(password: string): Promise<string> {
  return hash(normalize(password), ARGON2_OPTIONS);
}

/** True when the password matches; false for a wrong password and for any malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, normalize(password));
  } catch {
    return false;
  }
}

/** Spends the time a real verification would, for logins whose account does not exist. */
export async function burnPasswordCheck(password: string): Promise<void> {
  await verifyPassword(BURN_HASH, password);
}

/** True when the hash was made with other parameters than today's (or is not one of ours). */
export function passwordNeedsRehash(passwordHash: string): boolean {
  try {
    const used = parseOptions(passwordHash);
    return (
      used.algorithm !== ARGON2_OPTIONS.algorithm ||
      used.memoryCost !== ARGON2_OPTIONS.memoryCost ||
      used.timeCost !== ARGON2_OPTIONS.timeCost ||
      used.parallelism !== ARGON2_OPTIONS.parallelism ||
      used.outputLen !== ARGON2_OPTIONS.outputLen
    );
  } catch {
    return true;
  }
}
