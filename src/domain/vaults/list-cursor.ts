// Paging through a vault's secrets by path. The cursor is the last path a page returned, wrapped
// so clients treat it as opaque: a page resumes strictly after it, so secrets written or deleted
// meanwhile never make a later page repeat or skip one that was already there.
import { DomainError } from "../errors.js";

const MAX_LIMIT = 1000;

/** `undefined` means "no paging": every matching secret in one response. */
export function parseListLimit(limit: number): number | undefined {
  if (limit === 0) return undefined;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new DomainError("invalid_argument", `limit must be 1-${MAX_LIMIT}, got ${limit}`);
  return limit;
}

export function encodeListCursor(lastPath: string): string {
  return Buffer.from(JSON.stringify({ after: lastPath }), "utf8").toString("base64url");
}

/** `null` for no cursor; a cursor this server did not hand out is a 400. */
export function decodeListCursor(cursor: string): string | null {
  if (cursor === "") return null;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (decoded && typeof decoded === "object" && typeof (decoded as { after?: unknown }).after === "string") return (decoded as { after: string }).after;
  } catch {
    // falls through to the 400 below
  }
  throw new DomainError("invalid_argument", "cursor is not a next_cursor this server returned");
}
