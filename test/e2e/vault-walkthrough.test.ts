// The vault core as a human uses it, end to end against a real server, three times: REST with
// curl, gRPC with @grpc/grpc-js, and Connect. Sign up, log in, create a vault, put three versions,
// read, list, disable a version, grant a member read on api-keys/**; the member reads
// api-keys/openai but not db/password; every step is in the audit log, the chain verifies, and
// editing one audit row makes verification name that row.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/rows.js";
import { AuditService } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { grpcJsClient, grpcJsUnary } from "../support/grpc-js.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { probeTool } from "../support/tools.js";

const run = promisify(execFile);
const curlTool = probeTool(["curl", "--version"], "apt-get install -y curl");

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

/** The actions the walkthrough must leave in the owner's audit log. */
const EXPECTED_ACTIONS = [
  "org.create",
  "user.signup",
  "user.login",
  "vault.create",
  "secret.write",
  "secret.read",
  "secret.list",
  "secret.disable_version",
  "org.invite",
  "policy.create",
  "secret.access_denied",
];

/** Edits one event's content behind the server's back and returns its id. */
async function tamperWithOneEvent(orgEventIds: string[]): Promise<string> {
  const [row] = rowsOf<{ id: string }>(await server.database.dataSource.query(
    `UPDATE "clawkeep_audit_events" SET "details" = "details" || '{"version": 99}'::jsonb
     WHERE "id" = (SELECT "id" FROM "clawkeep_audit_events" WHERE "id" = ANY($1::uuid[]) AND "action" = 'secret.read' ORDER BY "seq" LIMIT 1)
     RETURNING "id"`,
    [orgEventIds],
  ));
  return row.id;
}

describe("REST with curl", () => {
  async function curl(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const args = ["-sS", "-X", method, "-H", "Content-Type: application/json", "-w", "\n%{http_code}", `${server.url}${path}`];
    if (token) args.push("-H", `Authorization: Bearer ${token}`);
    if (body !== undefined) args.push("--data", JSON.stringify(body));
    const { stdout } = await run("curl", args);
    const newline = stdout.lastIndexOf("\n");
    const text = stdout.slice(0, newline);
    return { status: Number(stdout.slice(newline + 1)), json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  it.skipIf(!curlTool.available)("walks through the vault core", async () => {
    const email = uniqueEmail("curl");
    expect((await curl("POST", "/v1/auth/signup", undefined, { email, password: PASSWORD })).status).toBe(200);
    const login = await curl("POST", "/v1/auth/token", undefined, { email, password: PASSWORD });
    expect(login.status).toBe(200);
    const token = login.json.access_token as string;
    const vault = await curl("POST", "/v1/vaults", token, { name: "walkthrough" });
    expect(vault.status).toBe(201);
    const vaultId = vault.json.id as string;
    for (const n of [1, 2, 3]) {
      const put = await curl("PUT", `/v1/vaults/${vaultId}/secrets/api-keys/openai`, token, { value: `sk-${n}`, type: "api_key" });
      expect(put.status).toBe(201);
      expect(put.json).toMatchObject({ path: "api-keys/openai", version: n, type: "api_key" });
    }
    expect((await curl("PUT", `/v1/vaults/${vaultId}/secrets/db/password`, token, { value: "hunter2", type: "password" })).status).toBe(201);
    expect((await curl("GET", `/v1/vaults/${vaultId}/secrets/api-keys/openai`, token)).json).toMatchObject({ value: "sk-3", version: 3 });
    const list = await curl("GET", `/v1/vaults/${vaultId}/secrets`, token);
    expect((list.json.secrets as { path: string }[]).map((s) => s.path)).toEqual(["api-keys/openai", "db/password"]);
    expect((await curl("POST", `/v1/vaults/${vaultId}/secret-version-disable/api-keys/openai/3`, token)).status).toBe(204);
    expect((await curl("GET", `/v1/vaults/${vaultId}/secrets/api-keys/openai`, token)).json).toMatchObject({ value: "sk-2", version: 2 });
    expect((await curl("GET", `/v1/vaults/${vaultId}/secret-version/api-keys/openai/3`, token)).status).toBe(410);

    const memberEmail = uniqueEmail("curl-member");
    expect((await curl("POST", "/v1/org/invite", token, { email: memberEmail, role: "member" })).status).toBe(200);
    expect((await curl("POST", "/v1/auth/signup", undefined, { email: memberEmail, password: PASSWORD })).status).toBe(200);
    const memberToken = (await curl("POST", "/v1/auth/token", undefined, { email: memberEmail, password: PASSWORD })).json.access_token as string;
    const memberId = (await curl("GET", "/v1/auth/me", memberToken)).json.id as string;
    const policy = await curl("POST", `/v1/vaults/${vaultId}/policies`, token, {
      secret_path_pattern: "api-keys/**",
      principal_type: "user",
      principal_id: memberId,
      permissions: ["read"],
    });
    expect(policy.status).toBe(201);
    expect(policy.json).toMatchObject({ secret_path_pattern: "api-keys/**", permissions: ["read"], effect: "allow" });
    expect((await curl("GET", `/v1/vaults/${vaultId}/secrets/api-keys/openai`, memberToken)).json).toMatchObject({ value: "sk-2" });
    const denied = await curl("GET", `/v1/vaults/${vaultId}/secrets/db/password`, memberToken);
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ type: "about:blank", status: 403, detail: 'no policy allows you to read "db/password" in this vault' });

    const events = (await curl("GET", "/v1/audit/events?limit=1000", token)).json.events as { id: string; action: string; integrity_hash: string }[];
    expect(new Set(events.map((e) => e.action))).toEqual(new Set(EXPECTED_ACTIONS));
    expect(events.every((e) => /^[0-9a-f]{64}$/.test(e.integrity_hash))).toBe(true);
    const verified = await curl("GET", "/v1/audit/verify", token);
    expect(verified.json).toMatchObject({ chain_valid: true, events_checked: events.length, events_verified: events.length });
    const tampered = await tamperWithOneEvent(events.map((e) => e.id));
    expect((await curl("GET", "/v1/audit/verify", token)).json).toMatchObject({ chain_valid: false, broken_at_event_id: tampered, broken_reason: "integrity_hash_mismatch" });
  });
});

/** The same walkthrough for any RPC client: `call` runs one unary method as the given token. */
type RpcCall = <T>(service: DescService, method: string, request: Record<string, unknown>, token?: string) => Promise<T>;

function rpcWalkthrough(label: string, makeCall: () => RpcCall, isPermissionDenied: (error: unknown) => boolean): void {
  it(`walks through the vault core over ${label}`, async () => {
    const call = makeCall();
    const email = uniqueEmail(label);
    await call(AuthService, "signup", { email, password: PASSWORD });
    const { accessToken: token } = await call<{ accessToken: string }>(AuthService, "login", { email, password: PASSWORD });
    const { vault } = await call<{ vault: { id: string } }>(VaultService, "createVault", { name: "walkthrough" }, token);
    for (const n of [1, 2, 3]) {
      const { secret } = await call<{ secret: { version: number } }>(VaultService, "putSecret", { vaultId: vault.id, path: "api-keys/openai", value: `sk-${n}` }, token);
      expect(secret.version).toBe(n);
    }
    await call(VaultService, "putSecret", { vaultId: vault.id, path: "db/password", value: "hunter2" }, token);
    expect((await call<{ secret: { value: string } }>(VaultService, "getSecret", { vaultId: vault.id, path: "api-keys/openai" }, token)).secret.value).toBe("sk-3");
    const { secrets } = await call<{ secrets: { path: string }[] }>(VaultService, "listSecrets", { vaultId: vault.id }, token);
    expect(secrets.map((s) => s.path)).toEqual(["api-keys/openai", "db/password"]);
    await call(VaultService, "disableSecretVersion", { vaultId: vault.id, path: "api-keys/openai", version: 3 }, token);
    expect((await call<{ secret: { value: string; version: number } }>(VaultService, "getSecret", { vaultId: vault.id, path: "api-keys/openai" }, token)).secret).toMatchObject({
      value: "sk-2",
      version: 2,
    });

    const memberEmail = uniqueEmail(`${label}-member`);
    await call(OrgService, "inviteMember", { email: memberEmail, role: "member" }, token);
    await call(AuthService, "signup", { email: memberEmail, password: PASSWORD });
    const { accessToken: memberToken } = await call<{ accessToken: string }>(AuthService, "login", { email: memberEmail, password: PASSWORD });
    const { user: member } = await call<{ user: { id: string } }>(AuthService, "getMe", {}, memberToken);
    await call(VaultService, "createPolicy", { vaultId: vault.id, secretPathPattern: "api-keys/**", principalType: "user", principalId: member.id, permissions: ["read"] }, token);
    expect((await call<{ secret: { value: string } }>(VaultService, "getSecret", { vaultId: vault.id, path: "api-keys/openai" }, memberToken)).secret.value).toBe("sk-2");
    const denied = await call(VaultService, "getSecret", { vaultId: vault.id, path: "db/password" }, memberToken).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isPermissionDenied(denied)).toBe(true);

    const { events } = await call<{ events: { id: string; action: string }[] }>(AuditService, "queryAuditEvents", { limit: 1000 }, token);
    expect(new Set(events.map((e) => e.action))).toEqual(new Set(EXPECTED_ACTIONS));
    expect(await call(AuditService, "verifyAuditChain", {}, token)).toMatchObject({ chainValid: true, eventsChecked: events.length, eventsVerified: events.length });
    const tampered = await tamperWithOneEvent(events.map((e) => e.id));
    expect(await call(AuditService, "verifyAuditChain", {}, token)).toMatchObject({ chainValid: false, brokenAtEventId: tampered, brokenReason: "integrity_hash_mismatch" });
  });
}

describe("gRPC and Connect", () => {
  rpcWalkthrough(
    "grpc-js",
    () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- grpc-js generic clients are untyped
      const clients = new Map<DescService, any>();
      return (service, method, request, token) => {
        if (!clients.has(service)) clients.set(service, grpcJsClient(service, server.port));
        return grpcJsUnary(clients.get(service), method, request, token ? { authorization: `Bearer ${token}` } : {});
      };
    },
    (error) => (error as ServiceError | undefined)?.code === 7,
  );

  rpcWalkthrough(
    "Connect",
    () => {
      const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" });
      return (service, method, request, token) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- dispatch by method name over any service
        const client = createClient(service, transport) as any;
        return client[method](request, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      };
    },
    (error) => error instanceof ConnectError && error.code === Code.PermissionDenied,
  );
});
