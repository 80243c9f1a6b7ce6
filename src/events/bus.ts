// The event bus: an append-only events table plus a wake-up signal. Publishing inserts a row in
// the caller's transaction (so an event exists exactly when its change committed); subscribers
// read rows after their cursor, so they resume without loss on any instance.
//
// Order without a lock: each row records the transaction that wrote it (`tx`). Readers order by
// (tx, id) and read only rows whose transaction is older than the oldest one still running (the
// snapshot's xmin): every such transaction has ended, so no row can ever appear behind a reader's
// position. Publishers of unrelated changes never wait on each other. A reader that sees rows
// beyond that horizon (their transaction committed, an older one is still running) looks again
// shortly, so a slow transaction delays readers by its own length only.
//
// Wake-ups: subscribers in this process are woken when a publishing transaction commits; other
// instances by a NOTIFY sent after the commit (coalesced: NOTIFY serialises every committing
// notifier of the cluster on one lock, so it never runs inside a request's transaction). Both
// name the topics, and only subscribers of those topics look. A slow poll backs both up in case a
// wake-up is ever missed.
import type { EntityManager } from "typeorm";
import type { Logger } from "pino";
import { afterCommit } from "../db/after-commit.js";
import type { Database } from "../db/database.js";
import { DomainError } from "../domain/errors.js";
import { EVENTS_CHANNEL, eventsAfter, horizon as currentHorizon, insertEvent, insertEvents, notify, prunedMark, pruneEvents } from "./events-store.js";


const BATCH = 500;
/** How soon a reader held back by an older running transaction looks again. */
const HORIZON_RETRY_MS = 5;

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

/** A position in the bus: the writing transaction, then the row. */
interface Position {
  tx: bigint;
  id: bigint;
}

export class EventBus {
  private readonly subscriptions = new Set<Subscription>();
  private stopListening: (() => Promise<void>) | undefined;
  private poller: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private closed = false;
  /** A NOTIFY is on its way; topics published meanwhile go out in the next one. */
  private notifying = false;
  private readonly toNotify = new Set<string>();

  constructor(
    private readonly database: Database,
    private readonly options: EventBusOptions,
  ) {}

  async start(): Promise<void> {
    // An empty payload (a reconnected listener) may stand for anything: everyone looks.
    this.stopListening = await this.database.listen(EVENTS_CHANNEL, (payload) => this.wake(payload === "" ? undefined : payload.split(",")));
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
    const row = await insertEvent(manager, topic, payload, orgId);
    afterCommit(manager, `events.wake:${topic}`, () => {
      this.wake([topic]);
      this.notifyOtherInstances(topic);
    });
    return formatCursor({ tx: BigInt(row.tx), id: BigInt(row.id) });
  }

  /** Appends several events of one topic in one statement, inside the caller's transaction. */
  async publishMany(manager: EntityManager, topic: string, events: { payload: Record<string, unknown>; orgId: string | null }[]): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) throw new Error("EventBus.publishMany must run inside a transaction");
    if (events.length === 0) return;
    await insertEvents(manager, topic, events);
    afterCommit(manager, `events.wake:${topic}`, () => {
      this.wake([topic]);
      this.notifyOtherInstances(topic);
    });
  }

  /** Publishes in a transaction of its own. */
  publishNow(topic: string, payload: Record<string, unknown>, orgId: string | null = null): Promise<string> {
    return this.database.dataSource.transaction((manager) => this.publish(manager, topic, payload, orgId));
  }

  /**
   * A cursor for "from now on": everything published by a transaction that has ended is behind
   * it, everything from one still running (or yet to start) ahead of it.
   */
  async latestCursor(): Promise<string> {
    return formatCursor({ tx: await this.horizon(), id: 0n });
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
    const position = parseCursor(cursor);
    // A cursor ahead of every ended transaction was never issued; accepting it could skip events.
    if (position.tx > (await this.horizon())) throw new DomainError("invalid_argument", `cursor "${cursor.slice(0, 60)}" is not a cursor this server issued`);
    const pruned = await prunedMark(this.database.dataSource);
    if (pruned && compare(position, { tx: BigInt(pruned.tx), id: BigInt(pruned.id) }) < 0) {
      throw new DomainError(
        "failed_precondition",
        `the events after cursor "${cursor.slice(0, 60)}" are older than the retention window and were pruned; list the current state again and watch without a cursor`,
      );
    }
    return cursor;
  }

  /** Streams matching events after the cursor, in order, until the signal aborts or the bus closes. */
  async *subscribe(options: SubscribeOptions): AsyncGenerator<BusEvent> {
    let position = parseCursor(options.after ?? (await this.latestCursor()));
    const subscription: Subscription = { topics: new Set(options.topics), woken: false };
    this.subscriptions.add(subscription);
    try {
      while (!options.signal.aborted && !this.closed) {
        subscription.woken = false;
        const { events, heldBack } = await this.read(position, options);
        for (const event of events) {
          if (options.signal.aborted) return;
          yield event;
          position = parseCursor(event.cursor);
        }
        if (events.length < BATCH) await this.waitForWake(subscription, options.signal, heldBack ? HORIZON_RETRY_MS : undefined);
      }
    } finally {
      this.subscriptions.delete(subscription);
    }
  }

  /** Deletes events older than `maxAgeHours`; returns how many went. */
  async prune(maxAgeHours: number): Promise<number> {
    return pruneEvents(this.database.dataSource, maxAgeHours);
  }

  /** The events after `after`, up to the horizon; `heldBack` when newer ones wait behind it. */
  private async read(after: Position, options: SubscribeOptions): Promise<{ events: BusEvent[]; heldBack: boolean }> {
    const rows = await eventsAfter(this.database.dataSource, after, options, BATCH);
    const events: BusEvent[] = [];
    for (const row of rows) {
      const tx = BigInt(row.tx);
      if (tx >= BigInt(row.horizon)) return { events, heldBack: true };
      events.push({ cursor: formatCursor({ tx, id: BigInt(row.id) }), topic: row.topic, orgId: row.org_id, payload: row.payload, createdAt: new Date(row.created_at) });
    }
    return { events, heldBack: false };
  }

  /** The oldest transaction still running: every older one has ended. */
  private horizon(): Promise<bigint> {
    return currentHorizon(this.database.dataSource);
  }

  /** One NOTIFY at a time per instance, naming the topics published since the last one. */
  private notifyOtherInstances(topic: string): void {
    this.toNotify.add(topic);
    if (this.notifying) return;
    this.notifying = true;
    void (async () => {
      while (this.toNotify.size > 0 && !this.closed) {
        const topics = [...this.toNotify].join(",");
        this.toNotify.clear();
        await notify(this.database.dataSource, EVENTS_CHANNEL, topics).catch((error: unknown) => {
          this.options.logger.warn({ err: error }, "waking other instances failed; they will find the events on their next poll");
        });
      }
      this.notifying = false;
    })();
  }

  /** Wakes the subscribers of any of `topics`; of every topic when absent. */
  private wake(topics?: string[]): void {
    for (const subscription of this.subscriptions) {
      if (topics && !topics.some((topic) => subscription.topics.has(topic))) continue;
      subscription.woken = true;
      subscription.resolve?.();
    }
  }

  /**
   * Waits until the subscription is woken (a wake-up that came during its last read counts), or
   * at most `timeoutMs` when given.
   */
  private waitForWake(subscription: Subscription, signal: AbortSignal, timeoutMs?: number): Promise<void> {
    if (subscription.woken || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => done(), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        subscription.resolve = undefined;
        resolve();
      };
      subscription.resolve = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

/** A live subscriber: the topics it reads, and how to wake it while it waits. */
interface Subscription {
  topics: Set<string>;
  /** Set by a wake-up; cleared before each read, so one that comes during a read is not lost. */
  woken: boolean;
  resolve?: () => void;
}

/** Cursors read "<tx>.<id>": the writing transaction, then the row. */
function formatCursor(position: Position): string {
  return `${position.tx}.${position.id}`;
}

function parseCursor(cursor: string): Position {
  const match = /^(\d{1,20})\.(\d{1,19})$/.exec(cursor);
  if (!match) throw new DomainError("invalid_argument", `cursor "${cursor.slice(0, 60)}" is not a cursor this server issued`);
  return { tx: BigInt(match[1]), id: BigInt(match[2]) };
}

function compare(a: Position, b: Position): number {
  return a.tx === b.tx ? Number(a.id - b.id) : a.tx < b.tx ? -1 : 1;
}
