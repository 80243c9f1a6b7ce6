// One log line and one set of metrics per call, from the real interceptor chain; never the
// request, the response or a credential.
import { Code } from "@connectrpc/connect";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { HealthService } from "../../gen/ts/clawkeep/v1/health_pb.js";
import { IntentService } from "../../gen/ts/clawkeep/v1/intents_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { createHarness, failure, invoke, type Harness } from "./harness.js";

// One database for the file; each test mounts its own server (logger, metrics) on it.
let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(async () => {
  await harness?.close();
});

function capturingHarness() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => (raw.push(line), lines.push(JSON.parse(line))) });
  return { ...harness.mount({ logger }), lines, raw };
}

describe("logging", () => {
  it("writes one line per call with the RPC, protocol and outcome code", async () => {
    const { transport, lines } = capturingHarness();
    await invoke(transport, HealthService.method.getHealth);
    await failure(transport, VaultService.method.listVaults);
    await failure(transport, AuthService.method.login, { email: "a@example.com", password: "pw" });
    await failure(transport, IntentService.method.getChain, { identifier: "nowhere" });
    const rpcLines = lines.filter((l) => l.msg === "rpc");
    expect(rpcLines).toHaveLength(4);
    expect(rpcLines.map((l) => [l.rpc, l.protocol, l.code])).toEqual([
      ["clawkeep.v1.HealthService/GetHealth", "connect", "ok"],
      // Refused by the authn interceptor, and by the Login handler (no such account).
      ["clawkeep.v1.VaultService/ListVaults", "connect", "unauthenticated"],
      ["clawkeep.v1.AuthService/Login", "connect", "unauthenticated"],
      ["clawkeep.v1.IntentService/GetChain", "connect", "not_found"],
    ]);
    for (const line of rpcLines) expect(typeof line.duration_ms).toBe("number");
  });

  it("logs a stream once, when it ends", async () => {
    const { transport, lines } = capturingHarness();
    await invoke(transport, AuthService.method.watchFleetTokens, { agents: [{ agentId: "00000000-0000-4000-8000-000000000001", apiKey: "ocv_fleet_secret" }] });
    expect(lines.filter((l) => l.msg === "rpc").map((l) => [l.rpc, l.code])).toEqual([["clawkeep.v1.AuthService/WatchFleetTokens", "ok"]]);
  });

  it("never writes credentials, passwords or API keys", async () => {
    const { transport, raw } = capturingHarness();
    await failure(transport, VaultService.method.listVaults, {}, { authorization: "Bearer tok-SECRET-1" });
    await failure(transport, AuthService.method.login, { email: "a@example.com", password: "pw-SECRET-2" }, { authorization: "Bearer tok-SECRET-3" });
    await invoke(transport, AuthService.method.watchFleetTokens, { agents: [{ agentId: "00000000-0000-4000-8000-000000000001", apiKey: "ocv_SECRET-4" }] });
    expect(raw.length).toBeGreaterThanOrEqual(3);
    expect(raw.join("")).not.toMatch(/SECRET/);
  });
});

describe("metrics", () => {
  it("counts started calls and observes durations by outcome code", async () => {
    const { transport, metrics } = harness.mount();
    await invoke(transport, HealthService.method.getHealth);
    await invoke(transport, HealthService.method.getHealth);
    expect((await failure(transport, VaultService.method.listVaults)).code).toBe(Code.Unauthenticated);
    const started = await metrics.rpcStarted.get();
    const count = (method: string) => started.values.find((v) => v.labels.method === method && v.labels.protocol === "connect")?.value;
    expect(count("GetHealth")).toBe(2);
    expect(count("ListVaults")).toBe(1);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/clawkeep_rpc_duration_seconds_count\{service="clawkeep.v1.VaultService",method="ListVaults",protocol="connect",code="unauthenticated"\} 1/);
    expect(text).toMatch(/clawkeep_rpc_duration_seconds_count\{service="clawkeep.v1.HealthService",method="GetHealth",protocol="connect",code="ok"\} 2/);
  });

  it("tracks open streams and returns to zero when they end", async () => {
    const { transport, metrics } = harness.mount();
    await failure(transport, AuthService.method.watchFleetTokens);
    const streams = await metrics.activeStreams.get();
    expect(streams.values.find((v) => v.labels.method === "WatchFleetTokens")?.value).toBe(0);
    const started = await metrics.rpcStarted.get();
    expect(started.values.find((v) => v.labels.method === "WatchFleetTokens")?.value).toBe(1);
  });
});
