// PGlite has one session; pglite-socket lets several pg connections share it by queueing their
// protocol messages one by one. Its own queue (0.2.17) keeps a connection's messages together only
// inside a transaction, so another connection's messages can land in the middle of an
// extended-protocol exchange: A's Parse, then B's "START TRANSACTION" (a simple query, which
// discards the unnamed statement), then A's Bind fails with "unnamed prepared statement does not
// exist" and A's connection dies. Concurrent parameterised queries next to transactions hit it
// (test/e2e/embedded-session.test.ts reproduces it with the stock queue).
//
// This queue gives the session to one connection from its first message until it is done: the
// transaction is over, and the extended-protocol exchange has reached its Sync. Everyone else
// waits their turn. It replaces the server's queue through the same four methods.
//
// Consequence worth knowing: code that holds a transaction open and meanwhile awaits a query on
// another connection waits forever in embedded mode (as it would deadlock on any single session).
import type { PGlite } from "@electric-sql/pglite";

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: unknown) => void;
}

/** Frontend messages that leave an extended-protocol exchange open until its Sync. */
const EXCHANGE_CONTINUES = new Set(["P", "B", "D", "E", "C", "H"].map((c) => c.charCodeAt(0)));

export class SessionQueue {
  private queue: Pending[] = [];
  private draining = false;
  /** The connection the session belongs to until it finishes its transaction or exchange. */
  private owner: number | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.drain();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  /** A connection went away: drop what it queued, and release the session if it held it. */
  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((pending) => {
      if (pending.handlerId !== handlerId) return true;
      pending.reject(new Error("the connection closed"));
      return false;
    });
    if (this.owner === handlerId && !this.db.isInTransaction()) this.release();
  }

  /** A connection went away inside its transaction: roll it back so the session is usable again. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
    this.release();
  }

  private release(): void {
    this.owner = null;
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const index = this.owner === null ? 0 : this.queue.findIndex((pending) => pending.handlerId === this.owner);
        // The owner has not sent its next message yet; its arrival will drain again.
        if (index === -1) return;
        const [pending] = this.queue.splice(index, 1);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(pending.message, {
              onRawData: (data) => {
                bytes += data.length;
                pending.onData(data);
              },
            }),
          );
        } catch (error) {
          this.owner = this.db.isInTransaction() ? pending.handlerId : null;
          pending.reject(error);
          continue;
        }
        this.owner = this.db.isInTransaction() || EXCHANGE_CONTINUES.has(pending.message[0]) ? pending.handlerId : null;
        pending.resolve(bytes);
      }
    } finally {
      this.draining = false;
    }
  }
}
