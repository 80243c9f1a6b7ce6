// The latest version this instance wrote at each path, so that the next write there can name the
// version it expects and cost one statement (secret-store.ts, WRITE_KNOWN_NEXT_VERSION). Only a
// hint: a write elsewhere (another instance, a deletion) makes the statement change nothing, and
// the write then takes the locking way. Holds ids and numbers, never a value.
//
// This instance's writes of one path go in turn (`inTurn`): each starts once the last is
// remembered, so it knows the version to expect, and waits in memory rather than on the
// secret's row lock, where it would hold a pooled connection: a burst of writes to one path
// could otherwise take the whole pool and stall unrelated requests.
import { SerialByKey } from "../serial-by-key.js";

/** Paths remembered; the least recently written are forgotten first. */
const MAX_PATHS = 10_000;

export interface WrittenVersion {
  secretId: string;
  version: number;
}

export class WrittenVersions {
  private readonly latest = new Map<string, WrittenVersion>();
  private readonly writes = new SerialByKey();

  /**
   * Runs `write` once this instance's earlier writes of the path have ended, with the version it
   * wrote last there (if known), and remembers what `write` wrote (a secret's id and version).
   */
  inTurn<T extends { id: string; version: number }>(vaultId: string, path: string, write: (known: WrittenVersion | undefined) => Promise<T>): Promise<T> {
    const key = keyOf(vaultId, path);
    return this.writes.run(key, async () => {
      try {
        const written = await write(this.latest.get(key));
        this.remember(key, { secretId: written.id, version: written.version });
        return written;
      } catch (error) {
        this.latest.delete(key);
        throw error;
      }
    });
  }

  private remember(key: string, written: WrittenVersion): void {
    // Re-inserted at the end: the Map's order is the order of last writes.
    this.latest.delete(key);
    this.latest.set(key, written);
    if (this.latest.size > MAX_PATHS) this.latest.delete(this.latest.keys().next().value as string);
  }
}

function keyOf(vaultId: string, path: string): string {
  return `${vaultId}\u0000${path}`;
}
