// Nothing secret is ever stored in the clear: after real use over REST, every row of every table
// is dumped and searched for each secret value, password, share passphrase, API key, refresh
// token and the master key, in the encodings a careless implementation might store them in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadMasterKey } from "../../src/crypto/master-key.js";
import { pino } from "pino";
import { usingPostgres } from "../support/database.js";
import { PASSWORD } from "../support/people.js";
import { restCaller, restSignup, type RestCall } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let call: RestCall;
beforeAll(async () => {
  server = await startTestServer();
  call = restCaller(server.url);
});
afterAll(async () => {
  await server?.close();
});

/** Every row of every table of ours, as JSON text (bytea columns come out as \x hex). */
async function dumpEveryTable(): Promise<string> {
  const tables: { table_name: string }[] = await server.database.dataSource.query(
    `SELECT "table_name" FROM information_schema.tables WHERE "table_schema" = current_schema() AND "table_type" = 'BASE TABLE'`,
  );
  expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(["clawkeep_secret_versions", "clawkeep_users", "clawkeep_sessions", "clawkeep_audit_events"]));
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows: { row: string }[] = await server.database.dataSource.query(`SELECT row_to_json(t)::text AS "row" FROM "${table_name}" t`);
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join("\n");
}

/** The encodings a value could hide in: as given, hex (bytea), base64 and base64url. */
function encodings(secret: string | Buffer): string[] {
  const bytes = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, "utf8");
  return [...(Buffer.isBuffer(secret) ? [] : [secret]), bytes.toString("hex"), bytes.toString("base64").replace(/=+$/, ""), bytes.toString("base64url")];
}

describe("data at rest", () => {
  it("holds no secret value, password, key or token in any table", async () => {
    const owner = await restSignup(call);
    const vault = (await (await call("POST", "/v1/vaults", owner.token, { name: "at-rest" })).json()) as { id: string };
    const values = ["sk-live-4f9d2c8a1b7e6f3d", "correct-horse-battery-db-password", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----"];
    for (const [i, value] of values.entries()) {
      expect((await call("PUT", `/v1/vaults/${vault.id}/secrets/at-rest/s${i}`, owner.token, { value, type: "private_key" })).status).toBe(201);
      expect((await call("PUT", `/v1/vaults/${vault.id}/secrets/at-rest/s${i}`, owner.token, { value: `${value}-v2` })).status).toBe(201);
      expect((await call("GET", `/v1/vaults/${vault.id}/secrets/at-rest/s${i}`, owner.token)).status).toBe(200);
    }
    const login = (await (await call("POST", "/v1/auth/token", undefined, { email: owner.email, password: PASSWORD })).json()) as { refresh_token: string };
    const created = (await (await call("POST", "/v1/auth/api-keys", owner.token, { name: "ci" })).json()) as { api_key: string };
    expect(created.api_key).toMatch(/^1ck_/);
    // A link share with a passphrase, read once: the passphrase is kept only as a hash.
    const { id: secretId } = ((await (await call("GET", `/v1/vaults/${vault.id}/secrets`, owner.token)).json()) as { secrets: { id: string }[] }).secrets[0];
    const sharePassphrase = "share-passphrase-7c1e9b44";
    const share = await call("POST", `/v1/secrets/${secretId}/share`, owner.token, {
      recipient_type: "anyone_with_link",
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      passphrase: sharePassphrase,
    });
    expect(share.status).toBe(201);
    const shareId = ((await share.json()) as { id: string }).id;
    expect((await call("POST", `/v1/shares/${shareId}/access`, undefined, { passphrase: sharePassphrase })).status).toBe(200);

    const dump = await dumpEveryTable();
    expect(dump).toContain(vault.id); // the dump really covers our data
    const masterKey = loadMasterKey({ envValue: server.config.masterKey, dataDir: server.config.dataDir, embedded: !usingPostgres, logger: pino({ level: "silent" }) });
    const forbidden: [string, string | Buffer][] = [
      ...values.flatMap((value) => [
        [`secret value ${value.slice(0, 12)}`, value],
        [`secret value ${value.slice(0, 12)}-v2`, `${value}-v2`],
      ] as [string, string][]),
      ["the password", PASSWORD],
      ["the share passphrase", sharePassphrase],
      ["the refresh token", login.refresh_token],
      ["the personal API key", created.api_key],
      ["the personal API key's secret part", created.api_key.slice(4)],
      ["the master key", masterKey],
    ];
    for (const [what, secret] of forbidden) {
      for (const encoded of encodings(secret)) expect(dump.includes(encoded), `${what} found in the database as ${encoded.slice(0, 16)}…`).toBe(false);
    }
  });
});
