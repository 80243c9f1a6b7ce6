// The event bus against a real database: order, resume by cursor, transactional publishing,
// concurrency, and fan-out between two server instances sharing one PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent, EventBus } from "../../src/events/bus.js";
import { DomainError } from "../../src/domain/errors.js";
import { compareBusCursors } from "../support/cursors.js";
import { freshDatabase, usingPostgres } from "../support/database.js";
import { startInstancePair, startTestServer, type InstancePair, type TestServer } from "../support/server.js";

const ORG_A = "11111111-1111-4111-8111-111111111111";
const ORG_B = "22222222-2222-4222-8222-222222222222";

/** Collects `count` events from a subscription, failing if they do not arrive in time. */
async function collect(bus: EventBus, count: number, options: { topics: string[]; after?: string; orgId?: string }): Promise<BusEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  const events: BusEvent[] = [];
  try {
    for await (const event of bus.subscribe({ ...options, signal: controller.signal })) {
      events.push(event);
      if (events.length === count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  if (events.length < count) throw new Error(`received ${events.length} of ${count} events before the timeout`);
  return events;
}

describe("event bus", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("delivers events after a cursor in publish order, filtered by topic and organisation", async () => {
    const start = await server.bus.latestCursor();
    await server.bus.publishNow("test.order", { n: 1 }, ORG_A);
    await server.bus.publishNow("test.other", { n: 2 }, ORG_A);
    await server.bus.publishNow("test.order", { n: 3 }, ORG_B);
    await server.bus.publishNow("test.order", { n: 4 }, ORG_A);
    const all = await collect(server.bus, 3, { topics: ["test.order"], after: start });
    expect(all.map((e) => e.payload.n)).toEqual([1, 3, 4]);
    const orgA = await collect(server.bus, 2, { topics: ["test.order"], after: start, orgId: ORG_A });
    expect(orgA.map((e) => e.payload.n)).toEqual([1, 4]);
    expect(orgA[0].orgId).toBe(ORG_A);
    expect(orgA[0].createdAt).toBeInstanceOf(Date);
  });

  it("resumes exactly after the cursor of the last event seen", async () => {
    const start = await server.bus.latestCursor();
    for (let n = 1; n <= 5; n++) await server.bus.publishNow("test.resume", { n });
    const firstTwo = await collect(server.bus, 2, { topics: ["test.resume"], after: start });
    const rest = await collect(server.bus, 3, { topics: ["test.resume"], after: firstTwo[1].cursor });
    expect([...firstTwo, ...rest].map((e) => e.payload.n)).toEqual([1, 2, 3, 4, 5]);
  });

  it("wakes a live subscriber when an event is published, without a cursor meaning 'from now'", async () => {
    for (let n = -2; n <= 0; n++) await server.bus.publishNow("test.live", { n });
    const controller = new AbortController();
    const received: number[] = [];
    let woken = 0;
    const reading = (async () => {
      for await (const event of server.bus.subscribe({ topics: ["test.live"], signal: controller.signal })) {
        received.push(event.payload.n as number);
        if (event.payload.n === 1) {
          woken = Date.now();
          return;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await server.bus.publishNow("test.live", { n: 1 });
    const timer = setTimeout(() => controller.abort(), 10_000);
    await reading;
    clearTimeout(timer);
    // "From now" is the oldest transaction still running when the subscription started (across
    // the whole PostgreSQL cluster): events committed just before may come too, the latest of
    // them and in order (never one without those after it), and every later event does.
    expect(received.at(-1)).toBe(1);
    expect([-2, -1, 0].slice(3 - (received.length - 1))).toEqual(received.slice(0, -1));
    // Woken by the commit itself; the 1 s safety poll is only a backstop.
    expect(woken - started).toBeLessThan(900);
  });

  it("publishes only when the surrounding transaction commits", async () => {
    const start = await server.bus.latestCursor();
    await expect(
      server.database.dataSource.transaction(async (manager) => {
        await server.bus.publish(manager, "test.tx", { n: "rolled back" });
        throw new Error("abort the transaction");
      }),
    ).rejects.toThrow("abort the transaction");
    await server.database.dataSource.transaction((manager) => server.bus.publish(manager, "test.tx", { n: "committed" }));
    const events = await collect(server.bus, 1, { topics: ["test.tx"], after: start });
    expect(events[0].payload.n).toBe("committed");
    await expect(server.bus.publish(server.database.dataSource.manager, "test.tx", {})).rejects.toThrow(/inside a transaction/);
  });

  it("loses and reorders nothing when many transactions publish at once", async () => {
    const start = await server.bus.latestCursor();
    const subscriber = collect(server.bus, 40, { topics: ["test.concurrent"], after: start });
    await Promise.all(Array.from({ length: 40 }, (_, n) => server.bus.publishNow("test.concurrent", { n })));
    const events = await subscriber;
    expect(new Set(events.map((e) => e.payload.n)).size).toBe(40);
    expect(events.every((e, i) => i === 0 || compareBusCursors(e.cursor, events[i - 1].cursor) > 0)).toBe(true);
  });

  it("lets other transactions publish while one holds its transaction open, and delivers in one order to all", async () => {
    const start = await server.bus.latestCursor();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let published!: () => void;
    const inside = new Promise<void>((resolve) => (published = resolve));
    const slow = server.database.dataSource.transaction(async (manager) => {
      await server.bus.publish(manager, "test.held", { n: "slow" });
      published();
      await held;
    });
    await inside;
    // No lock orders publishers: these commit while the slow one is still open.
    for (let n = 1; n <= 3; n++) await server.bus.publishNow("test.held", { n });
    const early = server.bus.subscribe({ topics: ["test.held"], after: start, signal: AbortSignal.timeout(300) });
    // Nothing is delivered ahead of the open transaction's event, which may still commit.
    expect(await early.next()).toMatchObject({ done: true });
    release();
    await slow;
    const events = await collect(server.bus, 4, { topics: ["test.held"], after: start });
    expect(events.map((e) => e.payload.n)).toEqual(["slow", 1, 2, 3]);
    const again = await collect(server.bus, 4, { topics: ["test.held"], after: start });
    expect(again.map((e) => e.cursor)).toEqual(events.map((e) => e.cursor));
  });

  it("prunes events older than the retention and keeps newer ones", async () => {
    await server.bus.publishNow("test.prune", { n: "old" });
    await server.bus.publishNow("test.prune", { n: "fresh" });
    await server.database.dataSource.query(`UPDATE "clawkeep_events" SET "created_at" = now() - interval '3 hours' WHERE "payload" = '{"n": "old"}'`);
    expect(await server.bus.prune(2)).toBe(1);
    const left: { payload: unknown }[] = await server.database.dataSource.query(`SELECT "payload" FROM "clawkeep_events" WHERE "topic" = 'test.prune'`);
    expect(left.map((r) => r.payload)).toEqual([{ n: "fresh" }]);
  });

  it("refuses a cursor it did not issue, and one from before what retention pruned", async () => {
    const iterator = server.bus.subscribe({ topics: ["x"], after: "drop table", signal: new AbortController().signal });
    await expect(iterator.next()).rejects.toBeInstanceOf(DomainError);
    const [horizon] = (await server.bus.latestCursor()).split(".");
    await expect(server.bus.resumableCursor(`${BigInt(horizon) + 1000n}.0`)).rejects.toMatchObject({ kind: "invalid_argument" });
    const before = await server.bus.latestCursor();
    await server.bus.publishNow("test.pruned", {});
    // The cursor a watcher holds is one it was delivered: delivery waits until every transaction
    // that began earlier has ended, anywhere on the PostgreSQL cluster (transaction ids are
    // cluster-wide, and other test files run theirs meanwhile), so the publisher's own position
    // can still be ahead of what this bus has issued.
    const [delivered] = await collect(server.bus, 1, { topics: ["test.pruned"], after: before });
    await server.database.dataSource.query(`UPDATE "clawkeep_events" SET "created_at" = now() - interval '3 hours' WHERE "topic" = 'test.pruned'`);
    expect(await server.bus.prune(2)).toBeGreaterThanOrEqual(1);
    await expect(server.bus.resumableCursor(before)).rejects.toMatchObject({ kind: "failed_precondition" });
    expect(await server.bus.resumableCursor(delivered.cursor)).toBe(delivered.cursor);
  });

  it("keeps events in the database across a restart of the server", async () => {
    const database = await freshDatabase();
    try {
      const first = await startTestServer({ database });
      const before = await first.bus.latestCursor();
      await first.bus.publishNow("test.persist", { kept: true });
      await first.close();
      const second = await startTestServer({ database });
      try {
        const events = await collect(second.bus, 1, { topics: ["test.persist"], after: before });
        expect(events[0].payload).toEqual({ kept: true });
      } finally {
        await second.close();
      }
    } finally {
      await database.drop();
    }
  });
});

describe.skipIf(!usingPostgres)("event bus across two instances on one PostgreSQL", () => {
  let pair: InstancePair;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    pair = await startInstancePair();
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  it("delivers an event published on instance A to a live subscriber on instance B", async () => {
    const received = collect(b.bus, 1, { topics: ["test.fanout"] });
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await a.bus.publishNow("test.fanout", { from: "a" });
    const [event] = await received;
    expect(event.payload).toEqual({ from: "a" });
    // LISTEN/NOTIFY wakes B at once; the 1 s safety poll is only a backstop.
    expect(Date.now() - started).toBeLessThan(900);
  });

  it("lets a subscriber on B resume from a cursor issued on A", async () => {
    const start = await a.bus.latestCursor();
    await a.bus.publishNow("test.cross-resume", { n: 1 });
    await b.bus.publishNow("test.cross-resume", { n: 2 });
    const events = await collect(b.bus, 2, { topics: ["test.cross-resume"], after: start });
    expect(events.map((e) => e.payload.n)).toEqual([1, 2]);
    const resumed = await collect(a.bus, 1, { topics: ["test.cross-resume"], after: events[0].cursor });
    expect(resumed[0].payload.n).toBe(2);
  });
});
