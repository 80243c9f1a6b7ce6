// A fleet of 200 agents kept fresh through one WatchFleetTokens stream by FleetTokenManager, while
// the agents keep calling the server with the tokens it hands out: one agent is deactivated,
// another's key is rotated, the server restarts, and (with PostgreSQL) a second instance on the
// same database takes the agents' calls and the humans' changes, so revocations reach the stream
// from the other instance. No call of a healthy agent is ever made with an expired token, and
// none is refused.
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FleetTokenManager } from "clawkeep/client";
import { freshDatabase, usingPostgres, type FreshDatabase } from "../support/database.js";
import { createAgents, jwtExpiry, type TestAgent } from "../support/fleet.js";
import { restCaller, restSignup, type RestPerson } from "../support/rest.js";
import { freePort, startTestServer, type TestServer } from "../support/server.js";
import { NO_RATE_LIMIT } from "../support/rate-limit.js";

const FLEET = 200;
/** Long enough to ride out a restart on a busy machine, short enough for several refreshes. */
const TTL_SECONDS = 20;

let database: FreshDatabase;
let port: number;
let a: TestServer | undefined;
let b: TestServer | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  database = await freshDatabase();
  port = await freePort();
  env = {
    CLAWKEEP_PORT: String(port),
    // Both instances issue and accept the same tokens: one issuer.
    CLAWKEEP_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...NO_RATE_LIMIT,
  };
  a = await startTestServer({ database, env });
  if (usingPostgres) b = await startTestServer({ database, env: { ...env, CLAWKEEP_PORT: "0" } });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
  await database?.drop();
});

describe("a fleet of 200 agents through one stream", () => {
  it(`stays fresh across a revocation, a key rotation, a restart${usingPostgres ? " and a second instance" : ""}`, { timeout: 180_000 }, async () => {
    const url = `http://127.0.0.1:${port}`;
    // Humans and agents talk to B when there is one: the stream (on A) learns of changes from B.
    const other = () => (b ?? a!).url;
    const human: RestPerson = await restSignup(restCaller(url));
    const fleet: TestAgent[] = await createAgents(restCaller(url), human.token, FLEET, { token_ttl_seconds: TTL_SECONDS });
    const issued = new Map<string, number>();
    const streamEnds: string[] = [];
    const manager = new FleetTokenManager({
      baseUrl: url,
      agents: fleet.map((agent) => ({ agentId: agent.id, apiKey: agent.apiKey })),
      initialBackoffMs: 100,
      maxBackoffMs: 1000,
      onEvent: (e) => e.event === "issued" && issued.set(e.agentId, (issued.get(e.agentId) ?? 0) + 1),
      onStreamEnd: (error) => streamEnds.push(error ? `${Code[error.code]}: ${error.rawMessage}` : "OK"),
    });
    await manager.start();
    const [deactivated, rotated] = fleet;
    const unhealthy = new Set<string>();

    // The fleet at work: every 50 ms ten random healthy agents call GET /v1/agents/me.
    const counts = { calls: 0, expired: 0, missing: 0, refused: [] as string[], unreachable: 0 };
    let working = true;
    const work = (async () => {
      while (working) {
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            const agent = fleet[Math.floor(Math.random() * FLEET)];
            if (unhealthy.has(agent.id)) return;
            const token = manager.token(agent.id);
            if (token === undefined) return void counts.missing++;
            if (jwtExpiry(token) <= Date.now()) counts.expired++;
            counts.calls++;
            try {
              const res = await fetch(`${other()}/v1/agents/me`, { headers: { authorization: `Bearer ${token}` } });
              // A change of ours may race a call already under way; only healthy agents count.
              if (res.status !== 200 && !unhealthy.has(agent.id)) counts.refused.push(`${res.status} ${await res.text()}`);
            } catch {
              counts.unreachable++; // the embedded run's only server is restarting
            }
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const until = async (condition: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      return condition();
    };
    const admin = (method: string, path: string, body?: unknown) => restCaller(other())(method, path, human.token, body);

    try {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      unhealthy.add(deactivated.id);
      expect((await admin("PATCH", `/v1/agents/${deactivated.id}`, { is_active: false })).status).toBe(200);
      expect(await until(() => manager.status(deactivated.id) !== undefined, 3000)).toBe(true);
      expect(manager.status(deactivated.id)).toEqual({ event: "revoked", detail: "the agent is deactivated" });
      expect(manager.token(deactivated.id)).toBeUndefined();

      unhealthy.add(rotated.id);
      expect((await admin("POST", `/v1/agents/${rotated.id}/rotate-key`)).status).toBe(200);
      expect(await until(() => manager.status(rotated.id) !== undefined, 3000)).toBe(true);
      expect(manager.status(rotated.id)?.event).toBe("revoked");

      // A restart: the stream ends with UNAVAILABLE, the manager reconnects to the new process,
      // which issues every agent afresh; the tokens held meanwhile stay valid.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const before = new Map(issued);
      await a!.close();
      a = undefined;
      a = await startTestServer({ database, env });
      const healthy = fleet.filter((agent) => !unhealthy.has(agent.id));
      expect(await until(() => healthy.every((agent) => (issued.get(agent.id) ?? 0) > (before.get(agent.id) ?? 0)), 30_000)).toBe(true);
      expect(manager.connections).toBeGreaterThanOrEqual(2);
      // The shutdown told the client to reconnect; reconnecting meanwhile found no server.
      expect(streamEnds[0]).toBe("Unavailable: the server is shutting down; reconnect with the same request to resume");

      // Two more lifetimes of refreshes after the restart.
      await new Promise((resolve) => setTimeout(resolve, 2 * TTL_SECONDS * 1000));
      for (const agent of healthy) expect(issued.get(agent.id) ?? 0, agent.id).toBeGreaterThanOrEqual(4);
    } finally {
      working = false;
      await work;
      await manager.close();
    }
    expect(counts.expired).toBe(0);
    expect(counts.missing).toBe(0);
    expect(counts.refused).toEqual([]);
    expect(counts.calls).toBeGreaterThan(1000);
    if (b) expect(counts.unreachable).toBe(0);
  });
});
