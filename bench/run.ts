// Benchmarks (not tests). Every figure comes from a real server process driven by a separate
// load-generator process, and is printed beside a ceiling measured in the same run.
//   npm run bench                       the engine suite, embedded and PostgreSQL
//   npm run bench -- --seconds 20       longer runs per workload (default 10)
//   npm run bench -- --only embedded    one database
//   npm run bench -- fleet              10,000 agents on one WatchFleetTokens stream (TTL 60 s, 3 TTLs)
//                                       beside 1,000 polling agents; --agents, --pollers, --ttl,
//                                       --ttls and --only (default postgres) change it
// PostgreSQL runs use DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres; each run
// creates a database of its own and drops it afterwards. Results are printed and written to
// bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { checkTargets, engineTable, runEngine } from "./engine.js";
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

if (suite === "engine") {
  const only = option("only", "");
  const runs = await runEngine({
    seconds: Number(option("seconds", "6")),
    repeats: Number(option("repeats", "3")),
    connections: Number(option("connections", "32")),
    databases: only ? [only as "embedded" | "postgres"] : ["embedded", "postgres"],
  });
  const table = engineTable(runs);
  const checks = checkTargets(runs);
  const targets = ["| target | met | seen |", "|---|---|---|", ...checks.map((c) => `| ${c.target} | ${c.met ? "yes" : "**no**"} | ${c.seen} |`)].join("\n");
  const report = `# Engine benchmark, ${stamp}\n\n\`npm run bench ${args.join(" ")}\`, ${machine}. A load generator in its own process (autocannon flat out; evenly paced requests for fixed rates), ${option("connections", "32")} connections; each workload runs ${option("repeats", "3")} × ${option("seconds", "6")} s and the median run is shown.\n\n${table}\n\n${targets}\n`;
  console.log(`\n${report}`);
  writeFileSync(`bench/results/${stamp}-engine.md`, report);
  writeFileSync(`bench/results/${stamp}-engine.json`, `${JSON.stringify({ stamp, machine, runs, checks }, null, 2)}\n`);
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
  const targets = ["| target | met | seen |", "|---|---|---|", ...checks.map((c) => `| ${c.target} | ${c.met ? "yes" : "**no**"} | ${c.seen} |`)].join("\n");
  const report = `# Fleet benchmark, ${stamp}\n\n\`npm run bench ${args.join(" ")}\`, ${machine}. A real server process; a separate load-generator process holds ${options.agents} agents on one WatchFleetTokens stream with the package's FleetTokenManager, asks it for every agent's token once a second, and runs ${options.pollers} agents that each exchange their key (POST /v1/auth/agent-token) every two thirds of the TTL from a random phase. Steady-state figures start once every fleet agent has its first token.\n\n${fleetTable(run)}\n\nIssuance per second over the steady state: ${run.load.perSecond.join(" ")}\n\n${targets}\n`;
  console.log(`\n${report}`);
  writeFileSync(`bench/results/${stamp}-fleet.md`, report);
  writeFileSync(`bench/results/${stamp}-fleet.json`, `${JSON.stringify({ stamp, machine, run, checks }, null, 2)}\n`);
} else {
  console.error(`unknown benchmark "${suite}"; try: engine, fleet`);
  process.exit(2);
}
