// WatchFleetTokens end to end: a real server, real clients over gRPC, gRPC-Web and Connect, and
// the package's own client (clawkeep/client). Per-agent answers, the request limits, failures
// counted toward the exchange's limits, revocations pushed, a reader too slow ended, and the end
// on shutdown telling the client to reconnect.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Code, ConnectError, createClient as connectClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService, type WatchFleetTokensResponse } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { createClient, FleetTokenManager, NotFoundError, RateLimitedError, UnauthenticatedError } from "clawkeep/client";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { createAgents, jwtExpiry, type TestAgent } from "../support/fleet.js";
import { PYTHON, probeTool } from "../support/tools.js";
import { NO_RATE_LIMIT } from "../support/rate-limit.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);
const python = probeTool([PYTHON, "-c", "import grpc, google.protobuf"], "apt-get install -y python3-grpcio python3-protobuf");

const UNKNOWN_AGENT = "00000000-0000-4000-8000-0000000000aa";

let server: TestServer;
let rest: RestCall;
let human: RestPerson;

beforeAll(async () => {
  server = await startTestServer({ env: { ...NO_RATE_LIMIT, CLAWKEEP_FLEET_SLOW_READER_MS: "1500" } });
  rest = restCaller(server.url);
  human = await restSignup(rest);
});
afterAll(async () => {
  await server?.close();
});

const transports = {
  grpc: () => createGrpcTransport({ baseUrl: server.url }),
  "grpc-web": () => createGrpcWebTransport({ baseUrl: server.url, httpVersion: "1.1" }),
  connect: () => createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }),
};

/** Reads the stream until `until` says stop (then cancels it), or it ends; returns what came and how it ended. */
async function follow(
  protocol: keyof typeof transports,
  agents: { agentId: string; apiKey: string; accessToken?: string }[],
  until: (seen: WatchFleetTokensResponse[]) => boolean,
  timeoutMs = 15_000,
): Promise<{ seen: WatchFleetTokensResponse[]; error?: ConnectError }> {
  const client = connectClient(AuthService, transports[protocol]());
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const seen: WatchFleetTokensResponse[] = [];
  try {
    for await (const res of client.watchFleetTokens({ agents }, { signal: abort.signal })) {
      seen.push(res);
      if (until(seen)) break;
    }
    return { seen };
  } catch (error) {
    return { seen, error: ConnectError.from(error) };
  } finally {
    clearTimeout(timer);
  }
}

describe("WatchFleetTokens", () => {
  let agents: TestAgent[];
  beforeAll(async () => {
    agents = await createAgents(rest, human.token, 3);
  });

  it.each(Object.keys(transports) as (keyof typeof transports)[])("answers each agent on its own over %s; a bad credential never ends the stream", async (protocol) => {
    const request = [
      ...agents.map((a) => ({ agentId: a.id, apiKey: a.apiKey })),
      { agentId: UNKNOWN_AGENT, apiKey: agents[0].apiKey }, // a real key, paired with the wrong agent
      { agentId: agents[2].id.replace(/^.{8}/, "00000000"), apiKey: "not an agent key" },
    ];
    const { seen, error } = await follow(protocol, request, (s) => s.length >= request.length);
    expect(error).toBeUndefined();
    const byAgent = new Map(seen.map((s) => [s.agentId, s]));
    for (const agent of agents) {
      const issued = byAgent.get(agent.id)!;
      expect(issued).toMatchObject({ event: "issued", tokenType: "Bearer", expiresIn: 3600, detail: "" });
      // A token that works, for that agent.
      const me = await rest("GET", "/v1/agents/me", issued.accessToken);
      expect(me.status).toBe(200);
      expect(((await me.json()) as { id: string }).id).toBe(agent.id);
    }
    expect(byAgent.get(UNKNOWN_AGENT)).toMatchObject({ event: "error", accessToken: "", detail: "unknown or wrong agent API key" });
    expect(byAgent.get(request[4].agentId)).toMatchObject({ event: "error", detail: "api_key is not an agent API key (ocv_...)" });
  });

  it("ends OK once no agent is left", async () => {
    const { seen, error } = await follow("grpc", [{ agentId: UNKNOWN_AGENT, apiKey: "ocv_wrong" }], () => false);
    expect(error).toBeUndefined();
    expect(seen.map((s) => s.event)).toEqual(["error"]);
  });

  it("refuses an empty list, an agent listed twice, an agent_id that is no UUID and more than 10,000 agents as invalid arguments", async () => {
    const one = { agentId: agents[0].id, apiKey: agents[0].apiKey };
    const many = Array.from({ length: 10_001 }, (_, i) => ({ agentId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, apiKey: `ocv_${"x".repeat(43)}` }));
    for (const [request, message] of [
      [[], "agents must list at least one agent"],
      [[one, { ...one }], `agent ${one.agentId} is listed more than once; list each agent once`],
      [[one, { agentId: "not-a-uuid", apiKey: one.apiKey }], 'agents[1].agent_id must be a UUID, got "not-a-uuid"'],
      [many, "agents lists 10001 agents; one stream carries at most 10000: open another stream for the rest"],
    ] as const) {
      const { seen, error } = await follow("grpc", [...request], () => false);
      expect(seen).toEqual([]);
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.rawMessage).toBe(message);
    }
  });

  it("counts failed credentials toward the exchange's failure limits", async () => {
    // 30 failures per client address in the window (AGENT_EXCHANGE_LIMITS), 40 keys of distinct
    // prefixes (10 per prefix) from 127.0.0.1 go over.
    const wrong = Array.from({ length: 40 }, (_, i) => ({ agentId: `00000000-0000-4000-8000-${String(i + 1).padStart(12, "0")}`, apiKey: `ocv_${String(i).padStart(8, "0")}${"w".repeat(35)}` }));
    const { seen, error } = await follow("grpc", wrong, () => false);
    expect(error).toBeUndefined();
    expect(seen.every((s) => s.event === "error")).toBe(true);
    expect(seen.some((s) => /^too many failed agent token exchanges; retry in \d+ s$/.test(s.detail))).toBe(true);
    // The unary exchange from the same address is throttled by the stream's failures.
    const res = await rest("POST", "/v1/auth/agent-token", undefined, { api_key: `ocv_${"q".repeat(43)}` });
    expect(res.status).toBe(429);
    // A correct key is still served, on the stream as on the exchange.
    const ok = await follow("grpc", [{ agentId: agents[0].id, apiKey: agents[0].apiKey }], (s) => s.length === 1);
    expect(ok.seen[0].event).toBe("issued");
  });

  it("pushes a revocation as soon as it happens and keeps the other agents", async () => {
    const [keep, revoke] = await createAgents(rest, human.token, 2);
    const request = [keep, revoke].map((a) => ({ agentId: a.id, apiKey: a.apiKey }));
    let revokedAt = 0;
    const { seen, error } = await follow("grpc", request, (s) => {
      if (s.length === 2) {
        revokedAt = Date.now();
        void rest("PATCH", `/v1/agents/${revoke.id}`, human.token, { is_active: false });
      }
      return s.some((e) => e.event === "revoked");
    });
    expect(error).toBeUndefined();
    expect(seen.at(-1)).toMatchObject({ agentId: revoke.id, event: "revoked", detail: "the agent is deactivated" });
    expect(Date.now() - revokedAt).toBeLessThan(5000);
  });

  it("resumes a valid held token without issuing at once, and judges the key all the same", async () => {
    const [held, wrongKey, junk] = await createAgents(rest, human.token, 3);
    const first = await follow("grpc", [held, wrongKey].map((a) => ({ agentId: a.id, apiKey: a.apiKey })), (s) => s.length === 2);
    const tokenOf = (id: string) => first.seen.find((e) => e.agentId === id)!.accessToken;
    const request = [
      // Valid for 3600 s: the next token is due at a random moment in the next 59 minutes.
      { agentId: held.id, apiKey: held.apiKey, accessToken: tokenOf(held.id) },
      // A valid token does not stand in for the key: exchanged, and refused.
      { agentId: wrongKey.id, apiKey: junk.apiKey, accessToken: tokenOf(wrongKey.id) },
      // Not a token of this agent: exchanged at once.
      { agentId: junk.id, apiKey: junk.apiKey, accessToken: tokenOf(held.id) },
    ];
    let deactivated = false;
    const { seen, error } = await follow("grpc", request, (s) => {
      if (s.length === 2 && !deactivated) {
        deactivated = true;
        // The held agent is on the stream all the same: its revocation is pushed.
        setTimeout(() => void rest("PATCH", `/v1/agents/${held.id}`, human.token, { is_active: false }), 1000);
      }
      return s.length === 3;
    });
    expect(error).toBeUndefined();
    expect(seen.slice(0, 2).map((e) => [e.agentId, e.event]).sort()).toEqual(
      [
        [wrongKey.id, "error"],
        [junk.id, "issued"],
      ].sort(),
    );
    expect(seen[2]).toMatchObject({ agentId: held.id, event: "revoked", detail: "the agent is deactivated" });
  });

  it("pushes the agent's own expiry at that instant", async () => {
    const [agent] = await createAgents(rest, human.token, 1, { expires_at: new Date(Date.now() + 3000).toISOString() });
    const { seen } = await follow("grpc", [{ agentId: agent.id, apiKey: agent.apiKey }], (s) => s.some((e) => e.event !== "issued"));
    expect(seen.map((s) => s.event)).toEqual(["issued", "revoked"]);
    expect(seen[1].detail).toMatch(/^the agent expired at /);
  });

  it("ends a reader that stays too slow with RESOURCE_EXHAUSTED, saying so", async () => {
    // Tokens that live 3 s are re-issued every second or two: 100 agents make a steady flow.
    const fast = await createAgents(rest, human.token, 100, { token_ttl_seconds: 3 });
    const client = connectClient(AuthService, transports.grpc());
    const stream = client.watchFleetTokens({ agents: fast.map((a) => ({ agentId: a.id, apiKey: a.apiKey })) }, { timeoutMs: 30_000 })[Symbol.asyncIterator]();
    await stream.next();
    // Stop reading: HTTP/2 flow control fills, the server's events wait, and it gives up on us.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    let error: ConnectError | undefined;
    try {
      for (let r = await stream.next(); !r.done; r = await stream.next());
    } catch (caught) {
      error = ConnectError.from(caught);
    }
    expect(error?.code).toBe(Code.ResourceExhausted);
    expect(error?.rawMessage).toMatch(/^the stream's reader fell more than 1.5 s behind/);
  });
});

describe("the client", () => {
  it("exchanges lazily, shares one exchange between concurrent calls, and raises typed errors", async () => {
    const [agent] = await createAgents(rest, human.token, 1);
    const client = createClient({ baseUrl: server.url, apiKey: agent.apiKey });
    expect(await exchangesOf(agent.id)).toBe(0);
    const results = await Promise.all(Array.from({ length: 8 }, () => client.agents.getAgentSelf({})));
    expect(results.every((r) => r.agent?.id === agent.id)).toBe(true);
    expect(client.agentId).toBe(agent.id);
    expect(await exchangesOf(agent.id)).toBe(1);
    await expect(client.vaults.getVault({ vaultId: UNKNOWN_AGENT })).rejects.toBeInstanceOf(NotFoundError);
    const wrong = createClient({ baseUrl: server.url, apiKey: `ocv_${"z".repeat(43)}` });
    const refused = await wrong.agents.getAgentSelf({}).catch((e: unknown) => e);
    expect(refused instanceof UnauthenticatedError || refused instanceof RateLimitedError).toBe(true);
  });

  it("replaces its token 60 s before expiry, not earlier", async () => {
    const [agent] = await createAgents(rest, human.token, 1);
    let clock = Date.now();
    const client = createClient({ baseUrl: server.url, apiKey: agent.apiKey, now: () => clock });
    const first = await client.token();
    expect(first.expiresAt).toBe(clock + 3600_000);
    clock = first.expiresAt - 61_000;
    expect((await client.token()).accessToken).toBe(first.accessToken);
    clock = first.expiresAt - 59_000;
    const second = await client.token();
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.expiresAt).toBe(clock + 3600_000);
  });

  it("retries once with a fresh token when its token was revoked under it", async () => {
    const [agent] = await createAgents(rest, human.token, 1);
    const client = createClient({ baseUrl: server.url, apiKey: agent.apiKey, agentId: agent.id, protocol: "grpc" });
    const first = await client.token();
    // The agent revokes its own tokens (RevokeToken): the key stays good, the token is dead.
    expect((await rest("DELETE", "/v1/auth/token", first.accessToken)).status).toBe(204);
    expect((await client.agents.getAgentSelf({})).agent?.id).toBe(agent.id);
    expect((await client.token()).accessToken).not.toBe(first.accessToken);
  });

  it("raises RateLimitedError with retry-after once failed exchanges are throttled", async () => {
    const key = `ocv_${"r".repeat(43)}`;
    let last: unknown;
    for (let i = 0; i < 12 && !(last instanceof RateLimitedError); i++) last = await createClient({ baseUrl: server.url, apiKey: key }).token().catch((e: unknown) => e);
    expect(last).toBeInstanceOf(RateLimitedError);
    expect((last as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
  });

  it("FleetTokenManager hands out a current token per agent synchronously", async () => {
    const fleet = await createAgents(rest, human.token, 5);
    const manager = new FleetTokenManager({ baseUrl: server.url, agents: fleet.map((a) => ({ agentId: a.id, apiKey: a.apiKey })) });
    await manager.start();
    for (const a of fleet) expect(jwtExpiry(manager.tokenOrThrow(a.id))).toBeGreaterThan(Date.now());
    await manager.close();
  });

  it("FleetTokenManager notices a connection that went silent (its PING unanswered) and reconnects", async () => {
    const [agent] = await createAgents(rest, human.token, 1);
    const proxy = await silenceableProxy(server.port);
    let issued = 0;
    const ends: string[] = [];
    const manager = new FleetTokenManager({
      baseUrl: proxy.url,
      agents: [{ agentId: agent.id, apiKey: agent.apiKey }],
      pingIntervalMs: 500,
      pingTimeoutMs: 500,
      initialBackoffMs: 50,
      maxBackoffMs: 200,
      onEvent: (e) => e.event === "issued" && issued++,
      onStreamEnd: (error) => ends.push(error ? Code[error.code] : "OK"),
    });
    try {
      await manager.start();
      // The connection stays open but carries nothing more, as when a peer vanishes behind a NAT.
      proxy.silence();
      const until = async (condition: () => boolean) => {
        const deadline = Date.now() + 15_000;
        while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      };
      await until(() => manager.connections === 2);
      expect(ends).toHaveLength(1);
      // The new stream resumed the token held (no new one yet), and it is live: a revocation arrives.
      expect(issued).toBe(1);
      expect(manager.token(agent.id)).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await rest("PATCH", `/v1/agents/${agent.id}`, human.token, { is_active: false })).status).toBe(200);
      await until(() => manager.status(agent.id) !== undefined);
      expect(manager.status(agent.id)).toEqual({ event: "revoked", detail: "the agent is deactivated" });
    } finally {
      await manager.close();
      await proxy.close();
    }
  });

  async function exchangesOf(agentId: string): Promise<number> {
    const res = await rest("GET", `/v1/audit/events?actor_id=${agentId}&action=agent.token_exchange`, human.token);
    const body = (await res.json()) as { events: unknown[] };
    return body.events.length;
  }
});



describe("examples/python", () => {
  it.skipIf(!python.available)("exchanges a key, lists and reads secrets, and follows a fleet stream with the generated stubs", async () => {
    const vault = (await (await rest("POST", "/v1/vaults", human.token, { name: "python example" })).json()) as { id: string };
    expect((await rest("PUT", `/v1/vaults/${vault.id}/secrets/app/token`, human.token, { value: "s3cret" })).status).toBe(201);
    const [agent, other] = await createAgents(rest, human.token, 2);
    const policy = { secret_path_pattern: "app/**", principal_type: "agent", principal_id: agent.id, permissions: ["read"] };
    expect((await rest("POST", `/v1/vaults/${vault.id}/policies`, human.token, policy)).status).toBe(201);
    const dir = mkdtempSync(join(tmpdir(), "clawkeep-fleet-"));
    try {
      const fleetFile = join(dir, "fleet.json");
      const credentials = [agent, other].map((a) => ({ agent_id: a.id, api_key: a.apiKey }));
      writeFileSync(fleetFile, JSON.stringify([...credentials, { agent_id: UNKNOWN_AGENT, api_key: other.apiKey }]));
      const { stdout } = await run(PYTHON, [join(ROOT, "examples/python/clawkeep_example.py"), `127.0.0.1:${server.port}`, vault.id, "app/token"], {
        env: {
          ...process.env,
          PYTHONPATH: join(ROOT, "gen/python"),
          PYTHONDONTWRITEBYTECODE: "1",
          CLAWKEEP_API_KEY: agent.apiKey,
          CLAWKEEP_FLEET_FILE: fleetFile,
          CLAWKEEP_FLEET_EVENTS: "3",
        },
        timeout: 30_000,
      });
      const lines = stdout.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.slice(0, 3)).toEqual([
        { step: "token", agent_id: agent.id, token_type: "Bearer", expires_in: 3600 },
        { step: "list", paths: ["app/token"] },
        { step: "read", path: "app/token", version: 1, value: "s3cret" },
      ]);
      const fleet = lines.filter((l) => l.step === "fleet");
      expect(fleet).toHaveLength(3);
      expect(fleet).toEqual(
        expect.arrayContaining([
          { step: "fleet", agent_id: agent.id, event: "issued", expires_in: 3600 },
          { step: "fleet", agent_id: other.id, event: "issued", expires_in: 3600 },
          // Refused as any wrong credential is; when an earlier test of this file used up the
          // address's failures (the limits test), as throttled.
          { step: "fleet", agent_id: UNKNOWN_AGENT, event: "error", detail: expect.stringMatching(/^(unknown or wrong agent API key|too many failed agent token exchanges; retry in \d+ s)$/) },
        ]),
      );
      expect(lines.at(-1)).toEqual({ step: "fleet_done", events: 3, agents_with_tokens: 2 });
      // Tokens and keys never reach the output.
      expect(stdout).not.toMatch(/ocv_|eyJ/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A TCP proxy to the server whose open connections can be made to go silent (new ones still pass). */
async function silenceableProxy(port: number): Promise<{ url: string; silence(): void; close(): Promise<void> }> {
  const pairs: { client: Socket; upstream: Socket; silent: boolean }[] = [];
  const proxy = createServer((client) => {
    const pair = { client, upstream: connect(port, "127.0.0.1"), silent: false };
    pairs.push(pair);
    client.on("data", (chunk) => pair.silent || pair.upstream.write(chunk));
    pair.upstream.on("data", (chunk) => pair.silent || client.write(chunk));
    const end = () => {
      client.destroy();
      pair.upstream.destroy();
    };
    client.on("error", end).on("close", end);
    pair.upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    silence: () => pairs.forEach((pair) => (pair.silent = true)),
    close: async () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise((done) => proxy.close(done));
    },
  };
}
