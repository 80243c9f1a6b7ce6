// kill -9 during a concurrent write and read load, on the database this run uses (embedded, or the
// PostgreSQL of DATABASE_URL). After a restart on the same data: every acknowledged write is
// readable with its value, nothing half-written is visible (every secret listed reads back whole),
// every acknowledged read has its audit event, and the audit chain verifies.
import { afterAll, expect, it } from "vitest";
import { freshDatabase, type FreshDatabase } from "../support/database.js";
import { rest, seedOrganisation, secretsInLog, serverErrors, startReliabilityServer, type Organisation, type ReliabilityServer } from "./support.js";

const WRITERS = 6;
const READERS = 6;
const LOAD_MS = 4000;

let database: FreshDatabase | undefined;
let server: ReliabilityServer | undefined;
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

interface Load {
  /** path → the value of its newest acknowledged version, with that version. */
  written: Map<string, { value: string; version: number }>;
  reads: number;
  writeAttempts: number;
}

async function load(url: string, org: Organisation, until: () => boolean): Promise<Load> {
  const call = rest(url);
  const result: Load = { written: new Map(), reads: 0, writeAttempts: 0 };
  const writer = async (w: number) => {
    for (let i = 0; !until(); i++) {
      // New paths and new versions of the same path, both.
      const path = `crash/w${w}/${i % 5 === 4 ? "same" : `p${i}`}`;
      const value = `value-${w}-${i}-${"x".repeat(i % 7)}`;
      result.writeAttempts++;
      try {
        const res = await call("PUT", `/v1/vaults/${org.vaultId}/secrets/${path}`, org.token, { value, type: "password" });
        if (res.status === 201) {
          const { version } = (await res.json()) as { version: number };
          const previous = result.written.get(path);
          if (!previous || previous.version < version) result.written.set(path, { value, version });
        } else await res.body?.cancel();
      } catch {
        return; // the server is gone
      }
    }
  };
  const reader = async () => {
    while (!until()) {
      try {
        const res = await call("GET", `/v1/vaults/${org.vaultId}/secrets/api-keys/openai`, org.agentToken);
        if (res.status === 200) {
          const body = (await res.json()) as { value: string };
          if (body.value === "sk-reliability-value") result.reads++;
        } else await res.body?.cancel();
      } catch {
        return;
      }
    }
  };
  await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), ...Array.from({ length: READERS }, () => reader())]);
  return result;
}

it("keeps every acknowledged write and read, and a valid audit chain, across kill -9 under load", async () => {
  database = await freshDatabase();
  server = await startReliabilityServer({}, database);
  const org = await seedOrganisation(server.url);

  let killed = false;
  const running = load(server.url, org, () => killed);
  await new Promise((done) => setTimeout(done, LOAD_MS));
  server.process.child.kill("SIGKILL");
  killed = true;
  const { written, reads, writeAttempts } = await running;
  await server.process.exited;
  expect(written.size).toBeGreaterThan(10);
  expect(reads).toBeGreaterThan(10);

  server = await startReliabilityServer({}, database);
  const call = rest(server.url);
  // Every acknowledged write, with its value (a later unacknowledged version may exist too).
  for (const [path, { value, version }] of written) {
    const res = await call("GET", `/v1/vaults/${org.vaultId}/secret-version/${path}/${version}`, org.token);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    expect(((await res.json()) as { value: string }).value).toBe(value);
  }
  // Nothing half-written: whatever is listed reads back whole, with a value written for its path.
  const list = (await (await call("GET", `/v1/vaults/${org.vaultId}/secrets`, org.token)).json()) as { secrets: { path: string; version: number }[] };
  const crashPaths = list.secrets.filter((s) => s.path.startsWith("crash/"));
  expect(crashPaths.length).toBeGreaterThanOrEqual(written.size);
  for (const secret of crashPaths) {
    const res = await call("GET", `/v1/vaults/${org.vaultId}/secrets/${secret.path}`, org.token);
    expect({ path: secret.path, status: res.status }).toEqual({ path: secret.path, status: 200 });
    const { value, version } = (await res.json()) as { value: string; version: number };
    const writer = /^crash\/w(\d+)\//.exec(secret.path)![1];
    expect(value).toMatch(new RegExp(`^value-${writer}-\\d+-x*$`));
    expect(version).toBeGreaterThanOrEqual(written.get(secret.path)?.version ?? 1);
  }
  // Every acknowledged read has its audit event.
  let readEvents = 0;
  for (let offset = 0; ; offset += 1000) {
    const page = (await (await call("GET", `/v1/audit/events?action=secret.read&actor_id=${org.agentId}&limit=1000&offset=${offset}`, org.token)).json()) as { events: unknown[] };
    readEvents += page.events.length;
    if (page.events.length < 1000) break;
  }
  expect(readEvents).toBeGreaterThanOrEqual(reads);
  // And the chain, including what the killed server left pending, verifies.
  const verify = (await (await call("GET", "/v1/audit/verify?limit=10000", org.token)).json()) as { chain_valid: boolean; events_checked: number };
  expect(verify.chain_valid).toBe(true);
  expect(verify.events_checked).toBeGreaterThan(written.size);
  expect(serverErrors(server.process.lines)).toEqual([]);
  expect(secretsInLog(server.process.lines, org)).toEqual([]);
  console.log(`crash: ${writeAttempts} writes tried, ${written.size} paths acknowledged, ${reads} reads acknowledged, ${readEvents} read events, ${verify.events_checked} events verified after kill -9`);
}, 120_000);
