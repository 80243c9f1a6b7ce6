// The seed quickstart (../shared/seeds/000_*), verbatim but for the base URL, against a real
// server: a human registers an agent and a policy; the agent exchanges its key with curl, lists
// and reads; outside the policy is 403, a covered missing path 404, deleted and expired 410, and a
// narrowed policy makes the next read with the same token 403. Then the same flow over grpc-js,
// Connect and the generated Python stubs.
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { grpcJsClient, grpcJsUnary } from "../support/grpc-js.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { PYTHON, probeTool } from "../support/tools.js";

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const curlTool = probeTool(["curl", "--version"], "apt-get install -y curl");
const python = probeTool([PYTHON, "-c", "import grpc, google.protobuf"], "apt-get install -y python3-grpcio python3-protobuf");

let server: TestServer;
let call: RestCall;
let human: RestPerson;

beforeAll(async () => {
  server = await startTestServer();
  call = restCaller(server.url);
  human = await restSignup(call);
});
afterAll(async () => {
  await server?.close();
});

interface Setup {
  vaultId: string;
  agentId: string;
  apiKey: string;
  policyId: string;
}

/** What the human does in the dashboard: a vault with secrets, an agent, a policy for it. */
async function humanSetup(): Promise<Setup> {
  const vaultId = ((await (await call("POST", "/v1/vaults", human.token, { name: "quickstart" })).json()) as { id: string }).id;
  for (const path of ["api-keys/openai", "api-keys/expiring", "api-keys/deleted", "db/password"]) {
    expect((await call("PUT", `/v1/vaults/${vaultId}/secrets/${path}`, human.token, { value: `value of ${path}`, type: "api_key" })).status).toBe(201);
  }
  const created = await call("POST", "/v1/agents", human.token, { name: "Quickstart Bot", description: "reads API keys", scopes: ["vaults:read"] });
  expect(created.status).toBe(201);
  const { agent, api_key } = (await created.json()) as { agent: { id: string }; api_key: string };
  const policy = await call("POST", `/v1/vaults/${vaultId}/policies`, human.token, {
    secret_path_pattern: "api-keys/**",
    principal_type: "agent",
    principal_id: agent.id,
    permissions: ["read"],
  });
  expect(policy.status).toBe(201);
  expect((await call("DELETE", `/v1/vaults/${vaultId}/secrets/api-keys/deleted`, human.token)).status).toBe(204);
  await server.database.dataSource.query(
    `UPDATE "clawkeep_secret_versions" SET "expires_at" = now() - interval '1 second'
     WHERE "secret_id" = (SELECT "id" FROM "clawkeep_secrets" WHERE "vault_id" = $1 AND "path" = 'api-keys/expiring')`,
    [vaultId],
  );
  return { vaultId, agentId: agent.id, apiKey: api_key, policyId: ((await policy.json()) as { id: string }).id };
}

const narrowPolicy = async ({ vaultId, policyId }: Setup) =>
  expect((await call("PUT", `/v1/vaults/${vaultId}/policies/${policyId}`, human.token, { permissions: ["write"] })).status).toBe(200);

describe("the seed quickstart with curl", () => {
  async function curl(args: string[]): Promise<{ status: number; json: Record<string, unknown> }> {
    const { stdout } = await run("curl", ["-s", "-w", "\n%{http_code}", ...args]);
    const cut = stdout.lastIndexOf("\n");
    return { status: Number(stdout.slice(cut + 1)), json: JSON.parse(stdout.slice(0, cut) || "{}") as Record<string, unknown> };
  }

  it.skipIf(!curlTool.available)("exchanges, lists, reads, and meets 403, 404, 410 and a narrowed policy", async () => {
    const setup = await humanSetup();
    const base = server.url;
    const token = await curl([
      "-X", "POST", `${base}/v1/auth/agent-token`,
      "-H", "Content-Type: application/json",
      "-d", JSON.stringify({ agent_id: setup.agentId, api_key: setup.apiKey }),
    ]);
    expect(token.status).toBe(200);
    expect(token.json).toEqual({ access_token: expect.stringMatching(/^eyJ/), token_type: "Bearer", expires_in: 3600, agent_id: setup.agentId, vault_ids: [setup.vaultId] });
    const TOKEN = token.json.access_token as string;
    const VAULT_ID = setup.vaultId;

    const list = await curl([`${base}/v1/vaults/${VAULT_ID}/secrets`, "-H", `Authorization: Bearer ${TOKEN}`]);
    expect(list.status).toBe(200);
    const secrets = list.json.secrets as Record<string, unknown>[];
    expect(secrets.map((s) => s.path)).toEqual(["api-keys/expiring", "api-keys/openai"]);
    // Seed 000 §2: {id, path, type, version, metadata, created_at, expires_at}, expires_at null when none.
    expect(Object.keys(secrets[1]).sort()).toEqual(["created_at", "expires_at", "id", "is_disabled", "metadata", "path", "type", "version"]);
    expect(secrets[1].expires_at).toBeNull();
    expect(secrets[0].expires_at).toEqual(expect.any(String));

    const secret = await curl([`${base}/v1/vaults/${VAULT_ID}/secrets/api-keys/openai`, "-H", `Authorization: Bearer ${TOKEN}`]);
    expect(secret.status).toBe(200);
    expect(secret.json).toMatchObject({ path: "api-keys/openai", type: "api_key", value: "value of api-keys/openai", version: 1, expires_at: null });

    const read = (path: string) => curl([`${base}/v1/vaults/${VAULT_ID}/secrets/${path}`, "-H", `Authorization: Bearer ${TOKEN}`]);
    expect((await read("db/password")).status).toBe(403);
    expect((await read("api-keys/missing")).status).toBe(404);
    expect((await read("api-keys/deleted")).status).toBe(410);
    expect((await read("api-keys/expiring")).status).toBe(410);
    await narrowPolicy(setup);
    expect((await read("api-keys/openai")).json).toMatchObject({ status: 403, type: "about:blank" });
  });
});

describe("the same flow over gRPC and Connect", () => {
  it("works with grpc-js", async () => {
    const setup = await humanSetup();
    const auth = grpcJsClient(AuthService, server.port);
    const vaults = grpcJsClient(VaultService, server.port);
    const token = await grpcJsUnary<{ accessToken: string; expiresIn: number }>(auth, "exchangeAgentToken", { agentId: setup.agentId, apiKey: setup.apiKey });
    expect(token.expiresIn).toBe(3600);
    const md = { authorization: `Bearer ${token.accessToken}` };
    const listed = await grpcJsUnary<{ secrets: { path: string }[] }>(vaults, "listSecrets", { vaultId: setup.vaultId }, md);
    expect(listed.secrets.map((s) => s.path)).toEqual(["api-keys/expiring", "api-keys/openai"]);
    const got = await grpcJsUnary<{ secret: { value: string } }>(vaults, "getSecret", { vaultId: setup.vaultId, path: "api-keys/openai" }, md);
    expect(got.secret.value).toBe("value of api-keys/openai");
    const code = (path: string) =>
      grpcJsUnary(vaults, "getSecret", { vaultId: setup.vaultId, path }, md).then(
        () => "ok",
        (error: ServiceError) => error.code,
      );
    expect(await code("db/password")).toBe(7); // PERMISSION_DENIED
    expect(await code("api-keys/missing")).toBe(5); // NOT_FOUND
    expect(await code("api-keys/deleted")).toBe(9); // FAILED_PRECONDITION, 410 over REST
    await narrowPolicy(setup);
    expect(await code("api-keys/openai")).toBe(7);
  });

  it("works with Connect", async () => {
    const setup = await humanSetup();
    const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" });
    const token = await createClient(AuthService, transport).exchangeAgentToken({ apiKey: setup.apiKey });
    expect(token.agentId).toBe(setup.agentId);
    const vaults = createClient(VaultService, transport);
    const headers = { authorization: `Bearer ${token.accessToken}` };
    expect((await vaults.getSecret({ vaultId: setup.vaultId, path: "api-keys/openai" }, { headers })).secret?.value).toBe("value of api-keys/openai");
    const denied = await vaults.getSecret({ vaultId: setup.vaultId, path: "db/password" }, { headers }).catch((error: unknown) => ConnectError.from(error));
    expect(denied).toMatchObject({ code: Code.PermissionDenied });
    await narrowPolicy(setup);
    const narrowed = await vaults.getSecret({ vaultId: setup.vaultId, path: "api-keys/openai" }, { headers }).catch((error: unknown) => ConnectError.from(error));
    expect(narrowed).toMatchObject({ code: Code.PermissionDenied });
  });

  it.skipIf(!python.available)("works with the generated Python stubs", async () => {
    const setup = await humanSetup();
    const { stdout } = await run(PYTHON, [join(ROOT, "test/e2e/python/agent_quickstart.py"), `127.0.0.1:${server.port}`, setup.agentId, setup.apiKey, setup.vaultId], {
      env: { ...process.env, PYTHONPATH: join(ROOT, "gen/python"), PYTHONDONTWRITEBYTECODE: "1" },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      token: { token_type: "Bearer", expires_in: 3600, agent_id: setup.agentId },
      paths: ["api-keys/expiring", "api-keys/openai"],
      secret: { path: "api-keys/openai", value: "value of api-keys/openai", version: 1 },
      denied: "PERMISSION_DENIED",
    });
  });
});
