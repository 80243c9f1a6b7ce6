// npm run reliability -- [--seed N] [--count M] [--quiet]
// The long fuzz campaign: like test/reliability/fuzz.test.ts, with any seed and as many inputs as
// you like, against a real server process on the embedded database, or on the PostgreSQL of
// DATABASE_URL (a fresh database in it). Prints the count of inputs tried and every failure with
// the input that caused it; exits 1 when there was one.
import { parseArgs } from "node:util";
import { fuzz } from "./fuzz/campaign.js";
import { knownIds, liveCredentials, seedOrganisation, serverErrors, startReliabilityServer } from "./support.js";

const { values } = parseArgs({
  options: { seed: { type: "string" }, count: { type: "string" }, quiet: { type: "boolean" } },
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
process.exit(failed ? 1 : 0);
