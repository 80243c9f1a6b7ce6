// Policy conditions against a real server and real client addresses: an ip_allowlist decided by
// the socket peer, or behind a trusted proxy by X-Forwarded-For, for IPv4 and IPv6; and the
// address the audit log records.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { uniqueEmail } from "../support/people.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let call: RestCall;
let owner: RestPerson;
let member: RestPerson;
let vaultId: string;
beforeAll(async () => {
  server = await startTestServer({ env: { CLAWKEEP_TRUSTED_PROXIES: "127.0.0.1, ::1" } });
  call = restCaller(server.url);
  owner = await restSignup(call);
  const memberEmail = uniqueEmail("conditions");
  expect((await call("POST", "/v1/org/invite", owner.token, { email: memberEmail })).status).toBe(200);
  member = await restSignup(call, memberEmail);
  vaultId = ((await (await call("POST", "/v1/vaults", owner.token, { name: "office-only" })).json()) as { id: string }).id;
  expect((await call("PUT", `/v1/vaults/${vaultId}/secrets/db/password`, owner.token, { value: "only-from-the-office" })).status).toBe(201);
  const policy = await call("POST", `/v1/vaults/${vaultId}/policies`, owner.token, {
    secret_path_pattern: "db/*",
    principal_type: "user",
    principal_id: member.id,
    permissions: ["read"],
    conditions: { ip_allowlist: ["203.0.113.0/24", "2001:db8::/32"] },
  });
  expect(policy.status).toBe(201);
});
afterAll(async () => {
  await server?.close();
});

const readFrom = (forwardedFor?: string) =>
  call("GET", `/v1/vaults/${vaultId}/secrets/db/password`, member.token, undefined, forwardedFor ? { "x-forwarded-for": forwardedFor } : {});

describe("ip_allowlist with real client addresses", () => {
  it.each([
    ["203.0.113.7", 200],
    ["2001:db8::5", 200],
    ["198.51.100.1", 403],
    ["2001:db9::1", 403],
    // The right-most hop that is not a trusted proxy decides; what a client claims before it does not.
    ["203.0.113.7, 198.51.100.1", 403],
    ["198.51.100.1, 203.0.113.7", 200],
  ])("from %s answers %i", async (forwardedFor, status) => {
    expect((await readFrom(forwardedFor)).status).toBe(status);
  });

  it("uses the socket peer (127.0.0.1 here) without X-Forwarded-For", async () => {
    const res = await readFrom();
    expect(res.status).toBe(403);
    expect(((await res.json()) as { detail: string }).detail).toBe('no policy allows you to read "db/password" in this vault');
  });

  it("records the resolved client address in the audit log", async () => {
    expect((await readFrom("203.0.113.99")).status).toBe(200);
    const [row]: { ip_address: string }[] = await server.database.dataSource.query(
      `SELECT "ip_address" FROM "clawkeep_audit_events" WHERE "action" = 'secret.read' AND "actor_id" = $1 ORDER BY "pos" DESC LIMIT 1`,
      [member.id],
    );
    expect(row.ip_address).toBe("203.0.113.99");
  });
});

describe("GET /v1/vaults/{vault_id}/access", () => {
  it("names the member as a conditional reader, from the query string's path and permission", async () => {
    const res = await call("GET", `/v1/vaults/${vaultId}/access?path=db/password&permission=read`, owner.token);
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { vault_id: string; path: string; permission: string; principals: Record<string, unknown>[] };
    expect(body).toMatchObject({ vault_id: vaultId, path: "db/password", permission: "read" });
    const [policy] = ((await (await call("GET", `/v1/vaults/${vaultId}/policies`, owner.token)).json()) as { policies: { id: string }[] }).policies;
    expect(body.principals).toEqual([
      { principal_type: "user", principal_id: owner.id, display_name: owner.email, reason: "owner", policy_ids: [], conditional: false },
      { principal_type: "user", principal_id: member.id, display_name: member.email, reason: "policy", policy_ids: [policy.id], conditional: true },
    ]);
    // Nobody but the owner writes; a bad path is a 400 problem with a sentence.
    const write = (await (await call("GET", `/v1/vaults/${vaultId}/access?path=db/password&permission=write`, owner.token)).json()) as { principals: { principal_id: string }[] };
    expect(write.principals.map((p) => p.principal_id)).toEqual([owner.id]);
    const bad = await call("GET", `/v1/vaults/${vaultId}/access?path=db//password`, owner.token);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { detail: string }).detail).toBe('path "db//password" has an empty segment (double "/")');
    expect((await call("GET", `/v1/vaults/${vaultId}/access?path=db/password`, member.token)).status).toBe(403);
  });
});
