// The engine benchmark: the request path's throughput and latency, embedded and PostgreSQL in one
// run, each figure beside the bare node:http ceiling and GET /v1/health measured in the same run.
// A real server process serves; a separate load-generator process (autocannon) drives it.
import type { LoadResult, LoadSpec } from "./loader.js";
import { cpus } from "node:os";
import { cpuSeconds, machineCpuSeconds, measureUsage, postgresCpuSeconds, rssMb, runLoad, runQueueWaitSeconds, serverVitals, startBenchServer, startCeiling, startLoader, type BenchServer, type Usage } from "./support/processes.js";
import { setUpOrg, type BenchOrg } from "./support/setup.js";

export interface EngineOptions {
  seconds: number;
  /** Each workload runs this many times; the median run is reported (these machines are noisy). */
  repeats: number;
  connections: number;
  databases: ("embedded" | "postgres")[];
  /** A checkout of another revision, served beside this tree and measured interleaved with it. */
  against?: { label: string; dir: string };
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
  /** Requests per second answered across the run's side-by-side loads (the 90/10 mix has two): what its CPU served. */
  runRate: number;
  /** p99 of the server's own time per call (its access log), for the paced rows. */
  handlerP99?: number;
  serverCpu: number;
  /** The database's processes (the embedded server, or the machine's), percent of one core. */
  databaseCpu: number;
  /** What the machine and the server's event loop went through meanwhile (see Tails). */
  tails: Tails;
}

/**
 * Where a tail comes from that the server's own time does not show: its event loop's delays, its
 * garbage collector's pauses, and the time its main thread was ready to run but had no CPU
 * because the machine's cores were busy with the database, the load generator and the hypervisor.
 */
export interface Tails {
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** GC pauses, ms per second of the run. */
  gcMsPerSecond: number;
  /** The main thread's wait for a CPU while runnable, ms per second of the run. */
  cpuWaitMsPerSecond: number;
  /** The whole machine's CPU, percent of all its cores, and the part the hypervisor took. */
  machineBusyPercent: number;
  stealPercent: number;
}

export interface EngineRun {
  kind: "embedded" | "postgres";
  /** "this tree", or the label of the revision it was compared against. */
  source: string;
  ceiling: number;
  rows: Row[];
  rssAfterMb: number;
}

const FIXED_RATE = 500;
/** Health checks a second beside each paced load (see the paced rows). */
const HEALTH_PROBE_RATE = 20;

interface Target {
  source: string;
  server: BenchServer;
  orgs: BenchOrg[];
}

type Measured = { results: LoadResult[]; usage: Usage; databaseCpu: number; handlerTimes: Map<string, number[]>; tails: Tails };

/** The RPCs behind the workloads, as the access log names them. */
const RPC = {
  health: "clawkeep.v1.HealthService/GetHealth",
  read: "clawkeep.v1.VaultService/GetSecret",
  write: "clawkeep.v1.VaultService/PutSecret",
};

export async function runEngine(options: EngineOptions): Promise<EngineRun[]> {
  const runs: EngineRun[] = [];
  const ceilingServer = await startCeiling();
  const targets: Target[] = [];
  // Every server (each database, and each revision) runs from the start, and each workload's runs
  // take turns between them: this machine's speed drifts over minutes, and the databases, measured
  // one after the other (embedded first), were compared at different speeds.
  try {
    for (const kind of options.databases) {
      for (const [source, cwd] of [["this tree", undefined], ...(options.against ? [[options.against.label, options.against.dir]] : [])] as [string, string | undefined][]) {
        const server = await startBenchServer(kind, {}, cwd);
        targets.push({ source, server, orgs: [] });
      }
    }
    for (const target of targets) for (let i = 0; i < 8; i++) target.orgs.push(await setUpOrg(target.server.url, i));
    // The JIT needs a while on each path before its figures settle: every workload runs once unmeasured.
    console.error("warming up");
    for (const { server, orgs } of targets) {
      for (const requests of [readsOf(orgs), exchangesOf(orgs.slice(0, 1)), writesOf(orgs[0])]) await runLoad([spec(server, options, requests, { seconds: 4 })]);
    }
    const embeddedServers = targets.filter((t) => t.server.kind === "embedded").map((t) => t.server.pid);
    const measureOnce = async (server: BenchServer, specs: LoadSpec[]): Promise<Measured> => {
      // The embedded server's processes, or the machine's PostgreSQL (the servers not measured idle meanwhile).
      const databaseSeconds = () => (server.kind === "embedded" ? cpuSeconds(server.pid, true, "postgres") - cpuSeconds(server.pid) : postgresCpuSeconds(embeddedServers));
      const loader = await startLoader();
      const databaseBefore = databaseSeconds();
      const vitalsBefore = await serverVitals(server.url);
      const waitBefore = runQueueWaitSeconds(server.pid);
      const machineBefore = machineCpuSeconds();
      server.takeHandlerTimes();
      const started = performance.now();
      const { value, usage } = await measureUsage(server.pid, () => loader.run(specs));
      const seconds = (performance.now() - started) / 1000;
      const databaseCpu = ((databaseSeconds() - databaseBefore) / seconds) * 100;
      const machineAfter = machineCpuSeconds();
      const waited = runQueueWaitSeconds(server.pid) - waitBefore;
      const vitals = await serverVitals(server.url);
      const machineTotal = machineAfter.total - machineBefore.total;
      const tails: Tails = {
        loopDelayP99Ms: vitals.loopDelayP99Ms,
        loopDelayMaxMs: vitals.loopDelayMaxMs,
        gcMsPerSecond: ((vitals.gcSeconds - vitalsBefore.gcSeconds) / seconds) * 1000,
        cpuWaitMsPerSecond: (waited / seconds) * 1000,
        machineBusyPercent: ((machineAfter.busy - machineBefore.busy) / machineTotal) * 100,
        stealPercent: ((machineAfter.steal - machineBefore.steal) / machineTotal) * 100,
      };
      // The server writes a call's log line just after its answer: let the last ones land in the file.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { results: value, usage, databaseCpu, handlerTimes: server.takeHandlerTimes(), tails };
    };
    // The median of several runs: by rate for flat-out runs, by the first spec's p99 for paced
    // ones. The servers take turns run by run, so a noisy minute on this machine falls on all alike.
    const measure = async (name: string, specsOf: (target: Target) => LoadSpec[]): Promise<Measured[]> => {
      console.error(name);
      const perTarget: Measured[][] = targets.map(() => []);
      for (let i = 0; i < options.repeats; i++) {
        for (const [t, target] of targets.entries()) perTarget[t].push(await measureOnce(target.server, specsOf(target)));
      }
      return perTarget.map((measuredRuns) => {
        const paced = measuredRuns[0].results[0] !== undefined && specsOf(targets[0])[0].overallRate !== undefined;
        measuredRuns.sort((a, b) => (paced ? a.results[0].p99 - b.results[0].p99 : a.results[0].requestsPerSecond - b.results[0].requestsPerSecond));
        return measuredRuns[Math.floor(measuredRuns.length / 2)];
      });
    };
    const ceiling = (await medianOf(options.repeats, () => measureOnce(targets[0].server, [spec(ceilingServer, options, [{ method: "GET", path: "/" }])]))).results[0].requestsPerSecond;
    // Health is what every figure is read against, so it gets the same treatment as they do.
    const health = await measure("health", ({ server }) => [spec(server, options, [{ method: "GET", path: "/v1/health" }])]);
    const rowsPerTarget: Row[][] = targets.map(() => []);
    const add = (workload: string, measured: Measured[], options: { index?: number; rpc?: string } = {}) => {
      measured.forEach((m, t) => {
        const result = m.results[options.index ?? 0];
        const paced = /fixed|90\/10|beside/.test(workload);
        rowsPerTarget[t].push({
          workload,
          rate: result.requestsPerSecond,
          runRate: m.results.reduce((sum, r) => sum + r.requestsPerSecond, 0),
          p50: result.p50,
          p99: result.p99,
          handlerP99: paced && options.rpc ? percentile(m.handlerTimes.get(options.rpc) ?? [], 0.99) : undefined,
          ofHealth: result.requestsPerSecond / health[t].results[0].requestsPerSecond,
          ofCeiling: result.requestsPerSecond / ceiling,
          failed: result.errors + result.timeouts + result.non2xx,
          serverCpu: m.usage.cpuPercent,
          databaseCpu: m.databaseCpu,
          tails: m.tails,
        });
      });
    };
    add("GET /v1/health", health);
    add("agent token exchange", await measure("exchange", ({ server, orgs }) => [spec(server, options, exchangesOf(orgs.slice(0, 1)))]));
    add("agent secret read, one organisation", await measure("read, one org", ({ server, orgs }) => [spec(server, options, readsOf(orgs.slice(0, 1)))]));
    add("agent secret read, eight organisations", await measure("read, eight orgs", ({ server, orgs }) => [spec(server, options, readsOf(orgs))]));
    add("secret write (new version)", await measure("write", ({ server, orgs }) => [spec(server, options, writesOf(orgs[0]))]));
    // The latency ceiling of the paced rows: the same pacing, the same machine, the lightest call.
    add(`GET /v1/health at a fixed ${FIXED_RATE}/s`, await measure("fixed-rate health", ({ server }) => [spec(server, options, [{ method: "GET", path: "/v1/health" }], { rate: FIXED_RATE })]), { rpc: RPC.health });
    // Beside each paced load, a few health checks a second: the tail of the lightest call under
    // the same load on the same machine, a floor for the tail of the calls measured with it.
    const probe = (server: BenchServer) => spec(server, options, [{ method: "GET", path: "/v1/health" }], { rate: HEALTH_PROBE_RATE, connections: 2 });
    const fixed = await measure("fixed-rate reads", ({ server, orgs }) => [spec(server, options, readsOf(orgs.slice(0, 1)), { rate: FIXED_RATE }), probe(server)]);
    add(`reads offered at a fixed ${FIXED_RATE}/s`, fixed, { rpc: RPC.read });
    add(`GET /v1/health at ${HEALTH_PROBE_RATE}/s beside the fixed reads`, fixed, { index: 1, rpc: RPC.health });
    const mix = await measure("90/10 mix", ({ server, orgs }) => [
      spec(server, options, readsOf(orgs.slice(0, 1)), { rate: FIXED_RATE * 0.9 }),
      spec(server, options, writesOf(orgs[0]), { rate: FIXED_RATE * 0.1, connections: Math.max(4, options.connections / 4) }),
      probe(server),
    ]);
    add(`90/10 at ${FIXED_RATE}/s: reads`, mix, { index: 0, rpc: RPC.read });
    add(`90/10 at ${FIXED_RATE}/s: writes`, mix, { index: 1, rpc: RPC.write });
    add(`GET /v1/health at ${HEALTH_PROBE_RATE}/s beside the 90/10 mix`, mix, { index: 2, rpc: RPC.health });
    targets.forEach((target, t) => runs.push({ kind: target.server.kind, source: target.source, ceiling, rows: rowsPerTarget[t], rssAfterMb: rssMb(target.server.pid) }));
  } finally {
    for (const target of targets) await target.server.stop();
    await ceilingServer.stop();
  }
  return runs;
}

/** The value below which the fraction `p` of `values` lie (nearest rank), one decimal. */
function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] * 10) / 10;
}

/** The bare node:http ceiling is one for all targets: the median by rate of `repeats` runs. */
async function medianOf(repeats: number, once: () => Promise<Measured>): Promise<Measured> {
  const measured: Measured[] = [];
  for (let i = 0; i < repeats; i++) measured.push(await once());
  measured.sort((a, b) => a.results[0].requestsPerSecond - b.results[0].requestsPerSecond);
  return measured[Math.floor(measured.length / 2)];
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
  const ours = runs.filter((run) => run.source === "this tree");
  for (const run of ours) {
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
    // Each p99 is told beside the server's own (its access log), beside health's at the same pace
    // alone, and beside health's under the same load (the probe that ran with it).
    const pacedHealth = find(run, "GET /v1/health at a fixed");
    const probeOf = (r: Row) => run.rows.slice(run.rows.indexOf(r)).find((later) => later.workload.includes(" beside the "))!;
    const besides = (r: Row) => `(server's own ${r.handlerP99 ?? "?"} ms; health at ${FIXED_RATE}/s alone ${pacedHealth.p99} ms, beside this load ${probeOf(r).p99} ms)`;
    const fixed = find(run, "reads offered");
    checks.push({
      target: `${run.kind}: fixed ${FIXED_RATE}/s served in full, read p99 ≤ 10 ms`,
      met: fixed.failed === 0 && fixed.rate >= FIXED_RATE * 0.97 && fixed.p99 <= 10,
      seen: `${fixed.rate.toFixed(0)}/s, p99 ${fixed.p99} ms ${besides(fixed)}, ${fixed.failed} failed`,
    });
    const mixReads = find(run, "90/10 at 500/s: reads");
    const mixWrites = find(run, "90/10 at 500/s: writes");
    checks.push({ target: `${run.kind}: 90/10 read p99 ≤ 10 ms`, met: mixReads.p99 <= 10 && mixReads.failed === 0, seen: `${mixReads.p99} ms ${besides(mixReads)}` });
    checks.push({ target: `${run.kind}: 90/10 write p99 ≤ 25 ms`, met: mixWrites.p99 <= 25 && mixWrites.failed === 0, seen: `${mixWrites.p99} ms ${besides(mixWrites)}` });
    checks.push({ target: `${run.kind}: server RSS ≤ 250 MB after the run`, met: run.rssAfterMb <= 250, seen: `${run.rssAfterMb.toFixed(0)} MB` });
  }
  // Against another revision: no throughput figure of this tree below that revision's, each read
  // as a share of its own health (the two servers took turns), with 10 % for run-to-run noise.
  for (const run of ours) {
    const baseline = runs.find((r) => r.kind === run.kind && r.source !== run.source);
    if (!baseline) continue;
    for (const prefix of ["agent token exchange", "agent secret read, one", "agent secret read, eight", "secret write"]) {
      const mine = find(run, prefix);
      const theirs = find(baseline, prefix);
      checks.push({
        target: `${run.kind}: ${prefix} not below ${baseline.source} (−10 % noise)`,
        met: mine.ofHealth >= theirs.ofHealth * 0.9,
        seen: `${mine.rate.toFixed(0)}/s (${(mine.ofHealth * 100).toFixed(0)} % of health) vs ${theirs.rate.toFixed(0)}/s (${(theirs.ofHealth * 100).toFixed(0)} %)`,
      });
    }
  }
  const embedded = ours.find((r) => r.kind === "embedded");
  const postgres = ours.find((r) => r.kind === "postgres");
  if (embedded && postgres) {
    for (const row of embedded.rows) {
      const other = postgres.rows.find((r) => r.workload === row.workload)!;
      // Throughput rows compare rates (as shares of each run's own health); fixed-rate rows, p99.
      const fixedRate = /fixed|90\/10|beside/.test(row.workload);
      const met = fixedRate ? row.p99 <= Math.max(other.p99 * 1.3, other.p99 + 2) : row.ofHealth >= other.ofHealth * 0.7;
      const seen = fixedRate ? `p99 ${row.p99} vs ${other.p99} ms` : `${(row.ofHealth * 100).toFixed(0)} % vs ${(other.ofHealth * 100).toFixed(0)} % of health`;
      checks.push({ target: `embedded within 30 % of PostgreSQL: ${row.workload}`, met, seen });
    }
  }
  return checks;
}

export function engineTable(runs: EngineRun[]): string {
  // CPU is percent of one core over the run, and CPU time per answered request (µs): the second
  // says what a request costs the server and the database, whatever the rate.
  const lines = [
    "| database | workload | req/s | p50 ms | p99 ms | server's own p99 ms | of health | of node:http | failed | server CPU | server µs/req | database CPU | database µs/req |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  const perRequest = (percent: number, rate: number) => (rate > 0 ? ((percent / 100 / rate) * 1e6).toFixed(0) : "");
  for (const run of runs) {
    const database = run.source === "this tree" ? run.kind : `${run.kind} @ ${run.source}`;
    lines.push(`| ${database} | bare node:http (ceiling) | ${run.ceiling.toFixed(0)} | | | | | 100 % | | | | | |`);
    for (const r of run.rows) {
      lines.push(
        `| ${database} | ${r.workload} | ${r.rate.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.handlerP99 ?? ""} | ${(r.ofHealth * 100).toFixed(0)} % | ${(r.ofCeiling * 100).toFixed(1)} % | ${r.failed} | ${r.serverCpu.toFixed(0)} % | ${perRequest(r.serverCpu, r.runRate)} | ${r.databaseCpu.toFixed(0)} % | ${perRequest(r.databaseCpu, r.runRate)} |`,
      );
    }
    lines.push(`| ${database} | server RSS after the run | ${run.rssAfterMb.toFixed(0)} MB | | | | | | | | | | |`);
  }
  return lines.join("\n");
}

/**
 * The paced rows again, with what the server's event loop and the machine went through during
 * each: the parts of a client's p99 that the server's own time does not contain.
 */
export function tailsTable(runs: EngineRun[]): string {
  const lines = [
    `| database | workload | p99 ms | server's own p99 ms | event loop late, p99 / max ms | GC pauses ms/s | server's event loop waiting for a CPU ms/s | machine CPU (${cpus().length} cores) | of it stolen |`,
    "|---|---|---|---|---|---|---|---|---|",
  ];
  for (const run of runs) {
    const database = run.source === "this tree" ? run.kind : `${run.kind} @ ${run.source}`;
    for (const r of run.rows.filter((row) => row.handlerP99 !== undefined)) {
      const t = r.tails;
      lines.push(
        `| ${database} | ${r.workload} | ${r.p99} | ${r.handlerP99} | ${t.loopDelayP99Ms.toFixed(0)} / ${t.loopDelayMaxMs.toFixed(0)} | ${t.gcMsPerSecond.toFixed(0)} | ${t.cpuWaitMsPerSecond.toFixed(0)} | ${t.machineBusyPercent.toFixed(0)} % | ${t.stealPercent.toFixed(0)} % |`,
      );
    }
  }
  return lines.join("\n");
}

export type { BenchServer };
