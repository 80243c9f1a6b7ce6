// A vault's policies page over plain HTTP against a real server: a policy made in the console lets
// the agent read over REST and deleting it stops that; the principal picker names members and
// agents; the API's refusals in place; the who-can-use-this-path check; other organisations.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleVisitor } from "../support/console.js";
import { uniqueEmail } from "../support/people.js";
import { NO_RATE_LIMIT } from "../support/rate-limit.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let call: RestCall;

/**
 * Each group of tests gets a server of its own: the console allows one address a burst of 60
 * pages and then 10 a second, and every test here browses from 127.0.0.1.
 */
function useOwnServer(): void {
  beforeAll(async () => {
    server = await startTestServer({ env: NO_RATE_LIMIT });
    call = restCaller(server.url);
  });
  afterAll(async () => {
    await server?.close();
  });
}

interface Setup {
  owner: RestPerson;
  visitor: ConsoleVisitor;
  vaultId: string;
  agentId: string;
  agentToken: string;
}

/** An owner signed in to the console, a vault with a secret at api-keys/stripe, an agent with a token. */
async function setup(agentName = "reader-bot"): Promise<Setup> {
  const owner = await restSignup(call);
  const vault = (await (await call("POST", "/v1/vaults", owner.token, { name: "prod" })).json()) as { id: string };
  expect((await call("PUT", `/v1/vaults/${vault.id}/secrets/api-keys/stripe`, owner.token, { type: "api_key", value: "sk_live_policy" })).status).toBeLessThan(300);
  const created = (await (await call("POST", "/v1/agents", owner.token, { name: agentName })).json()) as { agent: { id: string }; api_key: string };
  const exchanged = (await (await call("POST", "/v1/auth/agent-token", undefined, { agent_id: created.agent.id, api_key: created.api_key })).json()) as { access_token: string };
  const visitor = new ConsoleVisitor(server.url);
  await visitor.signIn(owner.email);
  return { owner, visitor, vaultId: vault.id, agentId: created.agent.id, agentToken: exchanged.access_token };
}

const agentRead = (s: Setup, path = "api-keys/stripe") => call("GET", `/v1/vaults/${s.vaultId}/secrets/${path}`, s.agentToken);

const policyForm = (principal: string, pattern: string, extra: Record<string, string> = {}) => ({
  principal,
  secret_path_pattern: pattern,
  permission: "read",
  effect: "allow",
  priority: "0",
  expires_at: "",
  conditions: "",
  ...extra,
});

/** The answer of the who-can-use-this-path check on a policies page. */
function checkAnswer(html: string): string {
  const start = html.indexOf('aria-label="Who can use this path"');
  if (start < 0) throw new Error("the page shows no answer to the check");
  return html.slice(start, html.indexOf("<h2>Policies</h2>", start));
}

async function policiesOverRest(s: Setup): Promise<{ id: string; principal_id: string; permissions: string[]; conditions?: Record<string, unknown> }[]> {
  return ((await (await call("GET", `/v1/vaults/${s.vaultId}/policies`, s.owner.token)).json()) as { policies: { id: string; principal_id: string; permissions: string[]; conditions?: Record<string, unknown> }[] }).policies;
}

describe("a vault's policies", () => {
  useOwnServer();

  it("grants the agent a path from the console, answers who can read it, and deleting the policy stops the read", async () => {
    const s = await setup();
    // Without a policy the agent is told the secret is not there (the API does not reveal it).
    expect((await agentRead(s)).status).toBe(404);
    const empty = await s.visitor.get(`/console/vaults/${s.vaultId}/policies`);
    expect(empty.status).toBe(200);
    expect(empty.html).toContain("This vault has no policies.");
    // The picker names the agent and the owner, not raw ids only.
    expect(empty.html).toContain(`<option value="agent:${s.agentId}">reader-bot</option>`);
    expect(empty.html).toContain(`<option value="user:${s.owner.id}">${s.owner.email} (owner)</option>`);
    const nobody = await s.visitor.get(`/console/vaults/${s.vaultId}/policies?path=api-keys/stripe&permission=read`);
    expect(checkAnswer(nobody.html)).not.toContain("reader-bot");

    const created = await s.visitor.post(`/console/vaults/${s.vaultId}/policies`, policyForm(`agent:${s.agentId}`, "api-keys/**"));
    expect(created.notice).toBe('Policy on "api-keys/**" added; it applies from the next request.');
    const read = await agentRead(s);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { value: string }).value).toBe("sk_live_policy");
    const [policy] = await policiesOverRest(s);
    expect(created.html).toContain(`id="policy-${policy.id}"`);

    const check = await s.visitor.get(`/console/vaults/${s.vaultId}/policies?path=api-keys/stripe&permission=read`);
    expect(check.status).toBe(200);
    const answer = checkAnswer(check.html);
    const agentRow = answer.split("<tr>").find((row) => row.includes("reader-bot"));
    expect(agentRow).toBeDefined();
    expect(agentRow).toContain(`href="#policy-${policy.id}"`);
    expect(agentRow).toContain("always");
    // The vault's creator reads by ownership, and says so.
    expect(answer.split("<tr>").find((row) => row.includes(s.owner.email))).toContain("they own the vault");
    const elsewhere = await s.visitor.get(`/console/vaults/${s.vaultId}/policies?path=db/password&permission=read`);
    expect(checkAnswer(elsewhere.html)).not.toContain("reader-bot");

    const deleted = await s.visitor.post(`/console/vaults/${s.vaultId}/policies/${policy.id}/delete`, {});
    expect(deleted.notice).toBe('Policy on "api-keys/**" deleted.');
    expect((await agentRead(s)).status).toBe(404);
    expect(await policiesOverRest(s)).toEqual([]);
    const gone = await s.visitor.get(`/console/vaults/${s.vaultId}/policies/${policy.id}`);
    expect(gone.status).toBe(404);
  });

  it("edits what a policy allows, and shows conditions in the check", async () => {
    const s = await setup("editor-bot");
    await s.visitor.get(`/console/vaults/${s.vaultId}/policies`);
    await s.visitor.post(`/console/vaults/${s.vaultId}/policies`, policyForm(`agent:${s.agentId}`, "api-keys/*"));
    const [policy] = await policiesOverRest(s);
    const form = await s.visitor.get(`/console/vaults/${s.vaultId}/policies/${policy.id}`);
    expect(form.status).toBe(200);
    expect(form.html).toContain("editor-bot");

    const none = await s.visitor.post(`/console/vaults/${s.vaultId}/policies/${policy.id}`, { effect: "allow", priority: "0", expires_at: "", conditions: "" });
    expect(none.status).toBe(400);
    expect(none.alert).toBe("Tick at least one permission; to take all access away, delete the policy.");
    const badConditions = await s.visitor.post(`/console/vaults/${s.vaultId}/policies/${policy.id}`, { permission: "read", effect: "allow", priority: "0", conditions: '{"weekday": "monday"}' });
    expect(badConditions.status).toBe(400);
    expect(badConditions.alert).toMatch(/weekday/);
    expect(badConditions.html).toContain("weekday");
    const notJson = await s.visitor.post(`/console/vaults/${s.vaultId}/policies/${policy.id}`, { permission: "read", effect: "allow", priority: "0", conditions: "{oops" });
    expect(notJson.status).toBe(400);
    expect(notJson.alert).toBe('Conditions must be JSON, such as {"ip_allowlist": ["10.0.0.0/8"]}.');

    // Only from an address the agent does not call from: the read stops, and the check says it depends.
    const saved = await s.visitor.post(`/console/vaults/${s.vaultId}/policies/${policy.id}`, { permission: "read", effect: "allow", priority: "0", conditions: '{"ip_allowlist": ["203.0.113.0/24"]}' });
    expect(saved.notice).toBe('Policy on "api-keys/*" saved; it applies from the next request.');
    expect((await policiesOverRest(s))[0].conditions).toEqual({ ip_allowlist: ["203.0.113.0/24"] });
    expect((await agentRead(s)).status).toBe(403);
    const check = await s.visitor.get(`/console/vaults/${s.vaultId}/policies?path=api-keys/stripe`);
    const agentRow = checkAnswer(check.html).split("<tr>").find((row) => row.includes("editor-bot"));
    expect(agentRow).toContain("only when conditions hold");

    // Emptying the conditions removes them, and write replaces read.
    await s.visitor.post(`/console/vaults/${s.vaultId}/policies/${policy.id}`, { permission: "write", effect: "allow", priority: "0", conditions: "" });
    const [after] = await policiesOverRest(s);
    expect(after.permissions).toEqual(["write"]);
    expect(after.conditions ?? {}).toEqual({});
    expect((await agentRead(s)).status).toBe(403);
    expect((await call("PUT", `/v1/vaults/${s.vaultId}/secrets/api-keys/new`, s.agentToken, { type: "api_key", value: "v" })).status).toBeLessThan(300);
  });

});

describe("a vault's policies: refusals", () => {
  useOwnServer();

  it("shows the API's sentence for a bad pattern or path, and a member's refusal to manage policies", async () => {
    const s = await setup();
    await s.visitor.get(`/console/vaults/${s.vaultId}/policies`);
    const bad = await s.visitor.post(`/console/vaults/${s.vaultId}/policies`, policyForm(`agent:${s.agentId}`, "../etc"));
    expect(bad.status).toBe(400);
    expect(bad.alert).toMatch(/pattern|path/i);
    expect(bad.html).toContain('value="../etc"');
    expect(await policiesOverRest(s)).toEqual([]);
    const nobody = await s.visitor.post(`/console/vaults/${s.vaultId}/policies`, policyForm("", "api-keys/**"));
    expect(nobody.status).toBe(400);
    expect(nobody.alert).toBe("Choose who the policy is for: a member or an agent.");
    const badPath = await s.visitor.get(`/console/vaults/${s.vaultId}/policies?path=${encodeURIComponent("a//b")}`);
    expect(badPath.status).toBe(400);
    expect(badPath.alert).toBeTruthy();

    const memberEmail = uniqueEmail("member");
    expect((await call("POST", "/v1/org/invite", s.owner.token, { email: memberEmail, role: "member" })).status).toBe(200);
    const member = await restSignup(call, memberEmail);
    // The member can read the vault (so it can open it), but managing its policies is the owner's.
    expect((await call("POST", `/v1/vaults/${s.vaultId}/policies`, s.owner.token, { principal_type: "user", principal_id: member.id, secret_path_pattern: "**", permissions: ["read"] })).status).toBe(201);
    const visitor = new ConsoleVisitor(server.url);
    await visitor.signIn(memberEmail);
    const page = await visitor.get(`/console/vaults/${s.vaultId}/policies`);
    expect(page.status).toBe(200);
    expect(page.alert).toBe("Only the vault's owner or an organisation owner or admin can manage its policies");
    const refused = await visitor.post(`/console/vaults/${s.vaultId}/policies`, policyForm(`user:${member.id}`, "**"));
    expect(refused.status).toBe(403);
    expect(refused.html).toContain("Only the vault&#39;s owner or an organisation owner or admin can manage its policies");
    expect((await policiesOverRest(s)).map((p) => p.principal_id)).toEqual([member.id]);
  });

  it("answers another organisation's vault with the not-found page", async () => {
    const s = await setup();
    const stranger = new ConsoleVisitor(server.url);
    await stranger.signUp();
    const page = await stranger.get(`/console/vaults/${s.vaultId}/policies`);
    expect(page.status).toBe(404);
    expect(page.title).toBe("Not found");
    expect(page.html).not.toContain("prod");
    const post = await stranger.post(`/console/vaults/${s.vaultId}/policies`, policyForm(`agent:${s.agentId}`, "**"));
    expect(post.status).toBe(404);
    expect(await policiesOverRest(s)).toEqual([]);
  });
});
