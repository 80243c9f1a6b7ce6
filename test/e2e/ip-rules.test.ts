// IP rules against real servers over REST: behind a trusted proxy X-Forwarded-For decides the
// client address that the rules (and the audit log) see; without one it is ignored; and on two
// instances sharing one PostgreSQL a change made on one is enforced by the other on its very
// next request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usingPostgres } from "../support/database.js";
import { statusWithin } from "../support/eventually.js";
import { problemOf } from "../support/http.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { startInstancePair, startTestServer, type InstancePair, type TestServer } from "../support/server.js";

/** The test's own address as the (trusted) proxy forwards it. */
const HOME = "198.51.100.10";

async function call(server: TestServer, method: string, path: string, token: string, options: { body?: unknown; forwardedFor?: string } = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${token}`,
      ...(options.forwardedFor === undefined ? {} : { "x-forwarded-for": options.forwardedFor }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
}

async function signup(server: TestServer): Promise<string> {
  const res = await fetch(`${server.url}/v1/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: uniqueEmail("iprule"), password: PASSWORD }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

interface RuleBody {
  id: string;
  org_id: string;
  rule_type: string;
  cidr: string;
  label: string;
  applies_to: string;
  created_by: string;
  created_at: string;
}

describe("behind a trusted proxy", () => {
  let server: TestServer;
  beforeAll(async () => {
    // The test client connects from 127.0.0.1, so it plays the proxy.
    server = await startTestServer({ env: { CLAWKEEP_TRUSTED_PROXIES: "127.0.0.1, ::1" } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("creates, lists and deletes rules with 1Claw's JSON shapes and statuses", async () => {
    const token = await signup(server);
    const created = await call(server, "POST", "/v1/security/ip-rules", token, {
      body: { rule_type: "deny", cidr: "203.0.113.0/24", label: "scanners", applies_to: "all" },
      forwardedFor: HOME,
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const rule = (await created.json()) as RuleBody;
    expect(Object.keys(rule).sort()).toEqual(["applies_to", "cidr", "created_at", "created_by", "id", "label", "org_id", "rule_type"]);
    expect(rule).toMatchObject({ rule_type: "deny", cidr: "203.0.113.0/24", label: "scanners", applies_to: "all" });
    expect(new Date(rule.created_at).toISOString()).toBeTruthy();
    const listed = await call(server, "GET", "/v1/security/ip-rules", token, { forwardedFor: HOME });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { rules: RuleBody[] }).rules).toEqual([rule]);
    const deleted = await call(server, "DELETE", `/v1/security/ip-rules/${rule.id}`, token, { forwardedFor: HOME });
    expect(deleted.status).toBe(204);
    const empty = await call(server, "GET", "/v1/security/ip-rules", token, { forwardedFor: HOME });
    expect(await empty.json()).toEqual({ rules: [] });
    const again = await call(server, "DELETE", `/v1/security/ip-rules/${rule.id}`, token, { forwardedFor: HOME });
    expect(again.status).toBe(404);
  });

  it("decides by the right-most address the proxy vouches for, never by what the client wrote", async () => {
    const token = await signup(server);
    const created = await call(server, "POST", "/v1/security/ip-rules", token, { body: { rule_type: "deny", cidr: "203.0.113.0/24" }, forwardedFor: HOME });
    expect(created.status).toBe(201);
    const me = (forwardedFor?: string) => call(server, "GET", "/v1/auth/me", token, { forwardedFor });

    const blocked = await me("203.0.113.5");
    expect(blocked.status).toBe(403);
    expect(await problemOf(blocked)).toMatchObject({ status: 403, detail: "your address 203.0.113.5 is blocked by an IP rule of your organisation" });
    // A client that prepends an innocent address to its own gains nothing.
    expect((await me(`${HOME}, 203.0.113.5`)).status).toBe(403);
    // One that prepends a blocked address to an innocent one loses nothing.
    expect((await me(`203.0.113.5, ${HOME}`)).status).toBe(200);
    // Further trusted proxies on the way are skipped.
    expect((await me("203.0.113.5, 127.0.0.1")).status).toBe(403);
    // No header: the proxy itself is the client.
    expect((await me()).status).toBe(200);
    // A malformed entry ends the walk at the last good hop (here the proxy), never further left.
    expect((await me("203.0.113.5, not-an-address")).status).toBe(200);
  });

  it("records the forwarded client address in the audit log, and the chain verifies over REST", async () => {
    const token = await signup(server);
    const created = await call(server, "POST", "/v1/security/ip-rules", token, { body: { rule_type: "allow", cidr: `${HOME}/32` }, forwardedFor: HOME });
    const rule = (await created.json()) as RuleBody;
    const res = await call(server, "GET", `/v1/audit/events?action=ip_rule.create&resource_id=${rule.id}`, token, { forwardedFor: HOME });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { events: Record<string, unknown>[]; count: number };
    expect(body.count).toBe(1);
    expect(body.events[0]).toMatchObject({
      action: "ip_rule.create",
      resource_type: "ip_rule",
      resource_id: rule.id,
      actor_type: "user",
      ip_address: HOME,
      details: { rule_type: "allow", cidr: `${HOME}/32`, label: "" },
    });
    const verify = await call(server, "GET", "/v1/audit/verify?limit=50", token, { forwardedFor: HOME });
    expect(verify.status).toBe(200);
    const result = (await verify.json()) as Record<string, unknown>;
    expect(result).toMatchObject({ chain_valid: true, scheme: { algorithm: "HMAC-SHA256", hash_field: "integrity_hash", link_field: "prev_event_id" } });
    expect(result.events_checked).toBe(result.events_verified);
    expect(typeof result.events_checked).toBe("number");
    // The allow rule now shuts out every other address of the organisation, proxy included.
    expect((await call(server, "GET", "/v1/auth/me", token)).status).toBe(403);
  });
});

describe("without trusted proxies", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it("ignores X-Forwarded-For: the socket's peer is the client", async () => {
    const token = await signup(server);
    expect((await call(server, "POST", "/v1/security/ip-rules", token, { body: { rule_type: "deny", cidr: "203.0.113.0/24" } })).status).toBe(201);
    expect((await call(server, "GET", "/v1/auth/me", token, { forwardedFor: "203.0.113.5" })).status).toBe(200);
    // And the lock-out protection judges the real peer: denying loopback would lock the caller out.
    const lockout = await call(server, "POST", "/v1/security/ip-rules", token, { body: { rule_type: "deny", cidr: "127.0.0.0/8" }, forwardedFor: HOME });
    expect(lockout.status).toBe(409);
    expect((await problemOf(lockout)).detail).toMatch(/would lock you out: your own address 127\.0\.0\.1/);
  });
});

describe.skipIf(!usingPostgres)("two instances on one PostgreSQL", () => {
  let pair: InstancePair;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    pair = await startInstancePair({ CLAWKEEP_TRUSTED_PROXIES: "127.0.0.1, ::1" });
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  // The instance that made a change drops its cached rules once committed; every other instance
  // when PostgreSQL delivers the change's NOTIFY, milliseconds later. So B is asked until it
  // answers as the rules say, for at most a second: a B that never learned, or learned only from
  // its next cache load, fails.
  it("enforces a rule made on one instance on the other within a second, and its deletion too", async () => {
    const token = await signup(a);
    const meOnB = () => call(b, "GET", "/v1/auth/me", token, { forwardedFor: "203.0.113.5" });
    const meOnA = () => call(a, "GET", "/v1/auth/me", token, { forwardedFor: "203.0.113.5" });
    // Repeated, because a cache that lagged behind would show only now and then.
    for (let round = 0; round < 10; round++) {
      expect(await statusWithin(1000, 200, meOnB), `round ${round}, before`).toBe(200); // B has the rules cached
      const created = await call(a, "POST", "/v1/security/ip-rules", token, { body: { rule_type: "deny", cidr: "203.0.113.0/24" }, forwardedFor: HOME });
      expect(created.status).toBe(201);
      expect((await meOnA()).status, `round ${round}, on A after create`).toBe(403);
      expect(await statusWithin(1000, 403, meOnB), `round ${round}, after create`).toBe(403);
      const rule = (await created.json()) as RuleBody;
      expect((await call(a, "DELETE", `/v1/security/ip-rules/${rule.id}`, token, { forwardedFor: HOME })).status).toBe(204);
      expect((await meOnA()).status, `round ${round}, on A after delete`).toBe(200);
      expect(await statusWithin(1000, 200, meOnB), `round ${round}, after delete`).toBe(200);
    }
  });
});
