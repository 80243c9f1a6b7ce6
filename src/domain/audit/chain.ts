// The audit chain's arithmetic, kept pure so it can be tested exhaustively:
// integrity_hash = HMAC-SHA256(key, canonical JSON of [prev_hash, org_id, actor_type, actor_id,
// action, resource_type, resource_id, details, created_at]) — the scheme of rest-surface.md.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface ChainedFields {
  orgId: string;
  actorType: string;
  actorId: string;
  action: string;
  resourceType: string;
  resourceId: string;
  details: Record<string, unknown>;
  /**
   * RFC 3339 UTC with exactly three fractional digits, as stored. The API may serve a whole
   * second without them ("…:05Z"); a verifier re-adds ".000" before hashing.
   */
  createdAt: string;
}

/** JSON with object keys sorted at every depth, so the same value always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("audit details cannot hold NaN or Infinity");
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function integrityHash(key: Buffer, prevHash: string, event: ChainedFields): string {
  const material = canonicalJson([
    prevHash,
    event.orgId,
    event.actorType,
    event.actorId,
    event.action,
    event.resourceType,
    event.resourceId,
    event.details,
    event.createdAt,
  ]);
  return createHmac("sha256", key).update(material).digest("hex");
}

export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** The prev_hash of an organisation's first event. */
export const GENESIS_HASH = "0".repeat(64);
