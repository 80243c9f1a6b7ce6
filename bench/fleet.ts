// The fleet benchmark: 10,000 agents kept fresh over one WatchFleetTokens stream (TTL 60 s, for at
// least three TTLs) beside 1,000 agents that each poll the exchange on their own clock, in one
// run against a real server process, driven by a separate load-generator process
// (bench/fleet-loader.ts, using the package's FleetTokenManager). The ceiling is the same
// server's flat-out exchange rate, measured in the same run just before.
import { spawn } from "node:child_process";
import type { FleetLoadResult, FleetLoadSpec } from "./fleet-loader.js";
import { measureUsage, rssMb, runLoad, startBenchServer } from "./support/processes.js";
import { call } from "./support/setup.js";

export interface FleetOptions {
  kind: "embedded" | "postgres";
  agents: number;
  pollers: number;
  ttlSeconds: number;
  /** Steady-state length, in TTLs. */
  ttls: number;
}

export interface FleetRun {
  options: FleetOptions;
  /** Flat-out exchanges per second (autocannon, 32 connections, 5 s): the ceiling. */
  exchangeCeiling: number;
  setupSeconds: number;
  load: FleetLoadResult;
  issuance: { mean: number; peak: number; min: number };
  server: { cpuPercent: number; rssMb: number; peakRssMb: number };
}

export async function runFleet(options: FleetOptions): Promise<FleetRun> {
  const server = await startBenchServer(options.kind);
  try {
    const setupStarted = performance.now();
    const email = `bench-fleet-${Date.now()}@example.com`;
    const { access_token: owner } = (await call(server.url, "POST", "/v1/auth/signup", undefined, { email, password: "correct horse battery staple" })) as { access_token: string };
    const total = options.agents + options.pollers;
    console.error(`${options.kind}: creating ${total} agents`);
    const agents = await createAgents(server.url, owner, total, options.ttlSeconds);
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    const fleet = agents.slice(0, options.agents);
    const pollers = agents.slice(options.agents);

    console.error(`${options.kind}: exchange ceiling`);
    const [ceiling] = await runLoad([
      {
        url: server.url,
        connections: 32,
        durationSeconds: 5,
        requests: pollers.slice(0, 16).map((a) => ({
          method: "POST",
          path: "/v1/auth/agent-token",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ agent_id: a.agentId, api_key: a.apiKey }),
        })),
      },
    ]);

    console.error(`${options.kind}: ${options.agents} agents on one stream, ${options.pollers} polling, TTL ${options.ttlSeconds} s × ${options.ttls}`);
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(server.pid))), 1000);
    const { value: load, usage } = await measureUsage(server.pid, () =>
      runFleetLoad({ url: server.url, fleet, pollers, ttlSeconds: options.ttlSeconds, seconds: options.ttls * options.ttlSeconds }),
    ).finally(() => clearInterval(sampler));
    const perSecond = load.perSecond;
    const mean = perSecond.reduce((s, n) => s + n, 0) / Math.max(1, perSecond.length);
    return {
      options,
      exchangeCeiling: ceiling.requestsPerSecond,
      setupSeconds,
      load,
      issuance: { mean, peak: Math.max(...perSecond), min: Math.min(...perSecond) },
      server: { cpuPercent: usage.cpuPercent, rssMb: usage.rssMb, peakRssMb: Math.max(peakRss, usage.rssMb) },
    };
  } finally {
    await server.stop();
  }
}

export function fleetTargets(run: FleetRun): { target: string; met: boolean; seen: string }[] {
  const { issuance, load, options } = run;
  return [
    { target: `runs ≥ 3 TTLs of ${options.ttlSeconds} s`, met: options.ttls >= 3, seen: `${options.ttls} TTLs (${load.perSecond.length} s)` },
    { target: "peak issuance per second ≤ 2 × mean", met: issuance.peak <= 2 * issuance.mean, seen: `${issuance.peak} vs mean ${issuance.mean.toFixed(1)}` },
    { target: "tokens already expired when asked for = 0", met: load.expired === 0, seen: `${load.expired} of ${load.asked}` },
    { target: "asks answered with no token = 0", met: load.missing === 0, seen: `${load.missing} of ${load.asked}` },
    { target: "every fleet agent kept (no revoked/error)", met: load.revokedOrFailed === 0, seen: `${load.revokedOrFailed}` },
    { target: "pollers served in full", met: load.pollers.failed === 0, seen: `${load.pollers.failed} failed of ${load.pollers.exchanges}` },
  ];
}

export function fleetTable(run: FleetRun): string {
  const { issuance, load, server, options } = run;
  const rows = [
    ["database", options.kind],
    ["agents on one stream / polling on their own", `${options.agents} / ${options.pollers}`],
    ["token TTL; steady state measured", `${options.ttlSeconds} s; ${load.perSecond.length} s (${options.ttls} TTLs)`],
    ["agents created (setup)", `${options.agents + options.pollers} in ${run.setupSeconds.toFixed(0)} s`],
    ["flat-out exchange rate (ceiling, same run)", `${run.exchangeCeiling.toFixed(0)}/s`],
    ["initial connect: every agent's first token", `${load.initialIssued} tokens in ${load.initialSeconds.toFixed(1)} s`],
    ["steady issuance on the stream: mean / peak / lowest per second", `${issuance.mean.toFixed(1)} / ${issuance.peak} / ${issuance.min}`],
    ["steady issuance as a share of the ceiling", `${((issuance.mean / run.exchangeCeiling) * 100).toFixed(1)} %`],
    ["asks for a token: expired / none / total", `${load.expired} / ${load.missing} / ${load.asked}`],
    ["least lifetime left on a token handed out", `${load.minRemainingSeconds} s`],
    ["stream ends (reconnects)", load.streamEnds.length ? load.streamEnds.join("; ") : "none"],
    ["pollers: exchanges, failed, p50 / p99 ms", `${load.pollers.exchanges}, ${load.pollers.failed}, ${load.pollers.p50} / ${load.pollers.p99}`],
    ["server CPU over the fleet phase (one core = 100 %)", `${server.cpuPercent.toFixed(0)} %`],
    ["server RSS: at the end / peak", `${server.rssMb.toFixed(0)} MB / ${server.peakRssMb.toFixed(0)} MB`],
  ];
  return ["| measure | value |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join("\n");
}

async function createAgents(url: string, owner: string, count: number, ttlSeconds: number): Promise<{ agentId: string; apiKey: string }[]> {
  const agents = new Array<{ agentId: string; apiKey: string }>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const created = (await call(url, "POST", "/v1/agents", owner, { name: `fleet-${i}`, token_ttl_seconds: ttlSeconds })) as { agent: { id: string }; api_key: string };
      agents[i] = { agentId: created.agent.id, apiKey: created.api_key };
      if ((i + 1) % 2000 === 0) console.error(`  ${i + 1} agents`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return agents;
}

function runFleetLoad(spec: FleetLoadSpec): Promise<FleetLoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/fleet-loader.ts"], { stdio: ["pipe", "pipe", "inherit"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(output) as FleetLoadResult) : reject(new Error(`the fleet load generator exited with ${code}`))));
    child.stdin.end(JSON.stringify(spec));
  });
}
