// Appending to the audit chain against a real database: in the caller's transaction, without a
// lock, chained right after commit into one unbroken chain per organisation even under many
// concurrent writers.
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/domain/audit/audit-log.js";
import { AUDIT_CHAINED_TOPIC, AuditSequencer } from "../../src/domain/audit/audit-sequencer.js";
import { GENESIS_HASH, integrityHash } from "../../src/domain/audit/chain.js";
import { startTestServer, type TestServer } from "../support/server.js";

const KEY = Buffer.alloc(32, 9);
let server: TestServer;
let sequencer: AuditSequencer;
let audit: AuditLog;
beforeAll(async () => {
  server = await startTestServer();
  sequencer = new AuditSequencer({ dataSource: server.database.dataSource, bus: server.bus, hmacKey: KEY, logger: pino({ level: "silent" }) });
  audit = new AuditLog(sequencer);
});
afterAll(async () => {
  await sequencer?.close();
  await server?.close();
});

interface Row {
  id: string;
  seq: string | null;
  org_id: string;
  actor_type: string;
  actor_id: string;
  action: string;
  resource_type: string;
  resource_id: string;
  details: Record<string, unknown>;
  created_at: Date;
  prev_event_id: string | null;
  integrity_hash: string | null;
}

async function chainOf(orgId: string): Promise<Row[]> {
  return server.database.dataSource.query(`SELECT * FROM "clawkeep_audit_events" WHERE "org_id" = $1 ORDER BY "seq"`, [orgId]);
}

const append = (orgId: string, n: number) =>
  server.database.dataSource.transaction((manager) =>
    audit.append(manager, { orgId, actor: { type: "system", id: "test" }, action: "user.update", resource: { type: "test", id: String(n) }, details: { n } }),
  );

/** Checks every link and HMAC of the organisation's chain, and that seq runs 1..n without a gap. */
function expectSoundChain(rows: Row[]): void {
  expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
  let prevHash = GENESIS_HASH;
  let prevId: string | null = null;
  for (const row of rows) {
    expect(row.prev_event_id).toBe(prevId);
    // The scheme as documented, written out: an independent check of what the sequencer hashed.
    const expected = integrityHash(KEY, prevHash, {
      orgId: row.org_id,
      actorType: row.actor_type,
      actorId: row.actor_id,
      action: row.action,
      resourceType: row.resource_type,
      resourceId: row.resource_id,
      details: row.details,
      createdAt: new Date(row.created_at).toISOString(),
    });
    expect(row.integrity_hash).toBe(expected);
    prevHash = row.integrity_hash as string;
    prevId = row.id;
  }
}

describe("audit log", () => {
  it("keeps one unbroken chain per organisation under 30 concurrent writers", async () => {
    const orgId = randomUUID();
    const other = randomUUID();
    await Promise.all(Array.from({ length: 30 }, (_, n) => (n % 3 === 0 ? append(other, n) : append(orgId, n))));
    await sequencer.flush(orgId);
    await sequencer.flush(other);
    const rows = await chainOf(orgId);
    expect(rows).toHaveLength(20);
    expectSoundChain(rows);
    expectSoundChain(await chainOf(other));
    expect((await chainOf(other)).map((r) => r.details.n)).toHaveLength(10);
  });

  it("makes an event durable at once and chains it right after commit, unasked", async () => {
    const orgId = randomUUID();
    const event = await append(orgId, 1);
    const [stored] = await chainOf(orgId);
    expect(stored.id).toBe(event.id);
    // The commit kicked the sequencer; nobody calls flush here.
    const deadline = Date.now() + 5000;
    while ((await chainOf(orgId))[0].seq === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expectSoundChain(await chainOf(orgId));
  });

  it("chains many organisations' events, unasked, each into its own sound chain", async () => {
    const orgs = Array.from({ length: 12 }, () => randomUUID());
    await Promise.all(orgs.flatMap((orgId) => Array.from({ length: 5 }, (_, n) => append(orgId, n))));
    const deadline = Date.now() + 5000;
    const unchained = async () =>
      (await server.database.dataSource.query(`SELECT count(*)::int AS "n" FROM "clawkeep_audit_events" WHERE "org_id" = ANY($1::uuid[]) AND "seq" IS NULL`, [orgs]))[0].n;
    while ((await unchained()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const orgId of orgs) {
      const rows = await chainOf(orgId);
      expect(rows).toHaveLength(5);
      expectSoundChain(rows);
    }
  });

  it("writes nothing when the surrounding transaction rolls back", async () => {
    const orgId = randomUUID();
    await expect(
      server.database.dataSource.transaction(async (manager) => {
        await audit.append(manager, { orgId, actor: { type: "system", id: "t" }, action: "user.update", resource: { type: "t", id: "1" } });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await sequencer.flush(orgId);
    expect(await chainOf(orgId)).toEqual([]);
    await append(orgId, 1);
    await sequencer.flush(orgId);
    expect((await chainOf(orgId)).map((r) => Number(r.seq))).toEqual([1]);
  });

  it("chains around a transaction still open, and chains its event once it commits", async () => {
    const orgId = randomUUID();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const inside = new Promise<void>((resolve) => (appended = resolve));
    const slow = server.database.dataSource.transaction(async (manager) => {
      await audit.append(manager, { orgId, actor: { type: "system", id: "slow" }, action: "session.revoke", resource: { type: "t", id: "slow" } });
      appended();
      await held;
    });
    await inside;
    await append(orgId, 1);
    await append(orgId, 2);
    await sequencer.flush(orgId);
    expect((await chainOf(orgId)).filter((r) => r.seq !== null).map((r) => r.details.n)).toEqual([1, 2]);
    release();
    await slow;
    await sequencer.flush(orgId);
    const rows = await chainOf(orgId);
    expect(rows.map((r) => r.action)).toEqual(["user.update", "user.update", "session.revoke"]);
    expectSoundChain(rows);
  });

  it("refuses details that would carry secret material", async () => {
    await expect(
      server.database.dataSource.transaction((manager) =>
        audit.append(manager, { orgId: randomUUID(), actor: { type: "system", id: "t" }, action: "user.update", resource: { type: "t", id: "1" }, details: { nested: { password: "hunter2" } } }),
      ),
    ).rejects.toThrow(/secret material \(key "nested.password"\)/);
  });

  it("announces each chained batch on the bus, for watchers", async () => {
    const orgId = randomUUID();
    const start = await server.bus.latestCursor();
    await append(orgId, 7);
    await sequencer.flush(orgId);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5000);
    const seen: unknown[] = [];
    for await (const published of server.bus.subscribe({ topics: [AUDIT_CHAINED_TOPIC], orgId, after: start, signal: controller.signal })) {
      seen.push(published.payload);
      break;
    }
    clearTimeout(timer);
    expect(seen).toEqual([{ seq: 1 }]);
  });
});
