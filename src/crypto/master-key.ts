// The master key: the root of every key Clawkeep holds. It comes from CLAWKEEP_MASTER_KEY, or, in
// embedded mode only, from a file generated into the data directory on first start. Every other
// key is either derived from it (deriveKey) or wrapped by it (the keyring's KEK versions).
import { hkdfSync, randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_FILE = "master.key";

export interface LoadMasterKeyOptions {
  /** The value of CLAWKEEP_MASTER_KEY, or undefined when it is unset. */
  envValue: string | undefined;
  dataDir: string;
  /** True when the database is the embedded one; only then may a key be generated. */
  embedded: boolean;
  logger: Logger;
}

const HOW_TO_MAKE_ONE = "generate one with `openssl rand -base64 32`";

/**
 * Returns the 32-byte master key. Errors describe what is wrong with the value but never repeat
 * it: error messages end up in logs, and a near-miss master key is still a master key.
 */
export function loadMasterKey(opts: LoadMasterKeyOptions): Buffer {
  if (opts.envValue !== undefined && opts.envValue.trim() !== "") {
    return parseMasterKey(opts.envValue, "CLAWKEEP_MASTER_KEY");
  }
  if (!opts.embedded) {
    throw new Error(
      `CLAWKEEP_MASTER_KEY is required when DATABASE_URL is set: every instance sharing the database must use the same key; ${HOW_TO_MAKE_ONE}.`,
    );
  }
  return loadOrCreateKeyFile(opts.dataDir, opts.logger);
}

/**
 * Parses 32 bytes written as base64 or base64url, padded or not. Node's decoder silently skips
 * characters outside the alphabet, so the text is checked against the alphabet first: a typo must
 * fail loudly instead of turning into a different key.
 */
export function parseMasterKey(text: string, source: string): Buffer {
  const value = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) {
    throw new Error(`${source} is not base64 or base64url text; it must encode exactly ${MASTER_KEY_BYTES} random bytes (${HOW_TO_MAKE_ONE}).`);
  }
  const key = Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (key.length !== MASTER_KEY_BYTES) {
    throw new Error(`${source} decodes to ${key.length} bytes but must be exactly ${MASTER_KEY_BYTES} (${HOW_TO_MAKE_ONE}).`);
  }
  return key;
}

/**
 * Derives a purpose-specific 32-byte key with HKDF-SHA256, so the API-key pepper, the audit HMAC
 * key and the rest never share bytes with each other or with the master key itself. The master
 * key is uniformly random, so HKDF's optional salt adds nothing and is left empty.
 */
export function deriveKey(masterKey: Buffer, purpose: string): Buffer {
  if (masterKey.length !== MASTER_KEY_BYTES) throw new Error(`the master key must be ${MASTER_KEY_BYTES} bytes`);
  if (purpose === "") throw new Error("deriveKey needs a purpose");
  return Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), `clawkeep ${purpose}`, 32));
}

function loadOrCreateKeyFile(dataDir: string, logger: Logger): Buffer {
  const path = join(dataDir, MASTER_KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  const created = createKeyFile(path);
  if (created) {
    logger.warn(
      { master_key_file: path },
      `CLAWKEEP_MASTER_KEY is not set, so a new master key was generated into ${path}. ` +
        "Every secret in this server is encrypted under it: if that file is lost, every secret is lost with it. " +
        "Back it up somewhere other than the data directory, or set CLAWKEEP_MASTER_KEY to its contents and delete the file.",
    );
    return created;
  }
  const key = parseMasterKey(readFileSync(path, "utf8"), path);
  // Group- or world-readable means anyone with a login on this machine can read every secret.
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    logger.warn({ master_key_file: path, mode: mode.toString(8) }, `the master key file ${path} is readable by other users; chmod 600 it`);
  }
  logger.warn(
    { master_key_file: path },
    `using the master key in ${path} because CLAWKEEP_MASTER_KEY is not set; losing that file loses every secret, so keep a backup of it outside the data directory`,
  );
  return key;
}

/**
 * Creates the key file with O_EXCL ('wx'), so of two starts racing on an empty data directory
 * exactly one writes a key and the other reads it; returns undefined when the file already exists.
 */
function createKeyFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw error;
  }
  try {
    const key = randomBytes(MASTER_KEY_BYTES);
    writeSync(fd, `${key.toString("base64")}\n`);
    // fsync before anything is encrypted under it: a crash must not leave secrets behind an empty file.
    fsyncSync(fd);
    return key;
  } finally {
    closeSync(fd);
  }
}
