// The database goes away under load and comes back. Meanwhile the server answers 503 / Unavailable
// quickly (no hang, no 500, no crash); afterwards it serves again by itself, without a restart.
// With DATABASE_URL: a PostgreSQL server of this test's own is stopped and started (never the
// machine's). Embedded: the server's own PostgreSQL is killed, and the server starts it again.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, expect, it } from "vitest";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { usingPostgres } from "../support/database.js";
import { startOwnPostgres, type OwnPostgres } from "../support/own-postgres.js";
import { rest, secretsInLog, seedOrganisation, startReliabilityServer, type Organisation, type ReliabilityServer } from "./support.js";

/** "Quickly": no answer during the outage may take longer than this. */
const ANSWER_WITHIN_MS = 2000;
const OUTAGE_MS = 3000;
const RECOVER_WITHIN_MS = 30_000;

let own: OwnPostgres | undefined;
let server: ReliabilityServer | undefined;
afterAll(async () => {
  await server?.close();
  await own?.destroy();
});

interface Sample {
  at: number;
  status: number | string;
  ms: number;
}

/** Reads and health checks in a loop until stopped: what callers saw, and how fast. */
function probe(url: string, org: Organisation) {
  const call = rest(url);
  const samples: Sample[] = [];
  let stopped = false;
  const one = async (request: () => Promise<Response>) => {
    const started = Date.now();
    let status: number | string;
    try {
      const res = await Promise.race([request(), new Promise<never>((_, fail) => setTimeout(() => fail(new Error("no answer")), 10_000))]);
      status = res.status;
      await res.body?.cancel();
    } catch (error) {
      status = (error as Error).message;
    }
    samples.push({ at: started, status, ms: Date.now() - started });
  };
  const loops = Array.from({ length: 4 }, (_, i) =>
    (async () => {
      while (!stopped) {
        await one(() => (i === 0 ? call("GET", "/v1/health") : call("GET", `/v1/vaults/${org.vaultId}/secrets/api-keys/openai`, org.agentToken)));
        await new Promise((done) => setTimeout(done, 20));
      }
    })(),
  );
  return {
    samples,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

async function outage(breakDatabase: () => Promise<void>, restoreDatabase: () => Promise<void>, expectUnavailable: boolean) {
  const org = await seedOrganisation(server!.url);
  const pid = server!.process.child.pid;
  const probes = probe(server!.url, org);
  await new Promise((done) => setTimeout(done, 300));

  const brokenAt = Date.now();
  await breakDatabase();
  await new Promise((done) => setTimeout(done, OUTAGE_MS / 2));
  // Over gRPC too: Unavailable, not Internal.
  const grpc = createClient(VaultService, createGrpcTransport({ baseUrl: server!.url }));
  const grpcError = await grpc
    .getSecret({ vaultId: org.vaultId, path: "api-keys/openai" }, { headers: { authorization: `Bearer ${org.agentToken}` }, timeoutMs: 5000 })
    .then(() => undefined, (e: unknown) => ConnectError.from(e));
  await new Promise((done) => setTimeout(done, OUTAGE_MS / 2));
  const restoredAt = Date.now();
  await restoreDatabase();

  // Back by itself: reads succeed again, on the same process.
  const call = rest(server!.url);
  const deadline = Date.now() + RECOVER_WITHIN_MS;
  let recoveredAt = 0;
  while (Date.now() < deadline) {
    const res = await call("GET", `/v1/vaults/${org.vaultId}/secrets/api-keys/openai`, org.agentToken);
    await res.body?.cancel();
    if (res.status === 200) {
      recoveredAt = Date.now();
      break;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  await new Promise((done) => setTimeout(done, 2500));
  await probes.stop();

  const during = probes.samples.filter((s) => s.at >= brokenAt && s.at < restoredAt);
  const after = probes.samples.filter((s) => recoveredAt > 0 && s.at > recoveredAt + 1000);
  const statuses = [...new Set(probes.samples.map((s) => s.status))];
  const slowest = Math.max(...during.map((s) => s.ms));
  console.log(`outage: ${during.length} answers during the outage, ${during.filter((s) => s.status === 503).length} of them 503 (statuses ${statuses.join(", ")}; slowest ${slowest} ms), recovered ${recoveredAt ? recoveredAt - restoredAt : "never"} ms after the database was back`);

  expect(recoveredAt, "the server serves again without a restart").toBeGreaterThan(0);
  expect(server!.process.child.pid).toBe(pid);
  expect(server!.alive()).toBe(true);
  // During: 200 (before the break bites, or from a cache), or 503; never a 500, never slow.
  expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
  expect(slowest).toBeLessThan(ANSWER_WITHIN_MS);
  if (expectUnavailable) {
    expect(during.filter((s) => s.status === 503).length).toBeGreaterThan(5);
    expect(grpcError?.code).toBe(Code.Unavailable);
  } else if (grpcError) {
    expect(grpcError.code).toBe(Code.Unavailable);
  }
  expect(after.length).toBeGreaterThan(0);
  expect(after.filter((s) => s.status !== 200)).toEqual([]);
  expect(secretsInLog(server!.process.lines, org)).toEqual([]);
}

it.runIf(usingPostgres)("answers 503 while its PostgreSQL is stopped, and serves again by itself once it is back", async () => {
  own = await startOwnPostgres();
  server = await startReliabilityServer({}, { databaseUrl: own.url, dataDir: mkdtempSync(join(tmpdir(), "clawkeep-outage-")), drop: async () => undefined });
  await outage(
    () => own!.stop(),
    () => own!.start(),
    true,
  );
}, 120_000);

it.runIf(!usingPostgres)("answers 503 while its embedded PostgreSQL is dead, restarts it and serves again by itself", async () => {
  server = await startReliabilityServer();
  const postmaster = () => Number(readFileSync(join(server!.database.dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
  const first = postmaster();
  await outage(
    async () => {
      process.kill(first, "SIGKILL");
    },
    async () => undefined,
    false,
  );
  expect(postmaster()).not.toBe(first);
}, 120_000);
