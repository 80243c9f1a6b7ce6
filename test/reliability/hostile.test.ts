// Hostile clients (slow-loris, 10 MB bodies, deep and huge-array JSON, 10,000 concurrent streams,
// thousands of bad tokens) against a real server process: its memory stays bounded, it keeps
// answering a normal client's health checks, and it serves normally afterwards. The health p99
// target (100 ms) is asserted by `npm run reliability -- --hostile` on a quiet machine; CI, on
// shared cores, asserts a generous bound and prints what it measured.
import { afterAll, beforeAll, expect, it } from "vitest";
import { CI_INTENSITY, hostile } from "./hostile/attacks.js";
import { rest, seedOrganisation, startReliabilityServer, type ReliabilityServer } from "./support.js";

/** CI shares its cores with other jobs (load averages of 9 on 2 cores seen): a bound, not a target. */
const CI_P99_BOUND_MS = 5000;
const RSS_GROWTH_BOUND_MB = 400;

let server: ReliabilityServer;
beforeAll(async () => {
  // Default rate limits; attackers and the normal client are told apart by X-Forwarded-For.
  server = await startReliabilityServer({ CLAWKEEP_TRUSTED_PROXIES: "127.0.0.1", CLAWKEEP_RATE_LIMIT_PER_SECOND: "50", CLAWKEEP_RATE_LIMIT_BURST: "200", CLAWKEEP_REQUEST_TIMEOUT_MS: "5000" });
});
afterAll(async () => {
  await server?.close();
});

it("keeps memory bounded and health answering under hostile clients", async () => {
  const intensity = { ...CI_INTENSITY, ...(JSON.parse(process.env.CLAWKEEP_HOSTILE ?? "{}") as Partial<typeof CI_INTENSITY>) };
  const report = await hostile(server.process.port, server.process.child.pid!, intensity);
  console.log("hostile:", JSON.stringify(report));
  expect(server.alive()).toBe(true);
  expect(report.healthFailures).toBe(0);
  expect(report.healthSamples).toBeGreaterThan(10);
  expect(report.p99).toBeLessThan(CI_P99_BOUND_MS);
  expect(report.rssPeakMb - report.rssBeforeMb).toBeLessThan(RSS_GROWTH_BOUND_MB);
  expect(report.streamsOpened).toBeGreaterThan(0);
  // Slow-loris connections are cut by the server (CLAWKEEP_REQUEST_TIMEOUT_MS), not held forever.
  expect(report.slowLorisClosedByServer).toBeGreaterThanOrEqual(intensity.slowLoris * 0.9);
  // No attack got a 5xx but 503, which an overloaded server may answer (no pooled database
  // connection within 5 s) and which says so.
  expect(Object.keys(report.statuses).filter((key) => / 5\d\d$/.test(key) && !key.endsWith(" 503"))).toEqual([]);
  // And afterwards it serves as before.
  const org = await seedOrganisation(server.url);
  expect((await rest(server.url)("GET", `/v1/vaults/${org.vaultId}/secrets/api-keys/openai`, org.agentToken)).status).toBe(200);
}, 120_000);
