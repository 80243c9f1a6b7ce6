// The five defects a tester found attacking main (issue 16), each against a real server over real
// HTTP: text with control characters, deeply nested JSON, a read-only agent creating a vault,
// invitations that revealed accounts, and database errors logged with their parameters.
import { Writable } from "node:stream";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { CLAWKEEP_SERVICES } from "../../src/api/services.js";
import { createLogger } from "../../src/logger.js";
import { buildRestRoutes } from "../../src/server/rest/routes.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";

const logLines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  },
});

let server: TestServer;
let call: RestCall;
let ada: RestPerson;
beforeAll(async () => {
  server = await startTestServer({ logger: createLogger("info", sink), env: { CLAWKEEP_RATE_LIMIT_PER_SECOND: "10000", CLAWKEEP_RATE_LIMIT_BURST: "10000" } });
  call = restCaller(server.url);
  ada = await restSignup(call);
});
afterAll(async () => {
  await server?.close();
});

async function problem(res: Response): Promise<{ status: number; detail: string }> {
  const body = (await res.json()) as { detail?: string; message?: string };
  return { status: res.status, detail: body.detail ?? body.message ?? "" };
}

describe("control characters in text", () => {
  it("refuses NUL in every kind of text field with a 400 that says so, never a 500", async () => {
    const vault = (await (await call("POST", "/v1/vaults", ada.token, { name: "text" })).json()) as { id: string };
    const attempts: [string, string, unknown][] = [
      ["POST", "/v1/auth/token", { email: "a\u0000@example.com", password: PASSWORD }],
      ["POST", "/v1/vaults", { name: "a\u0000b" }],
      ["POST", "/v1/vaults", { name: "ok", description: "x\u0000" }],
      ["POST", "/v1/agents", { name: "bot\u0000" }],
      ["POST", "/v1/agents", { name: "bot", description: "\u0000" }],
      ["POST", "/v1/org/invite", { email: "b\u0000@example.com" }],
      ["PUT", `/v1/vaults/${vault.id}/secrets/a/b`, { value: "v", metadata: { note: "x\u0000y" } }],
      ["PUT", `/v1/vaults/${vault.id}/secrets/a/b`, { value: "v", metadata: { nested: { list: ["\u0000"] } } }],
      ["PUT", `/v1/vaults/${vault.id}/secrets/a/b`, { value: "v", metadata: { "k\u0000": 1 } }],
      ["POST", "/v1/vaults", { name: "bell\u0007" }],
    ];
    for (const [method, path, body] of attempts) {
      const { status, detail } = await problem(await call(method, path, ada.token, body));
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(detail).toMatch(/must not contain control characters \(found U\+00(00|07)/);
    }
    // A secret's value is opaque (sealed bytes, never stored as text): any character goes.
    expect((await call("PUT", `/v1/vaults/${vault.id}/secrets/a/raw`, ada.token, { value: "bin\u0000\u0001ary" })).status).toBe(201);
    const read = (await (await call("GET", `/v1/vaults/${vault.id}/secrets/a/raw`, ada.token)).json()) as { value: string };
    expect(read.value).toBe("bin\u0000\u0001ary");
    // Tabs and line breaks are text.
    expect((await call("POST", "/v1/vaults", ada.token, { name: "ok", description: "line one\nline\ttwo\r\n" })).status).toBe(201);
  });

  it("applies the same rule to the approval page's form", async () => {
    const res = await fetch(`${server.url}/enroll/00000000-0000-4000-8000-000000000000`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "action=signin&email=a%00%40example.com&password=x",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("control character");
  });

  it("refuses a new password containing NUL, over REST and gRPC alike", async () => {
    const bob = await restSignup(call);
    const rest = await call("POST", "/v1/auth/change-password", bob.token, { current_password: PASSWORD, new_password: `${PASSWORD}\u0000x` });
    expect(await problem(rest)).toMatchObject({ status: 400, detail: expect.stringContaining("new_password must not contain control characters") });
    const signup = await call("POST", "/v1/auth/signup", undefined, { email: uniqueEmail(), password: `${PASSWORD}\u0000` });
    expect(signup.status).toBe(400);
    const grpc = createClient(AuthService, createGrpcTransport({ baseUrl: server.url }));
    await expect(grpc.login({ email: `x\u0000${bob.email}`, password: PASSWORD })).rejects.toMatchObject({ code: 3 });
    // The old password still works: nothing was changed.
    expect((await call("POST", "/v1/auth/token", undefined, { email: bob.email, password: PASSWORD })).status).toBe(200);
  });
});

describe("deeply nested JSON", () => {
  const deepArray = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
  const deepObject = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;

  it("is a 400 on every REST route with a body, and the server keeps answering", async () => {
    const routes = buildRestRoutes(CLAWKEEP_SERVICES).filter((route) => route.body !== "");
    expect(routes.length).toBeGreaterThan(20);
    const uuid = "00000000-0000-4000-8000-000000000000";
    for (const route of routes) {
      const path = route.template.source.replace(/\{[^}]+\}/g, (variable) => (variable.includes("**") ? "a/b" : uuid));
      for (const body of [`{"name":${deepArray}}`, deepObject, `{"metadata":${deepObject}}`]) {
        const res = await fetch(`${server.url}${path}`, { method: route.httpMethod, headers: { "content-type": "application/json", authorization: `Bearer ${ada.token}` }, body });
        const { status, detail } = await problem(res);
        expect({ route: `${route.httpMethod} ${route.template.source}`, status }).toEqual({ route: `${route.httpMethod} ${route.template.source}`, status: 400 });
        expect(detail).toBe("the request body nests JSON more than 100 levels deep");
      }
    }
    expect((await call("GET", "/v1/health")).status).toBe(200);
  });

  it("still accepts metadata nested a few levels", async () => {
    const vault = (await (await call("POST", "/v1/vaults", ada.token, { name: "nested" })).json()) as { id: string };
    const metadata = { a: { b: { c: [1, { d: "e" }] } } };
    expect((await call("PUT", `/v1/vaults/${vault.id}/secrets/n`, ada.token, { value: "v", metadata })).status).toBe(201);
  });
});

describe("agent scopes on vault operations", () => {
  async function agentToken(scopes: string[]): Promise<string> {
    const created = (await (await call("POST", "/v1/agents", ada.token, { name: `bot ${scopes.join(" ")}`, scopes })).json()) as { agent: { id: string }; api_key: string };
    const token = await call("POST", "/v1/auth/agent-token", undefined, { agent_id: created.agent.id, api_key: created.api_key });
    return ((await token.json()) as { access_token: string }).access_token;
  }

  it("refuses a vault to an agent whose scopes are only vaults:read", async () => {
    const reader = await agentToken(["vaults:read"]);
    const res = await call("POST", "/v1/vaults", reader, { name: "should not exist" });
    expect(await problem(res)).toEqual({ status: 403, detail: "this agent's scopes (vaults:read) do not allow it to create a vault; that needs vaults:write" });
    const vaults = (await (await call("GET", "/v1/vaults", ada.token)).json()) as { vaults: { name: string }[] };
    expect(vaults.vaults.map((v) => v.name)).not.toContain("should not exist");
  });

  it("lets a writing agent create one, and delete it only with a delete scope", async () => {
    const writer = await agentToken(["vaults:read", "vaults:write"]);
    const created = await call("POST", "/v1/vaults", writer, { name: "agent-made" });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await call("DELETE", `/v1/vaults/${id}`, writer)).status).toBe(403);
    expect((await call("POST", "/v1/vaults", await agentToken([]), { name: "unscoped" })).status).toBe(201);
    expect((await call("POST", "/v1/vaults", await agentToken(["api-keys/**"]), { name: "path-scoped" })).status).toBe(201);
  });
});

describe("invitations", () => {
  it("answer the same whether or not the email has an account", async () => {
    const other = await restSignup(call); // someone of another organisation
    const existing = await call("POST", "/v1/org/invite", ada.token, { email: other.email, role: "member" });
    const unknownEmail = uniqueEmail("nobody");
    const unknown = await call("POST", "/v1/org/invite", ada.token, { email: unknownEmail, role: "member" });
    expect(existing.status).toBe(unknown.status);
    const shape = (body: Record<string, string>, email: string) => JSON.stringify(body).replaceAll(email, "EMAIL");
    expect(shape((await existing.json()) as Record<string, string>, other.email)).toBe(shape((await unknown.json()) as Record<string, string>, unknownEmail));
    // The account stays where it is, and nobody joined Ada's organisation.
    const members = (await (await call("GET", "/v1/org/members", ada.token)).json()) as { members: { email: string }[] };
    expect(members.members.map((m) => m.email)).toEqual([ada.email]);
    expect((await call("GET", "/v1/auth/me", other.token)).status).toBe(200);
  });
});

describe("database errors in the log", () => {
  it("carry the statement's shape and code, never its parameters or the row PostgreSQL quotes back", async () => {
    const marker = `ck-param-${Date.now()}`;
    const logger = createLogger("info", sink);
    const failures = [
      () => server.database.dataSource.query(`SELECT $1::int AS n`, [marker]),
      () => server.database.dataSource.query(`SELECT * FROM (VALUES ($1::text)) AS t(x) WHERE x = $2::uuid::text`, [marker, marker]),
      () => server.database.dataSource.query(`INSERT INTO "clawkeep_vaults" ("id", "org_id", "name") VALUES (gen_random_uuid(), NULL, $1)`, [marker]),
    ];
    for (const failure of failures) {
      const error = await failure().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      logger.error({ err: error }, "unexpected error in handler");
    }
    const lines = logLines.filter((line) => line.includes("unexpected error in handler") && line.includes('"query"'));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line).not.toContain(marker);
      expect(JSON.parse(line).err.query).toMatch(/\$1/);
    }
    // And nothing the server itself logged during this file holds a parameter either.
    expect(logLines.filter((line) => line.includes(marker))).toEqual([]);
  });
});
