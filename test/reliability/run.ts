// npm run reliability -- [--seed N] [--count M] [--quiet] [--hostile]
// The long fuzz campaign: like test/reliability/fuzz.test.ts, with any seed and as many inputs as
// you like, against a real server process on the embedded database, or on the PostgreSQL of
// DATABASE_URL (a fresh database in it). Prints the count of inputs tried and every failure with
// the input that caused it; exits 1 when there was one.
// --hostile: then a minute of hostile clients (test/reliability/hostile/attacks.ts at LONG_INTENSITY)
// against a fresh server, failing unless a normal client's health p99 stays under 100 ms, health
// never fails and memory grows by less than 400 MB. Run it on a quiet machine.
import { parseArgs } from "node:util";
import { fuzz } from "./fuzz/campaign.js";
import { hostile, LONG_INTENSITY } from "./hostile/attacks.js";
import { knownIds, liveCredentials, seedOrganisation, serverErrors, startReliabilityServer } from "./support.js";

const { values } = parseArgs({
  options: { seed: { type: "string" }, count: { type: "string" }, quiet: { type: "boolean" }, hostile: { type: "boolean" } },
});
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
const count = Number(values.count ?? 20_000);
if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1) {
  console.error("usage: npm run reliability -- [--seed N] [--count M]");
  process.exit(2);
}

const server = await startReliabilityServer();
let failed = false;
try {
  const org = await seedOrganisation(server.url);
  const started = Date.now();
  console.log(`fuzzing ${server.url} (${process.env.DATABASE_URL ? "PostgreSQL" : "embedded"}) with seed ${seed}, ${count} inputs`);
  const report = await fuzz({
    url: server.url,
    seed,
    count,
    credentials: [org.token, org.agentToken, org.apiKey],
    known: knownIds(org),
    alive: server.alive,
    refreshCredentials: () => liveCredentials(server.url, org),
    onMethodDone: values.quiet ? undefined : (method, tried) => console.log(`  ${method} done, ${tried} inputs so far`),
  });
  const seconds = (Date.now() - started) / 1000;
  const errors = serverErrors(server.process.lines);
  console.log(`\n${report.tried} inputs tried over ${report.methods} RPCs in ${seconds.toFixed(1)} s (${(report.tried / seconds).toFixed(0)}/s), seed ${seed}`);
  console.log("by protocol:", report.byProtocol);
  console.log("outcomes:", report.outcomes);
  for (const failure of report.failures) console.log("FAILURE", JSON.stringify(failure));
  for (const line of errors.slice(0, 50)) console.log("SERVER ERROR", line);
  failed = report.failures.length > 0 || errors.length > 0 || !server.alive();
  console.log(failed ? `\n${report.failures.length} failures, ${errors.length} server errors` : "\nno failures");
} finally {
  await server.close();
}

if (values.hostile) {
  const target = await startReliabilityServer({ CLAWKEEP_TRUSTED_PROXIES: "127.0.0.1", CLAWKEEP_RATE_LIMIT_PER_SECOND: "50", CLAWKEEP_RATE_LIMIT_BURST: "200", CLAWKEEP_REQUEST_TIMEOUT_MS: "5000" });
  try {
    console.log(`\nhostile clients for ${LONG_INTENSITY.seconds} s:`, LONG_INTENSITY);
    const report = await hostile(target.process.port, target.process.child.pid!, LONG_INTENSITY);
    console.log(report);
    const problems = [
      report.p99 >= 100 && `health p99 ${report.p99} ms (target < 100 ms)`,
      report.healthFailures > 0 && `${report.healthFailures} health checks failed`,
      report.rssPeakMb - report.rssBeforeMb >= 400 && `memory grew by ${report.rssPeakMb - report.rssBeforeMb} MB`,
      !target.alive() && "the server exited",
    ].filter(Boolean);
    for (const problem of problems) console.log("HOSTILE FAILURE", problem);
    failed ||= problems.length > 0;
  } finally {
    await target.close();
  }
}
process.exit(failed ? 1 : 0);
