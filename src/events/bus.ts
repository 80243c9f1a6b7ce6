// The event bus: an append-only events table plus a wake-up signal. Publishing inserts a row in
// the caller's transaction (so an event exists exactly when its change committed) and NOTIFYs on
// commit; subscribers read rows after their cursor, so they resume without loss on any instance.
// Subscribers in this process are woken by an after-commit hook; other instances sharing the
// PostgreSQL are woken by LISTEN/NOTIFY (the embedded database has one process, so it needs no
// NOTIFY). A slow poll backs both up in case a wake-up is ever missed.
import type { EntityManager, EntitySubscriberInterface, TransactionCommitEvent } from "typeorm";
import type { Logger } from "pino";
import type { Database } from "../db/database.js";
import { affectedOf } from "../db/rows.js";
import { DomainError } from "../domain/errors.js";

export const EVENTS_CHANNEL = "clawkeep_events";

/**
 * Publishers take this transaction-scoped lock before inserting, so event ids are handed out in
 * commit order and a reader can never see id 7 while a slower transaction still holds id 6.
 */
const PUBLISH_LOCK_KEY = 7_360_211_002;
const BATCH = 500;
/** Marks a transaction's query runner as having published, for the after-commit wake-up. */
const PUBLISHED = "clawkeepPublishedEvents";

export interface BusEvent {
  /** Opaque resume position: pass it back as `after` to continue behind this event. */
  cursor: string;
  topic: string;
  orgId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

export interface SubscribeOptions {
  topics: string[];
  /** Only events of this organisation. */
  orgId?: string;
  /** Resume after this cursor; absent means "events published from now on". */
  after?: string;
  signal: AbortSignal;
}

export interface EventBusOptions {
  pollIntervalMs?: number;
  /** Events older than this are deleted hourly; unset keeps them forever. */
  retentionHours?: number;
  logger: Logger;
}

const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

export class EventBus {
  private generation = 0;
  private readonly waiters = new Set<() => void>();
  private stopListening: (() => Promise<void>) | undefined;
  private poller: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly database: Database,
    private readonly options: EventBusOptions,
  ) {}

  async start(): Promise<void> {
    const wakeAfterCommit: EntitySubscriberInterface = {
      afterTransactionCommit: (event: TransactionCommitEvent) => {
        const data = event.queryRunner.data as Record<string, unknown>;
        if (!data[PUBLISHED]) return;
        delete data[PUBLISHED];
        this.wake();
      },
      afterTransactionRollback: (event) => {
        delete (event.queryRunner.data as Record<string, unknown>)[PUBLISHED];
      },
    };
    this.database.dataSource.subscribers.push(wakeAfterCommit);
    this.stopListening = await this.database.listen(EVENTS_CHANNEL, () => this.wake());
    this.poller = setInterval(() => this.wake(), this.options.pollIntervalMs ?? 5000);
    this.poller.unref();
    const retentionHours = this.options.retentionHours;
    if (retentionHours) {
      this.pruner = setInterval(() => {
        this.prune(retentionHours).then(
          (count) => count > 0 && this.options.logger.info({ count, retention_hours: retentionHours }, "pruned old events"),
          (error: unknown) => this.options.logger.warn({ err: error }, "pruning old events failed"),
        );
      }, PRUNE_INTERVAL_MS);
      this.pruner.unref();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    clearInterval(this.pruner);
    this.wake();
    await this.stopListening?.();
  }

  /** Appends an event inside the caller's transaction; it becomes visible when that commits. */
  async publish(manager: EntityManager, topic: string, payload: Record<string, unknown>, orgId: string | null = null): Promise<string> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error("EventBus.publish must run inside a transaction; use publishNow outside one");
    }
    await manager.query("SELECT pg_advisory_xact_lock($1)", [PUBLISH_LOCK_KEY]);
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO "clawkeep_events" ("topic", "org_id", "payload") VALUES ($1, $2, $3) RETURNING "id"`,
      [topic, orgId, JSON.stringify(payload)],
    );
    await manager.query("SELECT pg_notify($1, '')", [EVENTS_CHANNEL]);
    (manager.queryRunner.data as Record<string, unknown>)[PUBLISHED] = true;
    return rows[0].id;
  }

  /** Publishes in a transaction of its own. */
  publishNow(topic: string, payload: Record<string, unknown>, orgId: string | null = null): Promise<string> {
    return this.database.dataSource.transaction((manager) => this.publish(manager, topic, payload, orgId));
  }

  /** The cursor of the newest event, or "0" when there is none. */
  async latestCursor(): Promise<string> {
    const rows: { id: string | null }[] = await this.database.dataSource.query(`SELECT max("id")::text AS "id" FROM "clawkeep_events"`);
    return rows[0].id ?? "0";
  }

  /** Where a watcher starts: after `cursor` when it sent one (checked as below), else from now on. */
  async startingCursor(cursor: string | undefined): Promise<string> {
    return cursor === undefined ? this.latestCursor() : this.resumableCursor(cursor);
  }

  /**
   * Checks a cursor a watcher sent back to resume from: it must be one this bus issued (400
   * otherwise), and the events after it must still be here (FAILED_PRECONDITION once retention
   * pruned them: the watcher missed events and should re-list).
   */
  async resumableCursor(cursor: string): Promise<string> {
    parseCursor(cursor);
    const [row]: { latest: string | null; oldest: string | null }[] = await this.database.dataSource.query(
      `SELECT max("id")::text AS "latest", min("id")::text AS "oldest" FROM "clawkeep_events"`,
    );
    // A cursor past the newest event was never issued; accepting it would silently skip events.
    if (BigInt(cursor) > BigInt(row.latest ?? "0")) throw new DomainError("invalid_argument", `cursor "${cursor}" is not a cursor this server issued`);
    if (row.oldest !== null && BigInt(cursor) < BigInt(row.oldest) - 1n) {
      throw new DomainError(
        "failed_precondition",
        `the events after cursor "${cursor}" are older than the retention window and were pruned; list the current state again and watch without a cursor`,
      );
    }
    return cursor;
  }

  /** Streams matching events after the cursor, in order, until the signal aborts or the bus closes. */
  async *subscribe(options: SubscribeOptions): AsyncGenerator<BusEvent> {
    let cursor = options.after === undefined ? await this.latestCursor() : parseCursor(options.after);
    while (!options.signal.aborted && !this.closed) {
      const seen = this.generation;
      const events = await this.read(cursor, options);
      for (const event of events) {
        if (options.signal.aborted) return;
        yield event;
        cursor = event.cursor;
      }
      if (events.length < BATCH) await this.waitForWake(seen, options.signal);
    }
  }

  /** Deletes events older than `maxAgeHours`; returns how many went. */
  async prune(maxAgeHours: number): Promise<number> {
    const result: unknown = await this.database.dataSource.query(
      `DELETE FROM "clawkeep_events" WHERE "created_at" < now() - make_interval(hours => $1)`,
      [maxAgeHours],
    );
    return affectedOf(result);
  }

  private async read(after: string, options: SubscribeOptions): Promise<BusEvent[]> {
    const params: unknown[] = [after, options.topics];
    let orgFilter = "";
    if (options.orgId) {
      params.push(options.orgId);
      orgFilter = `AND "org_id" = $3`;
    }
    const rows: { id: string; topic: string; org_id: string | null; payload: Record<string, unknown>; created_at: Date }[] =
      await this.database.dataSource.query(
        `SELECT "id"::text AS "id", "topic", "org_id", "payload", "created_at" FROM "clawkeep_events"
         WHERE "id" > $1::bigint AND "topic" = ANY($2) ${orgFilter} ORDER BY "id" LIMIT ${BATCH}`,
        params,
      );
    return rows.map((r) => ({ cursor: r.id, topic: r.topic, orgId: r.org_id, payload: r.payload, createdAt: new Date(r.created_at) }));
  }

  private wake(): void {
    this.generation++;
    for (const resolve of this.waiters) resolve();
    this.waiters.clear();
  }

  /** Waits for a wake-up newer than `seen` (one that came during the last read counts). */
  private waitForWake(seen: number, signal: AbortSignal): Promise<void> {
    if (this.generation !== seen || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener("abort", done);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

function parseCursor(cursor: string): string {
  if (!/^\d{1,19}$/.test(cursor)) throw new DomainError("invalid_argument", `cursor "${cursor.slice(0, 40)}" is not a cursor this server issued`);
  return cursor;
}
