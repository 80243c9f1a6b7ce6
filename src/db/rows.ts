// TypeORM's raw query() on PostgreSQL answers SELECT and INSERT with the rows, but UPDATE and
// DELETE with [rows, affectedCount]. These read either shape, so callers never index by hand.

function isUpdateResult(result: unknown): result is [unknown[], number] {
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === "number";
}

/** The returned rows, whatever kind of statement produced them. */
export function rowsOf<T>(result: unknown): T[] {
  return (isUpdateResult(result) ? result[0] : result) as T[];
}

/** How many rows an UPDATE or DELETE touched (0 for anything else). */
export function affectedOf(result: unknown): number {
  return isUpdateResult(result) ? result[1] : 0;
}
