// After a workload that exercises every kind of secret through real clients (including hostile
// calls that fail, and database errors), no plaintext secret value, API key, password, passphrase,
// private key or token is in the database at rest or in any log line of the server:
// - PostgreSQL: a pg_dump of the server's database (when the machine's pg_dump can read it);
// - embedded: every file of the cluster on disk (tables, indexes and WAL), after a clean stop;
// - logs: every line the server process wrote, at debug level (embedded PostgreSQL's own included).
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, expect, it } from "vitest";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { usingPostgres } from "../support/database.js";
import { PASSWORD } from "../support/people.js";
import { probeTool } from "../support/tools.js";
import { rest, seedOrganisation, startReliabilityServer, type ReliabilityServer } from "./support.js";

const run = promisify(execFile);
const pgDump = probeTool(["pg_dump", "--version"], "apt-get install -y postgresql-client");

let server: ReliabilityServer | undefined;
afterAll(async () => {
  await server?.close();
});

/** The encodings a value could hide in: as given, hex, base64 and base64url. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  return [secret, bytes.toString("hex"), bytes.toString("base64").replace(/=+$/, ""), bytes.toString("base64url")].filter((e) => e.length >= 12);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stat = statSync(path);
    return stat.isDirectory() ? filesUnder(path) : stat.isFile() ? [path] : [];
  });
}

it("leaves no plaintext secret, key, password, passphrase or token in the database or the logs", async () => {
  server = await startReliabilityServer({ CLAWKEEP_LOG_LEVEL: "debug" });
  const call = rest(server.url);
  const org = await seedOrganisation(server.url);
  const secrets: Record<string, string> = {
    "signup password": PASSWORD,
    "agent API key": org.agentKey,
    "agent API key's secret part": org.agentKey.slice(4),
    "personal API key": org.apiKey,
    "personal API key's secret part": org.apiKey.slice(4),
    "access token": org.token,
    "agent token": org.agentToken,
    "secret value": "sk-reliability-value",
    "password secret value": "db-reliability-value",
  };

  // Secret values of every shape, versions, reads.
  const privateKey = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCreliability\n-----END PRIVATE KEY-----";
  secrets["private key value"] = privateKey;
  secrets["value with NUL"] = "nul-\u0000-value-7f3a9c";
  for (const [i, value] of [privateKey, secrets["value with NUL"]].entries()) {
    expect((await call("PUT", `/v1/vaults/${org.vaultId}/secrets/rest/s${i}`, org.token, { value, type: i === 0 ? "private_key" : "generic" })).status).toBe(201);
    expect((await call("GET", `/v1/vaults/${org.vaultId}/secrets/rest/s${i}`, org.token)).status).toBe(200);
  }
  // A new password, a refresh token, a share passphrase.
  const newPassword = "a brand new reliability passphrase 9d1";
  secrets["new password"] = newPassword;
  expect((await call("POST", "/v1/auth/change-password", org.token, { current_password: PASSWORD, new_password: newPassword })).status).toBe(204);
  const login = (await (await call("POST", "/v1/auth/token", undefined, { email: org.email, password: newPassword })).json()) as { access_token: string; refresh_token: string };
  secrets["refresh token"] = login.refresh_token;
  secrets["second access token"] = login.access_token;
  const passphrase = "share-passphrase-reliability-51c";
  secrets["share passphrase"] = passphrase;
  const share = await call("POST", `/v1/secrets/${org.secretId}/share`, login.access_token, { recipient_type: "anyone_with_link", expires_at: new Date(Date.now() + 3600_000).toISOString(), passphrase });
  expect(share.status).toBe(201);
  const shareId = ((await share.json()) as { id: string }).id;
  expect((await call("POST", `/v1/shares/${shareId}/access`, undefined, { passphrase })).status).toBe(200);

  // Hostile and failing calls that carry secrets: wrong passwords, secrets in query strings and
  // in fields that refuse them, values that fail validation, a rotated key, gRPC too.
  const wrongPassword = "wrong-password-reliability-e44";
  secrets["wrong password"] = wrongPassword;
  expect((await call("POST", "/v1/auth/token", undefined, { email: org.email, password: wrongPassword })).status).toBe(401);
  expect((await call("GET", `/v1/vaults?api_key=${org.apiKey}&token=${login.access_token}`, login.access_token)).status).toBe(400);
  expect((await call("POST", "/v1/org/invite", login.access_token, { email: `${passphrase}\u0000@example.com` })).status).toBe(400);
  expect((await call("PUT", `/v1/vaults/${org.vaultId}/secrets/bad/one`, login.access_token, { value: "invalid-expiry-value-3b7", expires_at: "not a time" })).status).toBe(400);
  secrets["value of a refused write"] = "invalid-expiry-value-3b7";
  const rotated = (await (await call("POST", `/v1/agents/${org.agentId}/rotate-key`, login.access_token)).json()) as { api_key: string };
  secrets["rotated agent key"] = rotated.api_key;
  const grpc = createClient(AuthService, createGrpcTransport({ baseUrl: server.url }));
  await expect(grpc.login({ email: org.email, password: `${wrongPassword}-grpc` })).rejects.toThrow();
  secrets["wrong gRPC password"] = `${wrongPassword}-grpc`;
  await grpc.exchangeAgentToken({ agentId: org.agentId, apiKey: rotated.api_key }).then((r) => (secrets["agent token over gRPC"] = r.accessToken));
  const dumpStart = Date.now();

  const forbidden = Object.entries(secrets).flatMap(([what, secret]) => encodings(secret).map((encoded) => [what, encoded] as const));
  const findings: string[] = [];

  // The database at rest.
  if (usingPostgres && pgDump.available) {
    const { stdout } = await run("pg_dump", ["--no-owner", server.database.databaseUrl!], { maxBuffer: 256 * 1024 * 1024 });
    expect(stdout).toContain(org.vaultId);
    for (const [what, encoded] of forbidden) if (stdout.includes(encoded)) findings.push(`${what} in pg_dump`);
  }
  await server.stop();
  if (!usingPostgres) {
    const cluster = join(server.database.dataDir, "postgres");
    const files = filesUnder(cluster);
    let sawVault = false;
    for (const file of files) {
      const bytes = readFileSync(file);
      const text = bytes.toString("latin1");
      sawVault ||= text.includes(org.vaultId) || bytes.includes(Buffer.from(org.vaultId.replaceAll("-", ""), "hex"));
      for (const [what, encoded] of forbidden) if (text.includes(Buffer.from(encoded, "utf8").toString("latin1"))) findings.push(`${what} in ${file.slice(cluster.length)}`);
    }
    expect(sawVault, "the cluster files hold our data").toBe(true);
  }
  // Every log line.
  const log = server.process.lines.join("\n");
  expect(log.length).toBeGreaterThan(1000);
  for (const [what, encoded] of forbidden) if (log.includes(encoded) || log.includes(JSON.stringify(encoded).slice(1, -1))) findings.push(`${what} in the server log`);
  console.log(`secrets at rest: searched ${forbidden.length} encodings of ${Object.keys(secrets).length} secrets in ${server.process.lines.length} log lines${usingPostgres ? " and a pg_dump" : " and the cluster files"} (${Date.now() - dumpStart} ms)`);
  expect(findings).toEqual([]);
}, 120_000);
