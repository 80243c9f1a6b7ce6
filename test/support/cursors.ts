// Event bus cursors read "<transaction>.<row>"; tests that check delivery order compare them so.

/** Negative when cursor `a` comes before cursor `b` on the bus. */
export function compareBusCursors(a: string, b: string): number {
  const [ta, ia] = a.split(".").map(BigInt);
  const [tb, ib] = b.split(".").map(BigInt);
  return ta === tb ? Number(ia - ib) : ta < tb ? -1 : 1;
}
