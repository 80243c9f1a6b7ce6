// The audit log over the real routes: queries (filters, paging, visibility), chain verification
// (valid, edited, deleted, truncated, windows, JSONB round trips) and the live stream (cursors,
// filters, clean shutdown).
import { randomUUID } from "node:crypto";
import { Code, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AuditService, type WatchAuditEventsResponse } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { AuditAction } from "../../src/domain/audit/actions.js";
import type { ActorType, AuditEntry, AuditEvent } from "../../src/domain/audit/audit-log.js";
import { shutdownSignalKey } from "../../src/server/context.js";
import { createHarness, type Harness, NO_RATE_LIMIT, rejection } from "./harness.js";
import { invitedMember, signUp, type Person } from "./people.js";
import { appendChained, chainHead } from "../support/audit.js";

let harness: Harness;
let audit: Client<typeof AuditService>;
beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
  audit = createClient(AuditService, harness.transport);
});
afterAll(async () => {
  await harness?.close();
});

async function orgOf(person: Person): Promise<string> {
  const [row]: { org_id: string }[] = await harness.database.dataSource.query(`SELECT "org_id" FROM "clawkeep_memberships" WHERE "user_id" = $1`, [person.id]);
  return row.org_id;
}

/** Appends an event to `orgId`'s chain as the server does, in a transaction of its own, and chains it. */
function append(orgId: string, fields: { action?: AuditAction; resourceId?: string; actor?: { type: ActorType; id: string }; details?: Record<string, unknown> } = {}): Promise<AuditEvent> {
  return appendChained(harness.app, harness.database.dataSource, {
    orgId,
    actor: fields.actor ?? { type: "system", id: "" },
    action: fields.action ?? "user.update",
    resource: { type: "test", id: fields.resourceId ?? randomUUID() },
    details: fields.details ?? {},
    ip: "198.51.100.1",
  } as AuditEntry);
}

/** The cursor of the organisation's newest event: a stream resumed from it sees only what comes next. */
const latestCursor = (orgId: string) => chainHead(harness.database.dataSource, orgId);

/** A new organisation whose owner has signed up (so its chain starts with their sign-up events). */
async function newOrg(): Promise<{ owner: Person; orgId: string }> {
  const owner = await signUp(harness.transport);
  const orgId = await orgOf(owner);
  await harness.app.auditSequencer.flush(orgId);
  return { owner, orgId };
}

describe("QueryAuditEvents", () => {
  it("returns the organisation's events newest first, with every chain field", async () => {
    const { owner, orgId } = await newOrg();
    const appended = await append(orgId, { action: "org.settings_update", details: { n: 1, nested: { b: true, a: [1, "x"] } } });
    const { events, count } = await audit.queryAuditEvents({}, { headers: owner.headers });
    expect(count).toBe(events.length);
    expect(events[0]).toMatchObject({
      id: appended.id,
      orgId,
      actorType: "system",
      actorId: "",
      action: "org.settings_update",
      resourceType: "test",
      resourceId: appended.resourceId,
      details: { n: 1, nested: { b: true, a: [1, "x"] } },
      ipAddress: "198.51.100.1",
      prevEventId: appended.prevEventId ?? undefined,
      integrityHash: appended.integrityHash,
    });
    expect(events[0].createdAt && new Date(Number(events[0].createdAt.seconds) * 1000 + events[0].createdAt.nanos / 1e6).toISOString()).toBe(appended.createdAt);
    // The sign-up came first, so it is further down the page.
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(["user.signup", "org.settings_update"]));
    const seqOrder = events.map((e) => e.id);
    const rows: { id: string }[] = await harness.database.dataSource.query(`SELECT "id" FROM "clawkeep_audit_events" WHERE "org_id" = $1 ORDER BY "seq" DESC`, [orgId]);
    expect(seqOrder).toEqual(rows.map((r) => r.id));
  });

  it("filters by resource, actor, action and time range, combined with AND", async () => {
    const { owner, orgId } = await newOrg();
    const resource = randomUUID();
    const actor = randomUUID();
    const a = await append(orgId, { action: "api_key.create", resourceId: resource, actor: { type: "user", id: actor } });
    const b = await append(orgId, { action: "api_key.revoke", resourceId: resource });
    const c = await append(orgId, { action: "api_key.create", actor: { type: "user", id: actor } });
    const ids = async (filters: Record<string, unknown>) => (await audit.queryAuditEvents(filters, { headers: owner.headers })).events.map((e) => e.id);
    expect(await ids({ resourceId: resource })).toEqual([b.id, a.id]);
    expect(await ids({ actorId: actor })).toEqual([c.id, a.id]);
    expect(await ids({ action: "api_key.create" })).toEqual([c.id, a.id]);
    expect(await ids({ action: "api_key.create", resourceId: resource })).toEqual([a.id]);
    expect(await ids({ action: "share.revoke" })).toEqual([]);
    // from is inclusive, to exclusive.
    const at = (e: AuditEvent) => timestampFromDate(new Date(e.createdAt));
    expect(await ids({ action: "api_key.create", from: at(c) })).toEqual([c.id]);
    expect(await ids({ action: "api_key.create", to: at(c) })).toEqual(new Date(a.createdAt) < new Date(c.createdAt) ? [a.id] : []);
    expect(await ids({ resourceId: resource, from: at(a), to: timestampFromDate(new Date(Date.parse(b.createdAt) + 1)) })).toEqual([b.id, a.id]);
  });

  it("pages with limit and offset, and refuses out-of-range values with a sentence", async () => {
    const { owner, orgId } = await newOrg();
    const appended: AuditEvent[] = [];
    for (let n = 0; n < 7; n++) appended.push(await append(orgId, { action: "ip_rule.create" }));
    const newestFirst = appended.map((e) => e.id).reverse();
    const page = async (limit?: number, offset?: number) =>
      (await audit.queryAuditEvents({ action: "ip_rule.create", limit, offset }, { headers: owner.headers })).events.map((e) => e.id);
    expect(await page(3)).toEqual(newestFirst.slice(0, 3));
    expect(await page(3, 3)).toEqual(newestFirst.slice(3, 6));
    expect(await page(3, 6)).toEqual(newestFirst.slice(6));
    expect(await page(3, 70)).toEqual([]);
    expect(await page()).toEqual(newestFirst);
    for (const [input, message] of [
      [{ limit: 0 }, "limit must be a whole number between 1 and 1000, got 0"],
      [{ limit: 1001 }, "limit must be a whole number between 1 and 1000, got 1001"],
      [{ limit: -5 }, "limit must be a whole number between 1 and 1000, got -5"],
      [{ offset: -1 }, "offset must be a whole number 0 or more, got -1"],
    ] as const) {
      const error = await rejection(audit.queryAuditEvents(input, { headers: owner.headers }));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toBe(message);
    }
  });

  it("refuses an action filter that is not an audit action, listing the ones that are", async () => {
    const { owner } = await newOrg();
    for (const request of [
      () => audit.queryAuditEvents({ action: "secret.reed" }, { headers: owner.headers }),
      () => watch(audit, owner, { action: "secret.reed" }, 1),
    ]) {
      const error = await rejection(request());
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toMatch(/^action "secret\.reed" is not an audit action; use one of org\.create, .*secret\.read, .*share\.revoke, .*transaction\.denied$/);
    }
  });

  it("shows people every event of their own organisation and nothing of another", async () => {
    const first = await newOrg();
    const second = await newOrg();
    const member = await invitedMember(harness.transport, first.owner, "member");
    const secret = await append(second.orgId, { action: "ip_rule.delete" });
    const seen = (await audit.queryAuditEvents({}, { headers: member.headers })).events;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.orgId === first.orgId)).toBe(true);
    expect(seen.map((e) => e.action)).toEqual(expect.arrayContaining(["org.invite", "user.signup"]));
    expect((await audit.queryAuditEvents({ resourceId: secret.resourceId }, { headers: member.headers })).events).toEqual([]);
  });

  it("shows an agent only the events it is the actor of", async () => {
    // Agents cannot sign in yet; the domain's rule is checked with an agent principal directly.
    const { orgId } = await newOrg();
    const agentId = randomUUID();
    const own = await append(orgId, { action: "secret.read", actor: { type: "agent", id: agentId } });
    await append(orgId, { action: "secret.read", actor: { type: "agent", id: randomUUID() } });
    await append(orgId, { action: "secret.read", actor: { type: "user", id: agentId } });
    const events = await harness.app.auditQuery.query({ type: "agent", id: agentId, orgId }, {});
    expect(events.map((e) => e.id)).toEqual([own.id]);
  });
});

describe("VerifyAuditChain", () => {
  it("recomputes every HMAC of a sound chain and describes the scheme", async () => {
    const { owner, orgId } = await newOrg();
    // Past seq 10, so that ordering by seq as text instead of as a number would show.
    for (let n = 0; n < 12; n++) await append(orgId, { details: { n } });
    const [{ total }]: { total: number }[] = await harness.database.dataSource.query(`SELECT count(*)::int AS "total" FROM "clawkeep_audit_events" WHERE "org_id" = $1`, [orgId]);
    const result = await audit.verifyAuditChain({}, { headers: owner.headers });
    expect(result).toMatchObject({ chainValid: true, eventsVerified: total, eventsChecked: total });
    expect(result.brokenAtEventId).toBeUndefined();
    expect(result.brokenReason).toBeUndefined();
    expect(result.scheme).toMatchObject({ algorithm: "HMAC-SHA256", hashField: "integrity_hash", linkField: "prev_event_id" });
    expect(result.scheme?.chainStructure).toMatch(/HMAC-SHA256.*canonical JSON.*created_at/);
    expect(result.scheme?.documentation).toMatch(/^https:\/\/.*#audit-chain$/);
  });

  it("reproduces hashes of details whose keys JSONB reorders, and of awkward values", async () => {
    const { owner, orgId } = await newOrg();
    await append(orgId, {
      details: {
        zeta: 1,
        a: { long_key_name: "x", b: [3, 2, 1], é: "ü ☃ 𝄞", "": "empty key" },
        mid: null,
        numbers: [0.1, -0, 1e21, 123456789.125, -7, 2 ** 53 - 1],
        flags: [true, false],
        text: 'quote " backslash \\ newline \n tab \t',
      },
    });
    const stored: { details: Record<string, unknown> }[] = await harness.database.dataSource.query(
      `SELECT "details" FROM "clawkeep_audit_events" WHERE "org_id" = $1 ORDER BY "seq" DESC LIMIT 1`,
      [orgId],
    );
    // JSONB does not keep insertion order (shorter keys first), so only canonical JSON can agree.
    expect(Object.keys(stored[0].details)).not.toEqual(["zeta", "a", "mid", "numbers", "flags", "text"]);
    expect((await audit.verifyAuditChain({}, { headers: owner.headers })).chainValid).toBe(true);
  });

  it("reproduces the hashed created_at of an event written on a whole second", async () => {
    const { owner, orgId } = await newOrg();
    // Only Date is faked: the database's timers keep running.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(new Date("2031-02-03T04:05:06.000Z"));
      expect((await append(orgId)).createdAt).toBe("2031-02-03T04:05:06.000Z");
    } finally {
      vi.useRealTimers();
    }
    expect((await audit.verifyAuditChain({}, { headers: owner.headers })).chainValid).toBe(true);
  });

  it("names an edited event with integrity_hash_mismatch and still counts the sound ones", async () => {
    const { owner, orgId } = await newOrg();
    const events: AuditEvent[] = [];
    for (let n = 0; n < 4; n++) events.push(await append(orgId, { details: { amount: n } }));
    await harness.database.dataSource.query(`UPDATE "clawkeep_audit_events" SET "details" = '{"amount": 100}'::jsonb WHERE "id" = $1`, [events[1].id]);
    const result = await audit.verifyAuditChain({}, { headers: owner.headers });
    expect(result).toMatchObject({ chainValid: false, brokenAtEventId: events[1].id, brokenReason: "integrity_hash_mismatch" });
    expect(result.eventsVerified).toBe(result.eventsChecked - 1);
  });

  it.each([
    ["created_at", `"created_at" = "created_at" + interval '1 millisecond'`],
    ["actor_id", `"actor_id" = 'someone-else'`],
    ["action", `"action" = 'test.innocent'`],
  ])("notices an edited %s", async (_, assignment) => {
    const { owner, orgId } = await newOrg();
    const target = await append(orgId);
    await append(orgId);
    await harness.database.dataSource.query(`UPDATE "clawkeep_audit_events" SET ${assignment} WHERE "id" = $1`, [target.id]);
    expect(await audit.verifyAuditChain({}, { headers: owner.headers })).toMatchObject({ chainValid: false, brokenAtEventId: target.id, brokenReason: "integrity_hash_mismatch" });
  });

  it("names the event after a deleted one with prev_event_id_mismatch", async () => {
    const { owner, orgId } = await newOrg();
    const events: AuditEvent[] = [];
    for (let n = 0; n < 4; n++) events.push(await append(orgId));
    await harness.database.dataSource.query(`DELETE FROM "clawkeep_audit_events" WHERE "id" = $1`, [events[1].id]);
    const result = await audit.verifyAuditChain({}, { headers: owner.headers });
    expect(result).toMatchObject({ chainValid: false, brokenAtEventId: events[2].id, brokenReason: "prev_event_id_mismatch" });
  });

  it("notices a deleted first event", async () => {
    const { owner, orgId } = await newOrg();
    const [first]: { id: string }[] = await harness.database.dataSource.query(`SELECT "id" FROM "clawkeep_audit_events" WHERE "org_id" = $1 AND "seq" = 1`, [orgId]);
    const [second]: { id: string }[] = await harness.database.dataSource.query(`SELECT "id" FROM "clawkeep_audit_events" WHERE "org_id" = $1 AND "seq" = 2`, [orgId]);
    await harness.database.dataSource.query(`DELETE FROM "clawkeep_audit_events" WHERE "id" = $1`, [first.id]);
    expect(await audit.verifyAuditChain({}, { headers: owner.headers })).toMatchObject({ chainValid: false, brokenAtEventId: second.id, brokenReason: "prev_event_id_mismatch" });
  });

  it("notices events deleted from the end of the chain, naming the newest missing one", async () => {
    const { owner, orgId } = await newOrg();
    await append(orgId);
    const last = await append(orgId);
    await harness.database.dataSource.query(`DELETE FROM "clawkeep_audit_events" WHERE "id" = $1`, [last.id]);
    const result = await audit.verifyAuditChain({}, { headers: owner.headers });
    expect(result).toMatchObject({ chainValid: false, brokenAtEventId: last.id, brokenReason: "prev_event_id_mismatch" });
    expect(result.eventsVerified).toBe(result.eventsChecked);
  });

  it("notices an inserted event that claims a place in the chain", async () => {
    const { owner, orgId } = await newOrg();
    const before = await append(orgId);
    const after = await append(orgId);
    // A forger without the key renumbers the later event and slips a row in between.
    const forged = randomUUID();
    await harness.database.dataSource.query(`UPDATE "clawkeep_audit_events" SET "seq" = "seq" + 1 WHERE "id" = $1`, [after.id]);
    await harness.database.dataSource.query(
      `INSERT INTO "clawkeep_audit_events" ("id", "org_id", "seq", "actor_type", "actor_id", "action", "resource_type", "resource_id", "details", "created_at", "prev_event_id", "integrity_hash")
       VALUES ($1, $2, $3, 'user', '', 'test.forged', 'test', 'x', '{}', now(), $4, $5)`,
      [forged, orgId, before.seq + 1, before.id, "ab".repeat(32)],
    );
    const result = await audit.verifyAuditChain({}, { headers: owner.headers });
    expect(result).toMatchObject({ chainValid: false, brokenAtEventId: forged, brokenReason: "integrity_hash_mismatch" });
    // The renumbered event no longer follows its predecessor either.
    expect(result.eventsVerified).toBe(result.eventsChecked - 2);
  });

  it("verifies a window from its middle against the stored hash of the event before it, and honours limit", async () => {
    const { owner, orgId } = await newOrg();
    const events: AuditEvent[] = [];
    for (let n = 0; n < 6; n++) {
      events.push(await append(orgId, { details: { n } }));
      await new Promise((r) => setTimeout(r, 3));
    }
    const from = timestampFromDate(new Date(events[2].createdAt));
    const to = timestampFromDate(new Date(events[5].createdAt));
    expect(await audit.verifyAuditChain({ from, to }, { headers: owner.headers })).toMatchObject({ chainValid: true, eventsChecked: 3, eventsVerified: 3 });
    expect(await audit.verifyAuditChain({ from, limit: 2 }, { headers: owner.headers })).toMatchObject({ chainValid: true, eventsChecked: 2 });
    // An edit before the window is outside it; the window itself is still sound.
    await harness.database.dataSource.query(`UPDATE "clawkeep_audit_events" SET "details" = '{"n": 9}'::jsonb WHERE "id" = $1`, [events[0].id]);
    expect((await audit.verifyAuditChain({ from }, { headers: owner.headers })).chainValid).toBe(true);
    expect((await audit.verifyAuditChain({}, { headers: owner.headers })).brokenAtEventId).toBe(events[0].id);
  });

  it("refuses limits outside 1-10000 and an empty window", async () => {
    const { owner } = await newOrg();
    for (const limit of [0, 10_001]) {
      const error = await rejection(audit.verifyAuditChain({ limit }, { headers: owner.headers }));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toBe(`limit must be a whole number between 1 and 10000, got ${limit}`);
    }
    const now = timestampFromDate(new Date());
    expect((await rejection(audit.verifyAuditChain({ from: now, to: now }, { headers: owner.headers }))).rawMessage).toBe("from must be earlier than to");
  });

  it("verifies only the caller's organisation", async () => {
    const tampered = await newOrg();
    const sound = await newOrg();
    const event = await append(tampered.orgId);
    await harness.database.dataSource.query(`UPDATE "clawkeep_audit_events" SET "action" = 'x' WHERE "id" = $1`, [event.id]);
    expect((await audit.verifyAuditChain({}, { headers: sound.owner.headers })).chainValid).toBe(true);
  });
});

/** Reads `count` messages of a WatchAuditEvents stream, then cancels it. */
async function watch(client: Client<typeof AuditService>, person: Person, request: Record<string, unknown>, count: number): Promise<WatchAuditEventsResponse[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10_000);
  const messages: WatchAuditEventsResponse[] = [];
  try {
    for await (const message of client.watchAuditEvents(request, { headers: person.headers, signal: controller.signal })) {
      messages.push(message);
      if (messages.length === count) break;
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  if (messages.length < count) throw new Error(`received ${messages.length} of ${count} events`);
  return messages;
}

describe("WatchAuditEvents", () => {
  it("streams the organisation's events after a cursor, and resumes after any cursor with none lost or repeated", async () => {
    const { owner, orgId } = await newOrg();
    const other = await newOrg();
    const start = await latestCursor(orgId);
    const appended: AuditEvent[] = [];
    for (let n = 0; n < 6; n++) {
      appended.push(await append(orgId, { details: { n } }));
      await append(other.orgId);
    }
    const firstThree = await watch(audit, owner, { cursor: start }, 3);
    const rest = await watch(audit, owner, { cursor: firstThree[2].cursor }, 3);
    const all = [...firstThree, ...rest];
    expect(all.map((m) => m.event?.id)).toEqual(appended.map((e) => e.id));
    expect(all.every((m) => m.event?.orgId === orgId)).toBe(true);
    expect(all[0].event).toMatchObject({ integrityHash: appended[0].integrityHash, details: { n: 0 }, ipAddress: "198.51.100.1" });
    const cursors = all.map((m) => BigInt(m.cursor));
    expect(cursors.every((c, i) => i === 0 || c > cursors[i - 1])).toBe(true);
  });

  it("filters by resource, actor and action", async () => {
    const { owner, orgId } = await newOrg();
    const start = await latestCursor(orgId);
    const actor = randomUUID();
    await append(orgId, { action: "api_key.exchange" });
    const wanted = await append(orgId, { action: "api_key.create", actor: { type: "user", id: actor }, resourceId: "r-1" });
    await append(orgId, { action: "api_key.create", resourceId: "r-2" });
    const last = await append(orgId, { action: "api_key.create", actor: { type: "user", id: actor }, resourceId: "r-1" });
    const [m1, m2] = await watch(audit, owner, { cursor: start, action: "api_key.create", actorId: actor, resourceId: "r-1" }, 2);
    expect([m1.event?.id, m2.event?.id]).toEqual([wanted.id, last.id]);
  });

  it("starts from now without a cursor", async () => {
    const { owner, orgId } = await newOrg();
    const old = await append(orgId, { action: "session.revoke" });
    const received = watch(audit, owner, {}, 1);
    // Keep writing until the stream, which subscribes asynchronously, picks one up.
    let settled = false;
    void received.finally(() => (settled = true));
    const later: string[] = [];
    while (!settled && later.length < 50) {
      await new Promise((r) => setTimeout(r, 50));
      later.push((await append(orgId, { action: "user.password_change" })).id);
    }
    const [message] = await received;
    expect(message.event?.id).not.toBe(old.id);
    expect(later).toContain(message.event?.id);
  });

  it("refuses a malformed cursor and one it never issued", async () => {
    const { owner, orgId } = await newOrg();
    for (const cursor of ["drop table", "-1", "1.5", "99999999999999999999"]) {
      const error = await rejection(watch(audit, owner, { cursor }, 1));
      expect(error.code, cursor).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toMatch(/is not a cursor this server issued/);
    }
    const ahead = String(BigInt(await latestCursor(orgId)) + 1000n);
    expect((await rejection(watch(audit, owner, { cursor: ahead }, 1))).code).toBe(Code.InvalidArgument);
  });

  it("ends cleanly (OK) when the server shuts down", async () => {
    const { owner, orgId } = await newOrg();
    const shutdown = new AbortController();
    const withShutdown: Interceptor = (next) => (req) => {
      req.contextValues.set(shutdownSignalKey, shutdown.signal);
      return next(req);
    };
    const server = harness.mount({ env: NO_RATE_LIMIT, interceptors: (built) => [withShutdown, ...built] });
    const client = createClient(AuditService, server.transport);
    const start = await latestCursor(orgId);
    await append(orgId);
    const messages: WatchAuditEventsResponse[] = [];
    const done = (async () => {
      for await (const message of client.watchAuditEvents({ cursor: start }, { headers: owner.headers })) {
        messages.push(message);
        if (messages.length === 1) shutdown.abort();
      }
    })();
    await expect(done).resolves.toBeUndefined();
    expect(messages).toHaveLength(1);
  });
});
