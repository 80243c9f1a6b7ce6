// Appending to the audit chain against a real database: in the caller's transaction, one
// unbroken chain per organisation even under many concurrent writers, and published on the bus.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_TOPIC, AuditLog } from "../../src/domain/audit/audit-log.js";
import { GENESIS_HASH, integrityHash } from "../../src/domain/audit/chain.js";
import { startTestServer, type TestServer } from "../support/server.js";

const KEY = Buffer.alloc(32, 9);
let server: TestServer;
let audit: AuditLog;
beforeAll(async () => {
  server = await startTestServer();
  audit = new AuditLog(server.bus, KEY);
});
afterAll(async () => {
  await server?.close();
});

interface Row {
  id: string;
  seq: string;
  org_id: string;
  actor_type: string;
  actor_id: string;
  action: string;
  resource_type: string;
  resource_id: string;
  details: Record<string, unknown>;
  created_at: Date;
  prev_event_id: string | null;
  integrity_hash: string;
}

async function chainOf(orgId: string): Promise<Row[]> {
  return server.database.dataSource.query(`SELECT * FROM "clawkeep_audit_events" WHERE "org_id" = $1 ORDER BY "seq"`, [orgId]);
}

const append = (orgId: string, n: number) =>
  server.database.dataSource.transaction((manager) =>
    audit.append(manager, { orgId, actor: { type: "system", id: "test" }, action: "test.append", resource: { type: "test", id: String(n) }, details: { n } }),
  );

describe("audit log", () => {
  it("keeps one unbroken chain per organisation under 30 concurrent writers", async () => {
    const orgId = randomUUID();
    const other = randomUUID();
    await Promise.all(Array.from({ length: 30 }, (_, n) => (n % 3 === 0 ? append(other, n) : append(orgId, n))));
    const rows = await chainOf(orgId);
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    let prevHash = GENESIS_HASH;
    let prevId: string | null = null;
    for (const row of rows) {
      expect(row.prev_event_id).toBe(prevId);
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
      prevHash = row.integrity_hash;
      prevId = row.id;
    }
    expect((await chainOf(other)).map((r) => Number(r.seq))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
  });

  it("writes nothing when the surrounding transaction rolls back", async () => {
    const orgId = randomUUID();
    await expect(
      server.database.dataSource.transaction(async (manager) => {
        await audit.append(manager, { orgId, actor: { type: "system", id: "t" }, action: "test.rollback", resource: { type: "t", id: "1" } });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await chainOf(orgId)).toEqual([]);
    await append(orgId, 1);
    expect((await chainOf(orgId)).map((r) => Number(r.seq))).toEqual([1]);
  });

  it("refuses details that would carry secret material", async () => {
    await expect(
      server.database.dataSource.transaction((manager) =>
        audit.append(manager, { orgId: randomUUID(), actor: { type: "system", id: "t" }, action: "x", resource: { type: "t", id: "1" }, details: { nested: { password: "hunter2" } } }),
      ),
    ).rejects.toThrow(/secret material \(key "nested.password"\)/);
  });

  it("publishes each event on the bus for watchers", async () => {
    const orgId = randomUUID();
    const start = await server.bus.latestCursor();
    const event = await append(orgId, 7);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5000);
    for await (const published of server.bus.subscribe({ topics: [AUDIT_TOPIC], orgId, after: start, signal: controller.signal })) {
      expect(published.payload).toMatchObject({ id: event.id, action: "test.append", integrityHash: event.integrityHash });
      break;
    }
    clearTimeout(timer);
  });
});
