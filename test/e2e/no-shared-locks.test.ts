// No lock shared by unrelated requests: while one organisation's transaction is held open after it
// appended an audit event and published on the bus, other organisations' reads, writes and token
// exchanges, and the same organisation's reads, complete. The login that used to hang once the
// signing keys were older than a minute answers, and so do an agent's exchange and a burst of its
// reads, batched, after a minute idle. And over two instances, thousands of concurrent
// reads of one organisation are each chained exactly once, with no gap.
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { usingPostgres } from "../support/database.js";
import { PASSWORD } from "../support/people.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { startInstancePair, startTestServer, type TestServer } from "../support/server.js";
import { NO_RATE_LIMIT } from "../support/rate-limit.js";


interface Org {
  owner: RestPerson;
  orgId: string;
  vaultId: string;
  agent: { id: string; apiKey: string; token: string };
}

/** An organisation with a vault, a secret at app/key, and an agent that may read app/**. */
async function newOrg(rest: RestCall, dataSource: DataSource): Promise<Org> {
  const owner = await restSignup(rest);
  const json = async (res: Promise<Response>, status = 201) => {
    const response = await res;
    if (response.status !== status) throw new Error(`${response.url} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as Record<string, unknown> & { id: string };
  };
  const vault = await json(rest("POST", "/v1/vaults", owner.token, { name: "locks" }));
  await json(rest("PUT", `/v1/vaults/${vault.id}/secrets/app/key`, owner.token, { value: "s3cret", type: "api_key" }));
  const created = (await json(rest("POST", "/v1/agents", owner.token, { name: "reader" }))) as unknown as { agent: { id: string }; api_key: string };
  await json(rest("POST", `/v1/vaults/${vault.id}/policies`, owner.token, { secret_path_pattern: "app/**", principal_type: "agent", principal_id: created.agent.id, permissions: ["read"] }));
  const exchanged = (await json(rest("POST", "/v1/auth/agent-token", undefined, { agent_id: created.agent.id, api_key: created.api_key }), 200)) as unknown as { access_token: string };
  const [{ org_id: orgId }]: { org_id: string }[] = await dataSource.query(`SELECT "org_id" FROM "clawkeep_memberships" WHERE "user_id" = $1`, [owner.id]);
  return { owner, orgId, vaultId: vault.id, agent: { id: created.agent.id, apiKey: created.api_key, token: exchanged.access_token } };
}

/** Fails when `call` has not answered within `ms`: a request stuck behind someone else's lock. */
async function within<T>(ms: number, what: string, call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([call, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe("one server", () => {
  let server: TestServer;
  let rest: RestCall;
  beforeAll(async () => {
    server = await startTestServer({ env: NO_RATE_LIMIT });
    rest = restCaller(server.url);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("serves others, and the same organisation's reads, while one organisation holds a transaction that audited and published", async () => {
    const a = await newOrg(rest, server.database.dataSource);
    const b = await newOrg(rest, server.database.dataSource);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let appended!: () => void;
    const inside = new Promise<void>((resolve) => (appended = resolve));
    const slow = server.database.dataSource.transaction(async (manager) => {
      await server.app.audit.append(manager, { orgId: a.orgId, actor: { type: "system", id: "" }, action: "session.revoke", resource: { type: "test", id: "held" } });
      await server.bus.publish(manager, "test.held", {}, a.orgId);
      appended();
      await held;
    });
    await inside;
    try {
      const readB = await within(5000, "a read of another organisation", rest("GET", `/v1/vaults/${b.vaultId}/secrets/app/key`, b.agent.token));
      expect(readB.status).toBe(200);
      const writeB = await within(5000, "a write of another organisation", rest("PUT", `/v1/vaults/${b.vaultId}/secrets/app/other`, b.owner.token, { value: "w" }));
      expect(writeB.status).toBe(201);
      const exchangeB = await within(5000, "an exchange of another organisation", rest("POST", "/v1/auth/agent-token", undefined, { agent_id: b.agent.id, api_key: b.agent.apiKey }));
      expect(exchangeB.status).toBe(200);
      const readA = await within(5000, "a read of the same organisation", rest("GET", `/v1/vaults/${a.vaultId}/secrets/app/key`, a.agent.token));
      expect(((await readA.json()) as { value: string }).value).toBe("s3cret");
    } finally {
      release();
      await slow;
    }
    // The held event joins the chain once it commits; the chain verifies with nothing pending.
    const verify = (await (await rest("GET", "/v1/audit/verify", a.owner.token)).json()) as { chain_valid: boolean; events_pending: number };
    expect(verify).toMatchObject({ chain_valid: true, events_pending: 0 });
    const heldEvents = (await (await rest("GET", "/v1/audit/events?action=session.revoke", a.owner.token)).json()) as { events: unknown[] };
    expect(heldEvents.events).toHaveLength(1);
  });

  it("answers a login at once when the signing keys are due for a reload (a minute after they were read)", async () => {
    const person = await restSignup(rest);
    // Only Date is faked: the server's sockets and timers keep running.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 65_000);
      const login = await within(10_000, "the login", rest("POST", "/v1/auth/token", undefined, { email: person.email, password: PASSWORD }));
      expect(login.status).toBe(200);
      const { access_token: token } = (await login.json()) as { access_token: string };
      expect((await within(5000, "GET /v1/auth/me", rest("GET", "/v1/auth/me", token))).status).toBe(200);
      expect((await within(5000, "GET /v1/health", rest("GET", "/v1/health"))).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });

  it("serves a burst of agent reads and an exchange at once after a minute idle, each read audited once", async () => {
    const org = await newOrg(rest, server.database.dataSource);
    // Past the signing keys' reload and the verified tokens' cache; only Date is faked, so the
    // reads' batches, the sequencer and the sockets run on real time.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 65_000);
      const exchange = await within(10_000, "the exchange", rest("POST", "/v1/auth/agent-token", undefined, { agent_id: org.agent.id, api_key: org.agent.apiKey }));
      expect(exchange.status).toBe(200);
      const { access_token: fresh } = (await exchange.json()) as { access_token: string };
      // More reads at once than go alone: most of them wait and leave together in batches.
      const reads = await within(
        10_000,
        "40 concurrent reads",
        Promise.all(
          Array.from({ length: 40 }, async (_, i) => {
            const res = await rest("GET", `/v1/vaults/${org.vaultId}/secrets/app/key`, i % 2 ? fresh : org.agent.token);
            return { status: res.status, value: ((await res.json()) as { value?: string }).value };
          }),
        ),
      );
      expect(reads).toEqual(Array.from({ length: 40 }, () => ({ status: 200, value: "s3cret" })));
      const events = (await (await rest("GET", "/v1/audit/events?action=secret.read&limit=100", org.owner.token)).json()) as { events: unknown[] };
      expect(events.events).toHaveLength(40);
      const verify = (await (await rest("GET", "/v1/audit/verify", org.owner.token)).json()) as { chain_valid: boolean; events_pending: number };
      expect(verify).toMatchObject({ chain_valid: true, events_pending: 0 });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe.skipIf(!usingPostgres)("two instances on one PostgreSQL", () => {
  it("chains 2,000 concurrent reads of one organisation exactly once each, with no gap in seq", async () => {
    const pair = await startInstancePair(NO_RATE_LIMIT);
    try {
      const restA = restCaller(pair.a.url);
      const restB = restCaller(pair.b.url);
      const org = await newOrg(restA, pair.a.database.dataSource);
      const READS = 2000;
      let next = 0;
      const worker = async (caller: RestCall) => {
        while (next < READS) {
          next++;
          const res = await caller("GET", `/v1/vaults/${org.vaultId}/secrets/app/key`, org.agent.token);
          if (res.status !== 200) throw new Error(`a read answered ${res.status}: ${await res.text()}`);
          await res.arrayBuffer();
        }
      };
      await Promise.all(Array.from({ length: 48 }, (_, i) => worker(i % 2 === 0 ? restA : restB)));
      const verify = (await (await restB("GET", "/v1/audit/verify?limit=10000", org.owner.token)).json()) as {
        chain_valid: boolean;
        events_checked: number;
        events_verified: number;
        events_pending: number;
      };
      const rows: { reads: number; total: number; max_seq: string; distinct_seq: number; unchained: number }[] = await pair.a.database.dataSource.query(
        `SELECT count(*) FILTER (WHERE "action" = 'secret.read')::int AS "reads", count(*)::int AS "total", max("seq")::text AS "max_seq",
                count(DISTINCT "seq")::int AS "distinct_seq", count(*) FILTER (WHERE "seq" IS NULL)::int AS "unchained"
         FROM "clawkeep_audit_events" WHERE "org_id" = $1`,
        [org.orgId],
      );
      expect(rows[0]).toMatchObject({ reads: READS, unchained: 0, distinct_seq: rows[0].total, max_seq: String(rows[0].total) });
      expect(verify).toMatchObject({ chain_valid: true, events_checked: rows[0].total, events_verified: rows[0].total, events_pending: 0 });
    } finally {
      await pair.close();
    }
    // Nothing here is timed; on a busy 2-core machine 2,000 reads through two servers take a while.
  }, 180_000);
});
