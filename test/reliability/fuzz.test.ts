// The fixed-seed fuzz run CI does: every RPC, random and mutated inputs, JSON and binary, over REST,
// Connect, gRPC and gRPC-Web, against a real server process. Never a 5xx or an internal code, never
// a hang, never a crash, and health answers after every method. Longer runs with other seeds:
// `npm run reliability -- --seed N --count M`.
import { afterAll, beforeAll, expect, it } from "vitest";
import { allMethods, fuzz } from "./fuzz/campaign.js";
import { knownIds, liveCredentials, seedOrganisation, secretsInLog, serverErrors, startReliabilityServer, type ReliabilityServer } from "./support.js";

const SEED = Number(process.env.CLAWKEEP_FUZZ_SEED ?? 16);
const COUNT = Number(process.env.CLAWKEEP_FUZZ_COUNT ?? 3000);

let server: ReliabilityServer;
beforeAll(async () => {
  server = await startReliabilityServer();
});
afterAll(async () => {
  await server?.close();
});

it(`answers ${COUNT} fuzzed inputs (seed ${SEED}) without a 5xx, an internal code, a hang or a crash`, async () => {
  const org = await seedOrganisation(server.url);
  const started = Date.now();
  const report = await fuzz({
    url: server.url,
    seed: SEED,
    count: COUNT,
    credentials: [org.token, org.agentToken, org.apiKey],
    known: knownIds(org),
    alive: server.alive,
    refreshCredentials: () => liveCredentials(server.url, org),
  });
  console.log(`fuzz seed ${SEED}: ${report.tried} inputs over ${report.methods} RPCs in ${((Date.now() - started) / 1000).toFixed(1)} s`, report.byProtocol, report.outcomes);
  expect(report.failures.slice(0, 10)).toEqual([]);
  expect(report.methods).toBe(allMethods().length);
  expect(report.tried).toBeGreaterThanOrEqual(COUNT);
  expect(server.alive()).toBe(true);
  expect(serverErrors(server.process.lines)).toEqual([]);
  expect(secretsInLog(server.process.lines, org)).toEqual([]);
}, 300_000);
