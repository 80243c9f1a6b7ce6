// Rotating the master KEK: a new version, every stored data key re-wrapped onto it, values
// unchanged, while a real server keeps reading and writing — in-process against the live server,
// and through the real `clawkeep keys rotate-master` command.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JwtKeys } from "../../src/crypto/jwt-keys.js";
import { Keyring } from "../../src/crypto/keyring.js";
import { loadMasterKey } from "../../src/crypto/master-key.js";
import { kekVersionsInUse, rotateMasterKek } from "../../src/domain/keys/kek-rotation.js";
import { databaseEnv } from "../support/app.js";
import { freshDatabase, usingPostgres, type FreshDatabase } from "../support/database.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { NO_RATE_LIMIT } from "../support/rate-limit.js";

const run = promisify(execFile);
let fresh: FreshDatabase;
let server: TestServer;
let call: RestCall;
let owner: RestPerson;
let vaultId: string;
const stored = new Map<string, string>();

beforeAll(async () => {
  fresh = await freshDatabase();
  // The traffic below runs flat out for as long as the rotation takes: lift the per-caller rate
  // limit, which would otherwise (rightly) answer 429 on a fast machine.
  server = await startTestServer({ database: fresh, env: NO_RATE_LIMIT });
  call = restCaller(server.url);
  owner = await restSignup(call);
  vaultId = ((await (await call("POST", "/v1/vaults", owner.token, { name: "rotation" })).json()) as { id: string }).id;
  for (let i = 0; i < 30; i++) await write(`keys/k${i}`, `value-${i}-v1`);
  for (let i = 0; i < 10; i++) await write(`keys/k${i}`, `value-${i}-v2`);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await fresh?.drop();
});

async function write(path: string, value: string): Promise<void> {
  const res = await call("PUT", `/v1/vaults/${vaultId}/secrets/${path}`, owner.token, { value });
  expect(res.status).toBe(201);
  stored.set(path, value);
}

async function expectEveryValueReadable(): Promise<void> {
  for (const [path, value] of stored) {
    const res = await call("GET", `/v1/vaults/${vaultId}/secrets/${path}`, owner.token);
    expect(res.status, path).toBe(200);
    expect(((await res.json()) as { value: string }).value, path).toBe(value);
  }
}

describe("master key rotation", () => {
  it("re-wraps every data key while the server keeps serving reads and writes", async () => {
    // A second keyring on the same database stands for the CLI process; the server learns of
    // the new version through the events bus.
    const masterKey = loadMasterKey({ envValue: server.config.masterKey, dataDir: server.config.dataDir, embedded: !usingPostgres, logger: pino({ level: "silent" }) });
    const keyring = await Keyring.open(server.database.dataSource, masterKey);
    const jwtKeys = await JwtKeys.open(server.database.dataSource, keyring, { issuer: server.config.publicUrl });
    const before = keyring.currentVersion();
    let serving = true;
    const traffic = (async () => {
      let n = 0;
      while (serving) {
        await write(`live/w${n % 5}`, `live-${n}`);
        const res = await call("GET", `/v1/vaults/${vaultId}/secrets/keys/k${n % 30}`, owner.token);
        expect(res.status).toBe(200);
        n++;
      }
      return n;
    })();
    const report = await rotateMasterKek({ dataSource: server.database.dataSource, bus: server.bus, keyring, jwtKeys });
    serving = false;
    expect(await traffic).toBeGreaterThan(0);
    expect(report.kekVersion).toBe(before + 1);
    expect(report.secretVersionsRewrapped).toBeGreaterThanOrEqual(40);
    expect(report.signingKeysRewrapped).toBeGreaterThanOrEqual(1);
    expect(report.versionsInUse).toEqual([report.kekVersion]);
    await expectEveryValueReadable();
    // The server seals new values under the new version without a restart.
    await write("after/rotation", "sealed-under-the-new-kek");
    expect(await kekVersionsInUse(server.database.dataSource)).toEqual([report.kekVersion]);
    // Logging in still works: the token signing key was re-wrapped, not replaced.
    expect((await call("GET", "/v1/auth/me", owner.token)).status).toBe(200);
  });

  it("runs as `clawkeep keys rotate-master` (beside the server on PostgreSQL; with it stopped when embedded)", async () => {
    if (!usingPostgres) await server.close();
    const env = { ...process.env, DATABASE_URL: "", ...databaseEnv(fresh), CLAWKEEP_LOG_LEVEL: "warn" };
    const { stdout } = await run(process.execPath, ["--import", "tsx", "src/cli/clawkeep.ts", "keys", "rotate-master"], { env, timeout: 60_000 });
    expect(stdout).toMatch(/^KEK version \d+ is current; re-wrapped \d+ secret versions and \d+ signing keys; KEK versions in use: \d+$/m);
    const version = Number(/KEK version (\d+)/.exec(stdout)![1]);
    if (!usingPostgres) server = await startTestServer({ database: fresh });
    call = restCaller(server.url);
    expect(await kekVersionsInUse(server.database.dataSource)).toEqual([version]);
    await expectEveryValueReadable();
  }, 90_000);

  it("explains its commands and refuses unknown ones", async () => {
    const help = await run(process.execPath, ["--import", "tsx", "src/cli/clawkeep.ts", "--help"]);
    expect(help.stdout).toContain("clawkeep keys rotate-master");
    const unknown = await run(process.execPath, ["--import", "tsx", "src/cli/clawkeep.ts", "keys", "rotate"]).catch((error: { code: number; stderr: string }) => error);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "keys rotate"') });
  });
});
