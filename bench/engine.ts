// The engine benchmark: the request path's throughput and latency, embedded and PostgreSQL in one
// run, each figure beside the bare node:http ceiling and GET /v1/health measured in the same run.
// A real server process serves; a separate load-generator process (autocannon) drives it.
import type { LoadResult, LoadSpec } from "./loader.js";
import { cpuSeconds, measureUsage, rssMb, runLoad, startBenchServer, startCeiling, type BenchServer, type Usage } from "./support/processes.js";
import { setUpOrg, type BenchOrg } from "./support/setup.js";

export interface EngineOptions {
  seconds: number;
  /** Each workload runs this many times; the median run is reported (these machines are noisy). */
  repeats: number;
  connections: number;
  databases: ("embedded" | "postgres")[];
}

export interface Row {
  workload: string;
  /** Requests per second answered 2xx. */
  rate: number;
  p50: number;
  p99: number;
  /** Share of the same run's GET /v1/health and bare node:http. */
  ofHealth: number;
  ofCeiling: number;
  /** Requests that failed, timed out or answered non-2xx. */
  failed: number;
  serverCpu: number;
  /** The database's processes (the embedded server), percent of one core. */
  databaseCpu?: number;
}

export interface EngineRun {
  kind: "embedded" | "postgres";
  ceiling: number;
  rows: Row[];
  rssAfterMb: number;
}

const FIXED_RATE = 500;

export async function runEngine(options: EngineOptions): Promise<EngineRun[]> {
  const runs: EngineRun[] = [];
  for (const kind of options.databases) {
    const ceilingServer = await startCeiling();
    const server = await startBenchServer(kind);
    try {
      const orgs: BenchOrg[] = [];
      for (let i = 0; i < 8; i++) orgs.push(await setUpOrg(server.url, i));
      // The JIT needs a while on each path before its figures settle: every workload runs once unmeasured.
      console.error(`${kind}: warming up`);
      for (const requests of [readsOf(orgs), exchangesOf(orgs.slice(0, 1)), writesOf(orgs[0])]) await runLoad([spec(server, options, requests, { seconds: 4 })]);
      const databaseSeconds = () => cpuSeconds(server.pid, true, "postgres") - cpuSeconds(server.pid);
      const measureOnce = async (specs: LoadSpec[]): Promise<{ results: LoadResult[]; usage: Usage; databaseCpu?: number }> => {
        const databaseBefore = databaseSeconds();
        const started = performance.now();
        const { value, usage } = await measureUsage(server.pid, () => runLoad(specs));
        const seconds = (performance.now() - started) / 1000;
        const databaseCpu = kind === "embedded" ? ((databaseSeconds() - databaseBefore) / seconds) * 100 : undefined;
        return { results: value, usage, databaseCpu };
      };
      // The median of several runs: by rate for flat-out runs, by the first spec's p99 for paced ones.
      const measure = async (name: string, specs: LoadSpec[]): Promise<{ results: LoadResult[]; usage: Usage; databaseCpu?: number }> => {
        console.error(`${kind}: ${name}`);
        const runs = [];
        for (let i = 0; i < options.repeats; i++) runs.push(await measureOnce(specs));
        const paced = specs[0].overallRate !== undefined;
        runs.sort((a, b) => (paced ? a.results[0].p99 - b.results[0].p99 : a.results[0].requestsPerSecond - b.results[0].requestsPerSecond));
        return runs[Math.floor(runs.length / 2)];
      };
      const ceiling = (await measure("ceiling", [spec(ceilingServer, options, [{ method: "GET", path: "/" }])])).results[0].requestsPerSecond;
      // Health is what every figure is read against, so it gets the same treatment as they do.
      const health = await measure("health", [spec(server, options, [{ method: "GET", path: "/v1/health" }])]);
      const healthRate = health.results[0].requestsPerSecond;
      const rows: Row[] = [];
      const row = (workload: string, measured: { results: LoadResult[]; usage: Usage; databaseCpu?: number }, index = 0): Row => {
        const result = measured.results[index];
        return {
          workload,
          rate: result.requestsPerSecond,
          p50: result.p50,
          p99: result.p99,
          ofHealth: result.requestsPerSecond / healthRate,
          ofCeiling: result.requestsPerSecond / ceiling,
          failed: result.errors + result.timeouts + result.non2xx,
          serverCpu: measured.usage.cpuPercent,
          databaseCpu: measured.databaseCpu,
        };
      };
      rows.push(row("GET /v1/health", health));
      rows.push(row("agent token exchange", await measure("exchange", [spec(server, options, exchangesOf(orgs.slice(0, 1)))])));
      rows.push(row("agent secret read, one organisation", await measure("read, one org", [spec(server, options, readsOf(orgs.slice(0, 1)))])));
      rows.push(row("agent secret read, eight organisations", await measure("read, eight orgs", [spec(server, options, readsOf(orgs))])));
      rows.push(row("secret write (new version)", await measure("write", [spec(server, options, writesOf(orgs[0]))])));
      rows.push(row(`reads offered at a fixed ${FIXED_RATE}/s`, await measure("fixed-rate reads", [spec(server, options, readsOf(orgs.slice(0, 1)), { rate: FIXED_RATE })])));
      const mix = await measure("90/10 mix", [
        spec(server, options, readsOf(orgs.slice(0, 1)), { rate: FIXED_RATE * 0.9 }),
        spec(server, options, writesOf(orgs[0]), { rate: FIXED_RATE * 0.1, connections: Math.max(4, options.connections / 4) }),
      ]);
      rows.push(row(`90/10 at ${FIXED_RATE}/s: reads`, mix, 0));
      rows.push(row(`90/10 at ${FIXED_RATE}/s: writes`, mix, 1));
      runs.push({ kind, ceiling, rows, rssAfterMb: rssMb(server.pid) });
    } finally {
      await server.stop();
      await ceilingServer.stop();
    }
  }
  return runs;
}

function spec(target: { url: string }, options: EngineOptions, requests: LoadSpec["requests"], extra: { seconds?: number; rate?: number; connections?: number } = {}): LoadSpec {
  return {
    url: target.url,
    connections: extra.connections ?? options.connections,
    durationSeconds: extra.seconds ?? options.seconds,
    overallRate: extra.rate,
    requests,
  };
}

function readsOf(orgs: BenchOrg[]): LoadSpec["requests"] {
  return orgs.map((org) => ({ method: "GET", path: `/v1/vaults/${org.vaultId}/secrets/bench/read`, headers: { authorization: `Bearer ${org.agentToken}` } }));
}

function exchangesOf(orgs: BenchOrg[]): LoadSpec["requests"] {
  return orgs.map((org) => ({
    method: "POST",
    path: "/v1/auth/agent-token",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ agent_id: org.agentId, api_key: org.apiKey }),
  }));
}

/** New versions of 50 paths in turn, as the organisation's owner. */
function writesOf(org: BenchOrg): LoadSpec["requests"] {
  return Array.from({ length: 50 }, (_, i) => ({
    method: "PUT" as const,
    path: `/v1/vaults/${org.vaultId}/secrets/bench/write-${i}`,
    headers: { "content-type": "application/json", authorization: `Bearer ${org.ownerToken}` },
    body: JSON.stringify({ value: "w".repeat(256), type: "api_key" }),
  }));
}

export function checkTargets(runs: EngineRun[]): { target: string; met: boolean; seen: string }[] {
  const checks: { target: string; met: boolean; seen: string }[] = [];
  const find = (run: EngineRun, prefix: string) => run.rows.find((r) => r.workload.startsWith(prefix))!;
  for (const run of runs) {
    const health = find(run, "GET /v1/health");
    const ratio = (prefix: string, share: number) => {
      const r = find(run, prefix);
      checks.push({ target: `${run.kind}: ${prefix} ≥ ${share * 100} % of health`, met: r.rate >= share * health.rate, seen: `${((r.rate / health.rate) * 100).toFixed(0)} %` });
    };
    ratio("agent secret read, one", 0.35);
    ratio("agent token exchange", 0.35);
    ratio("secret write", 0.2);
    const one = find(run, "agent secret read, one");
    const eight = find(run, "agent secret read, eight");
    checks.push({ target: `${run.kind}: eight organisations ≥ one organisation`, met: eight.rate >= one.rate * 0.97, seen: `${(eight.rate / one.rate).toFixed(2)}×` });
    const fixed = find(run, "reads offered");
    checks.push({
      target: `${run.kind}: fixed ${FIXED_RATE}/s served in full, read p99 ≤ 10 ms`,
      met: fixed.failed === 0 && fixed.rate >= FIXED_RATE * 0.97 && fixed.p99 <= 10,
      seen: `${fixed.rate.toFixed(0)}/s, p99 ${fixed.p99} ms, ${fixed.failed} failed`,
    });
    const mixReads = find(run, "90/10 at 500/s: reads");
    const mixWrites = find(run, "90/10 at 500/s: writes");
    checks.push({ target: `${run.kind}: 90/10 read p99 ≤ 10 ms`, met: mixReads.p99 <= 10 && mixReads.failed === 0, seen: `${mixReads.p99} ms` });
    checks.push({ target: `${run.kind}: 90/10 write p99 ≤ 25 ms`, met: mixWrites.p99 <= 25 && mixWrites.failed === 0, seen: `${mixWrites.p99} ms` });
    checks.push({ target: `${run.kind}: server RSS ≤ 250 MB after the run`, met: run.rssAfterMb <= 250, seen: `${run.rssAfterMb.toFixed(0)} MB` });
  }
  const embedded = runs.find((r) => r.kind === "embedded");
  const postgres = runs.find((r) => r.kind === "postgres");
  if (embedded && postgres) {
    for (const row of embedded.rows) {
      const other = postgres.rows.find((r) => r.workload === row.workload)!;
      // Throughput rows compare rates (as shares of each run's own health); fixed-rate rows, p99.
      const fixedRate = /fixed|90\/10/.test(row.workload);
      const met = fixedRate ? row.p99 <= Math.max(other.p99 * 1.3, other.p99 + 2) : row.ofHealth >= other.ofHealth * 0.7;
      const seen = fixedRate ? `p99 ${row.p99} vs ${other.p99} ms` : `${(row.ofHealth * 100).toFixed(0)} % vs ${(other.ofHealth * 100).toFixed(0)} % of health`;
      checks.push({ target: `embedded within 30 % of PostgreSQL: ${row.workload}`, met, seen });
    }
  }
  return checks;
}

export function engineTable(runs: EngineRun[]): string {
  const lines = [
    "| database | workload | req/s | p50 ms | p99 ms | of health | of node:http | failed | server CPU | database CPU |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const run of runs) {
    lines.push(`| ${run.kind} | bare node:http (ceiling) | ${run.ceiling.toFixed(0)} | | | | 100 % | | | |`);
    for (const r of run.rows) {
      const db = r.databaseCpu === undefined ? "" : `${r.databaseCpu.toFixed(0)} %`;
      lines.push(
        `| ${run.kind} | ${r.workload} | ${r.rate.toFixed(0)} | ${r.p50} | ${r.p99} | ${(r.ofHealth * 100).toFixed(0)} % | ${(r.ofCeiling * 100).toFixed(1)} % | ${r.failed} | ${r.serverCpu.toFixed(0)} % | ${db} |`,
      );
    }
    lines.push(`| ${run.kind} | server RSS after the run | ${run.rssAfterMb.toFixed(0)} MB | | | | | | | |`);
  }
  return lines.join("\n");
}

export type { BenchServer };
