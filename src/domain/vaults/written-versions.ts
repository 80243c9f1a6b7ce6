// The latest version this instance wrote at each path, so that the next write there can name the
// version it expects and cost one statement (secret-store.ts, WRITE_KNOWN_NEXT_VERSION). Only a
// hint: a write elsewhere (another instance, a deletion) makes the statement change nothing, and
// the write then takes the locking way. Holds ids and numbers, never a value.

/** Paths remembered; the least recently written are forgotten first. */
const MAX_PATHS = 10_000;

export interface WrittenVersion {
  secretId: string;
  version: number;
}

export class WrittenVersions {
  private readonly latest = new Map<string, WrittenVersion>();

  get(vaultId: string, path: string): WrittenVersion | undefined {
    return this.latest.get(keyOf(vaultId, path));
  }

  remember(vaultId: string, path: string, written: WrittenVersion): void {
    const key = keyOf(vaultId, path);
    // Re-inserted at the end: the Map's order is the order of last writes.
    this.latest.delete(key);
    this.latest.set(key, written);
    if (this.latest.size > MAX_PATHS) this.latest.delete(this.latest.keys().next().value as string);
  }

  forget(vaultId: string, path: string): void {
    this.latest.delete(keyOf(vaultId, path));
  }
}

function keyOf(vaultId: string, path: string): string {
  return `${vaultId}\u0000${path}`;
}
