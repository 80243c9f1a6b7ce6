// What a secret write may contain: path, type, value, metadata, expiry and access limit. Every
// rule that fails is a 400 naming the rule, so a caller can fix the request without guessing.
import { DomainError } from "../errors.js";

export const SECRET_TYPES = [
  "generic",
  "password",
  "api_key",
  "certificate",
  "private_key",
  "ssh_key",
  "env",
  "env_bundle",
  "file",
  "note",
  "credential",
] as const;
export type SecretType = (typeof SECRET_TYPES)[number];

export const MAX_PATH_LENGTH = 512;
export const MAX_VALUE_BYTES = 64 * 1024;
/** Metadata is stored unencrypted and returned by every list; keep it small. */
export const MAX_METADATA_BYTES = 16 * 1024;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

export function validateSecretPath(path: string): string {
  if (path.length === 0) throw new DomainError("invalid_argument", "path is required");
  if (path.length > MAX_PATH_LENGTH) throw new DomainError("invalid_argument", `path is ${path.length} characters; at most ${MAX_PATH_LENGTH} are allowed`);
  const segments = path.split("/");
  for (const [index, segment] of segments.entries()) {
    if (segment === "") {
      throw new DomainError("invalid_argument", `path "${shown(path)}" has an empty segment (${index === 0 ? "leading" : index === segments.length - 1 ? "trailing" : "double"} "/")`);
    }
    if (segment === "." || segment === "..") throw new DomainError("invalid_argument", `path "${shown(path)}" has a "${segment}" segment; relative segments are not allowed`);
    if (!SEGMENT.test(segment)) {
      throw new DomainError("invalid_argument", `path segment "${shown(segment)}" may only contain letters, digits, ".", "_" and "-"`);
    }
  }
  return path;
}

export function parseSecretType(raw: string): SecretType {
  if (raw === "") return "generic";
  if (!(SECRET_TYPES as readonly string[]).includes(raw)) {
    throw new DomainError("invalid_argument", `type "${shown(raw)}" is not a secret type; use one of ${SECRET_TYPES.join(", ")}`);
  }
  return raw as SecretType;
}

export function validateValue(value: string): Buffer {
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length === 0) throw new DomainError("invalid_argument", "value is required and must not be empty");
  if (bytes.length > MAX_VALUE_BYTES) throw new DomainError("invalid_argument", `value is ${bytes.length} bytes; at most ${MAX_VALUE_BYTES} (64 KiB) are allowed`);
  return bytes;
}

export function validateMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!metadata) return {};
  const size = Buffer.byteLength(JSON.stringify(metadata), "utf8");
  if (size > MAX_METADATA_BYTES) throw new DomainError("invalid_argument", `metadata is ${size} bytes of JSON; at most ${MAX_METADATA_BYTES} are allowed`);
  return metadata;
}

export function validateExpiry(expiresAt: Date | undefined, now: Date, field = "expires_at"): Date | null {
  if (!expiresAt) return null;
  if (Number.isNaN(expiresAt.getTime())) throw new DomainError("invalid_argument", `${field} is not a valid time`);
  if (expiresAt.getTime() <= now.getTime()) throw new DomainError("invalid_argument", `${field} must be in the future`);
  return expiresAt;
}

export function validateMaxAccessCount(count: number | undefined): number | null {
  if (count === undefined) return null;
  if (!Number.isInteger(count) || count < 1) throw new DomainError("invalid_argument", `max_access_count must be at least 1, got ${count}`);
  return count;
}

export function validateVersion(version: number): number {
  if (!Number.isInteger(version) || version < 1) throw new DomainError("invalid_argument", `version must be a positive integer, got ${version}`);
  return version;
}

function shown(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
