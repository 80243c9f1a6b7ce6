// Identifiers in Clawkeep are UUIDs; checking the shape first keeps malformed ids away from SQL.
import { randomUUID } from "node:crypto";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/**
 * A UUID version 7 (RFC 9562): a millisecond timestamp, then random bits. Rows keyed by it are
 * inserted at the end of their index rather than at a random place in it, which keeps a table
 * written on every request (the audit log) cheap to index.
 */
export function uuidv7(now = Date.now()): string {
  // randomUUID draws from a cached entropy pool (much cheaper than randomBytes per call); its
  // variant bits are already right, and its random bits fill rand_a and rand_b.
  const random = randomUUID();
  const time = now.toString(16).padStart(12, "0");
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}
