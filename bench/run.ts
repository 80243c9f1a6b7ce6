// Benchmarks (not tests). Every figure comes from a real server process driven by a separate
// load-generator process, and is printed beside a ceiling measured in the same run.
//   npm run bench                       the engine suite, embedded and PostgreSQL
//   npm run bench -- --seconds 20       longer runs per workload (default 10)
//   npm run bench -- --only embedded    one database
//   npm run bench -- --against 5da3593  also serve that revision, measured in turns with this tree
//   npm run bench -- sign               sign-only throughput beside raw viem signing (a Hardhat node runs)
//   npm run bench -- fleet              10,000 agents on one WatchFleetTokens stream (TTL 60 s, 3 TTLs)
//                                       beside 1,000 polling agents; --agents, --pollers, --ttl,
//                                       --ttls and --only (default postgres) change it
// PostgreSQL runs use DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres; each run
// creates a database of its own and drops it afterwards. Results are printed and written to
// bench/results/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { checkTargets, engineTable, runEngine, tailsTable } from "./engine.js";
import { runSign, signTable } from "./sign.js";
import { fleetTable, fleetTargets, runFleet } from "./fleet.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] ? args[at + 1] : fallback;
};
const suite = args.find((a) => !a.startsWith("--") && !args[args.indexOf(a) - 1]?.startsWith("--")) ?? "engine";

const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
const machine = `${cpus().length} cores, Node ${process.version}`;
mkdirSync("bench/results", { recursive: true });

/**
 * A checkout of `rev` under build/, made once and reused: its own files, and this tree's
 * node_modules unless its lockfile differs (then its own, from npm ci).
 */
function checkoutOf(rev: string): { label: string; dir: string } {
  const label = execFileSync("git", ["rev-parse", "--short", rev], { encoding: "utf8" }).trim();
  const dir = `${process.cwd()}/build/against-${label}`;
  if (!existsSync(dir)) {
    execFileSync("git", ["worktree", "add", "--detach", dir, label], { stdio: "inherit" });
    if (readFileSync(`${dir}/package-lock.json`, "utf8") === readFileSync("package-lock.json", "utf8")) symlinkSync(`${process.cwd()}/node_modules`, `${dir}/node_modules`);
    else execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
  }
  return { label, dir };
}

/** The load options every throughput suite reads: run length, repeats, connections, databases. */
function loadOptions(): { seconds: number; repeats: number; connections: number; databases: ("embedded" | "postgres")[] } {
  const only = option("only", "");
  return {
    seconds: Number(option("seconds", "6")),
    repeats: Number(option("repeats", "3")),
    connections: Number(option("connections", "32")),
    databases: only ? [only as "embedded" | "postgres"] : ["embedded", "postgres"],
  };
}

function targetsTable(checks: { target: string; met: boolean; seen: string }[]): string {
  return ["| target | met | seen |", "|---|---|---|", ...checks.map((c) => `| ${c.target} | ${c.met ? "yes" : "**no**"} | ${c.seen} |`)].join("\n");
}

/** Prints the report and keeps it, with its figures as JSON, in bench/results/. */
function keep(name: string, report: string, figures: object): void {
  console.log(`\n${report}`);
  writeFileSync(`bench/results/${stamp}-${name}.md`, report);
  writeFileSync(`bench/results/${stamp}-${name}.json`, `${JSON.stringify({ stamp, machine, ...figures }, null, 2)}\n`);
}

if (suite === "engine") {
  const against = option("against", "");
  const runs = await runEngine({ ...loadOptions(), against: against ? checkoutOf(against) : undefined });
  const table = engineTable(runs);
  const checks = checkTargets(runs);
  const targets = targetsTable(checks);
  const report = `# Engine benchmark, ${stamp}\n\n\`npm run bench ${args.join(" ")}\`, ${machine}. A load generator in its own process (autocannon flat out; evenly paced requests for fixed rates), ${option("connections", "32")} connections; each workload runs ${option("repeats", "3")} × ${option("seconds", "6")} s on each server, the servers taking turns, and the median run is shown.\n\n${table}\n\n${targets}\n\n## Where the paced tails come from\n\nFor each paced row's median run: how late the server's event loop ran a 10 ms timer, and its GC pauses (its own /metrics), the time its main thread was ready to run but waited for a CPU (/proc schedstat), and the machine's CPU over the run, all processes together, with the part the hypervisor took.\n\n${tailsTable(runs)}\n`;
  keep("engine", report, { runs, checks });
} else if (suite === "sign") {
  const rows = await runSign(loadOptions());
  const report = `# Sign-only benchmark, ${stamp}\n\n\`npm run bench ${args.join(" ")}\`, ${machine}. A load generator in its own process (autocannon flat out), ${option("connections", "32")} connections, median of ${option("repeats", "3")} runs of ${option("seconds", "6")} s; raw viem signs the same EIP-1559 transaction in the benchmark's own process, one thread, no server.\n\n${signTable(rows)}\n`;
  keep("sign", report, { rows });
} else if (suite === "fleet") {
  const options = {
    kind: option("only", "postgres") as "embedded" | "postgres",
    agents: Number(option("agents", "10000")),
    pollers: Number(option("pollers", "1000")),
    ttlSeconds: Number(option("ttl", "60")),
    ttls: Number(option("ttls", "3")),
  };
  const run = await runFleet(options);
  const checks = fleetTargets(run);
  const targets = targetsTable(checks);
  const report = `# Fleet benchmark, ${stamp}\n\n\`npm run bench ${args.join(" ")}\`, ${machine}. A real server process; a separate load-generator process holds ${options.agents} agents on one WatchFleetTokens stream with the package's FleetTokenManager, asks it for every agent's token once a second, and runs ${options.pollers} agents that each exchange their key (POST /v1/auth/agent-token) every two thirds of the TTL from a random phase. Steady-state figures start once every fleet agent has its first token.\n\n${fleetTable(run)}\n\nIssuance per second over the steady state: ${run.load.perSecond.join(" ")}\n\n${targets}\n`;
  keep("fleet", report, { run, checks });
} else {
  console.error(`unknown benchmark "${suite}"; try: engine, sign, fleet`);
  process.exit(2);
}
