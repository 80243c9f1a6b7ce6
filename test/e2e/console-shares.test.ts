// The console's shares pages over plain HTTP against a real server: a secret an agent shares back
// to its creator (over REST) is accepted and read in the console, as the API's own counted access;
// a link share made in the console is shown once and stops working when revoked there; and a form
// without its CSRF token changes nothing.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePerson, decode, type ConsolePerson } from "../support/console.js";
import { PASSWORD } from "../support/people.js";
import { NO_RATE_LIMIT } from "../support/rate-limit.js";
import { restCaller, type RestCall } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let call: RestCall;

beforeAll(async () => {
  server = await startTestServer({ env: NO_RATE_LIMIT });
  call = restCaller(server.url);
});
afterAll(async () => {
  await server?.close();
});

type Human = ConsolePerson;

function human(): Promise<Human> {
  return consolePerson(server.url);
}

async function ownSecret(owner: Human, path: string): Promise<{ vaultId: string; value: string }> {
  const vault = await call("POST", "/v1/vaults", owner.token, { name: `vault-${randomUUID().slice(0, 8)}` });
  expect(vault.status).toBe(201);
  const vaultId = ((await vault.json()) as { id: string }).id;
  const value = `value-${randomUUID()}`;
  expect((await call("PUT", `/v1/vaults/${vaultId}/secrets/${path}`, owner.token, { value, type: "api_key" })).status).toBe(201);
  return { vaultId, value };
}

/** An agent of `owner` that may read `vaultId`, with its access token. */
async function readingAgent(owner: Human, vaultId: string, name: string): Promise<{ id: string; token: string }> {
  const created = await call("POST", "/v1/agents", owner.token, { name, scopes: ["vaults:read"] });
  expect(created.status).toBe(201);
  const { agent, api_key } = (await created.json()) as { agent: { id: string }; api_key: string };
  const policy = await call("POST", `/v1/vaults/${vaultId}/policies`, owner.token, { secret_path_pattern: "**", principal_type: "agent", principal_id: agent.id, permissions: ["read"] });
  expect(policy.status).toBe(201);
  const exchanged = await call("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.id, api_key });
  expect(exchanged.status).toBe(200);
  return { id: agent.id, token: ((await exchanged.json()) as { access_token: string }).access_token };
}

/** The agent's share of `path` back to the human who created it, over REST; returns the share id. */
async function shareBack(agentToken: string, vaultId: string, path: string): Promise<string> {
  const listed = (await (await call("GET", `/v1/vaults/${vaultId}/secrets`, agentToken)).json()) as { secrets: { id: string; path: string }[] };
  const secretId = listed.secrets.find((s) => s.path === path)!.id;
  const res = await call("POST", `/v1/secrets/${secretId}/share`, agentToken, { recipient_type: "creator", expires_at: new Date(Date.now() + 86_400_000).toISOString() });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function inbound(token: string): Promise<{ id: string; access_count: number; is_accepted: boolean }[]> {
  return ((await (await call("GET", "/v1/shares/inbound", token)).json()) as { shares: { id: string; access_count: number; is_accepted: boolean }[] }).shares;
}

/** The rows of the table under the heading `heading`, as text cells. */
function rowsUnder(html: string, heading: string): string[][] {
  const start = html.indexOf(`<h2>${heading}</h2>`);
  expect(start, `no "${heading}" section`).toBeGreaterThanOrEqual(0);
  const rest = html.slice(start + heading.length + 9);
  const section = rest.slice(0, rest.search(/<h2>|<\/main>/));
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(section)?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => decode(cell[1]).replace(/\s+/g, " ")));
}

describe("console shares", () => {
  it("shows an agent's share back to its creator under Inbound; the human accepts it and reads the value as a counted, audited access", async () => {
    const person = await human();
    const { vaultId, value } = await ownSecret(person, "api-keys/openai");
    const agent = await readingAgent(person, vaultId, "Share Bot");
    const shareId = await shareBack(agent.token, vaultId, "api-keys/openai");

    const before = await person.visitor.get("/console/shares");
    expect(before.status).toBe(200);
    expect(rowsUnder(before.html, "Shared with you")).toEqual([["agent Share Bot", "api-keys/openai", "waiting for you", expect.stringMatching(/UTC$/), "0", "Accept · Decline"]]);
    expect(before.html).not.toContain(value);

    const accepted = await person.visitor.post("/console/shares/accept", { share_id: shareId });
    expect(accepted.url).toBe("/console/shares");
    expect(accepted.notice).toBe("Share accepted; you can read it now.");
    expect(rowsUnder(accepted.html, "Shared with you")[0]).toEqual(["agent Share Bot", "api-keys/openai", "accepted", expect.any(String), "0", "Read · Decline"]);

    const read = await person.visitor.post("/console/shares/read", { share_id: shareId });
    expect(read.status).toBe(200);
    expect(read.url).toBe("/console/shares/read");
    expect(read.html).toContain(value);
    expect(read.headers.get("cache-control")).toBe("no-store");
    // The read was the API's own access: counted, and audited as this person's share.access.
    expect(await inbound(person.token)).toEqual([expect.objectContaining({ id: shareId, is_accepted: true, access_count: 1 })]);
    const events = (await (await call("GET", `/v1/audit/events?action=share.access&resource_id=${shareId}`, person.token)).json()) as { events: { actor_id: string }[] };
    expect(events.events.length).toBe(1);

    // A page load after it shows the count, never the value.
    const after = await person.visitor.get("/console/shares");
    expect(rowsUnder(after.html, "Shared with you")[0][4]).toBe("1");
    expect(after.html).not.toContain(value);
  });

  it("declines an inbound share: it leaves the list and can no longer be read", async () => {
    const person = await human();
    const { vaultId } = await ownSecret(person, "db/password");
    const agent = await readingAgent(person, vaultId, "Decline Bot");
    const shareId = await shareBack(agent.token, vaultId, "db/password");
    const declined = await person.visitor.post("/console/shares/decline", { share_id: shareId });
    expect(declined.notice).toBe("Share declined; it can no longer be read.");
    expect(await inbound(person.token)).toEqual([]);
    const read = await person.visitor.post("/console/shares/read", { share_id: shareId });
    expect(read.status).toBe(404);
    expect(read.alert).toMatch(/^The share was not read: .*declined/);
  });

  it("creates a link share from the secret page's Share link, shows its URL once, and revoking it ends the access", async () => {
    const person = await human();
    const { vaultId, value } = await ownSecret(person, "api-keys/stripe");
    const secretPage = await person.visitor.get(`/console/vaults/${vaultId}/secret?path=api-keys%2Fstripe`);
    const shareLink = /href="(\/console\/shares\/new\?[^"]+)">Share…</.exec(secretPage.html)?.[1].replace(/&amp;/g, "&");
    expect(shareLink).toBe(`/console/shares/new?vault=${vaultId}&path=api-keys%2Fstripe`);
    const form = await person.visitor.get(shareLink!);
    expect(form.title).toBe("Share a secret");
    expect(form.html).toContain(`<option value="${vaultId}" selected>`);
    expect(form.html).toContain('value="api-keys/stripe"');

    const created = await person.visitor.post("/console/shares/new", { vault: vaultId, path: "api-keys/stripe", recipient_type: "anyone_with_link", expires_in_hours: "24", max_access_count: "3", passphrase: "" });
    expect(created.status).toBe(200);
    expect(created.title).toBe("Link created");
    const url = decode(/<pre class="value" id="share-url">([^<]+)<\/pre>/.exec(created.html)?.[1] ?? "");
    expect(url).toMatch(new RegExp(`^${server.config.publicUrl}/v1/share/[0-9a-f-]{36}$`));
    const shareId = url.split("/").pop()!;

    // Anyone with the link reads it over REST; the outbound list counts it and never shows the link.
    const anonymous = await call("GET", `/v1/share/${shareId}`);
    expect(anonymous.status).toBe(200);
    expect(((await anonymous.json()) as { value: string }).value).toBe(value);
    const listed = await person.visitor.get("/console/shares");
    expect(rowsUnder(listed.html, "Shared by you")).toEqual([["api-keys/stripe", "anyone with the link", "1 / 3", expect.any(String), expect.any(String), "active", "Revoke"]]);
    expect(listed.html).not.toContain(url);

    const revoked = await person.visitor.post("/console/shares/revoke", { share_id: shareId });
    expect(revoked.notice).toBe("Share revoked; its recipient can no longer read it.");
    expect(rowsUnder(revoked.html, "Shared by you")).toEqual([]);
    expect((await call("GET", `/v1/share/${shareId}`)).status).toBe(404);
  });

  it("shares with a member, whose access over REST ends when the share is revoked in the console", async () => {
    const owner = await human();
    const colleagueEmail = `colleague-${randomUUID().slice(0, 8)}@example.com`;
    expect((await call("POST", "/v1/org/invite", owner.token, { email: colleagueEmail, role: "member" })).status).toBe(200);
    const signup = await call("POST", "/v1/auth/signup", undefined, { email: colleagueEmail, password: PASSWORD });
    const colleagueToken = ((await signup.json()) as { access_token: string }).access_token;
    const colleagueId = ((await (await call("GET", "/v1/auth/me", colleagueToken)).json()) as { id: string }).id;
    const { vaultId, value } = await ownSecret(owner, "shared/key");

    const created = await owner.visitor.post("/console/shares/new", { vault: vaultId, path: "shared/key", recipient_type: "user", recipient_user: colleagueId, expires_in_hours: "1" });
    expect(created.url).toBe("/console/shares");
    expect(created.notice).toMatch(new RegExp(`^"shared/key" shared with ${colleagueEmail} until `));
    const [share] = await inbound(colleagueToken);
    expect((await call("POST", `/v1/shares/${share.id}/accept`, colleagueToken)).status).toBe(204);
    const first = await call("GET", `/v1/share/${share.id}`, colleagueToken);
    expect(((await first.json()) as { value: string }).value).toBe(value);

    const revoked = await owner.visitor.post("/console/shares/revoke", { share_id: share.id });
    expect(revoked.notice).toBe("Share revoked; its recipient can no longer read it.");
    expect((await call("GET", `/v1/share/${share.id}`, colleagueToken)).status).toBe(404);
    expect(await inbound(colleagueToken)).toEqual([]);
  });

  it("shares with an agent, named in the outbound list, which reads it over REST once accepted", async () => {
    const person = await human();
    const empty = await person.visitor.get("/console/shares/new");
    expect(empty.html).toContain("You have no vault to share from.");
    const { vaultId, value } = await ownSecret(person, "agents/config");
    const created = await call("POST", "/v1/agents", person.token, { name: "Reader Bot", scopes: ["vaults:read"] });
    const { agent, api_key } = (await created.json()) as { agent: { id: string }; api_key: string };
    const agentToken = ((await (await call("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.id, api_key })).json()) as { access_token: string }).access_token;

    const shared = await person.visitor.post("/console/shares/new", { vault: vaultId, path: "agents/config", recipient_type: "agent", recipient_agent: agent.id, expires_in_hours: "168" });
    expect(shared.url).toBe("/console/shares");
    expect(rowsUnder(shared.html, "Shared by you")).toEqual([["agents/config", "agent Reader Bot", "0", expect.any(String), expect.any(String), "not accepted yet", "Revoke"]]);
    const [share] = await inbound(agentToken);
    expect((await call("POST", `/v1/shares/${share.id}/accept`, agentToken)).status).toBe(204);
    const read = await call("GET", `/v1/share/${share.id}`, agentToken);
    expect(((await read.json()) as { value: string }).value).toBe(value);
    const after = await person.visitor.get("/console/shares");
    expect(rowsUnder(after.html, "Shared by you")[0].slice(1, 3)).toEqual(["agent Reader Bot", "1"]);
  });

  it("shows the API's refusal above the form when a share cannot be made, keeping what was typed", async () => {
    const person = await human();
    const { vaultId } = await ownSecret(person, "api-keys/x");
    const page = await person.visitor.post("/console/shares/new", { vault: vaultId, path: "api-keys/x", recipient_type: "external_email", email: "", expires_in_hours: "24" });
    expect(page.status).toBe(400);
    expect(page.alert).toBe('The share was not created: Email is required for recipient_type "external_email"');
    const missing = await person.visitor.post("/console/shares/new", { vault: vaultId, path: "api-keys/nothing-here", recipient_type: "anyone_with_link", expires_in_hours: "24" });
    expect(missing.status).toBe(404);
    expect(missing.alert).toMatch(/^The share was not created: /);
    expect(missing.html).toContain('value="api-keys/nothing-here"');
    const forever = await person.visitor.post("/console/shares/new", { vault: vaultId, path: "api-keys/x", recipient_type: "anyone_with_link", expires_in_hours: "99999999999" });
    expect(forever.status).toBe(400);
    expect(forever.alert).toBe("Choose how long the share lasts.");
    const tooLong = await person.visitor.post("/console/shares/new", { vault: vaultId, path: "api-keys/x", recipient_type: "anyone_with_link", expires_in_hours: "9000" });
    expect(tooLong.status).toBe(400);
    expect(tooLong.alert).toBe("The share was not created: Expires_in_hours must be 1 to 8760, got 9000");
  });

  it("refuses an accept posted without its CSRF token, and the share stays unaccepted", async () => {
    const person = await human();
    const { vaultId } = await ownSecret(person, "api-keys/csrf");
    const agent = await readingAgent(person, vaultId, "Csrf Bot");
    const shareId = await shareBack(agent.token, vaultId, "api-keys/csrf");
    await person.visitor.get("/console/shares");
    const forged = await person.visitor.post("/console/shares/accept", { share_id: shareId }, { csrf: null });
    expect(forged.status).toBe(403);
    expect(forged.title).toBe("Form expired");
    expect(await inbound(person.token)).toEqual([expect.objectContaining({ id: shareId, is_accepted: false })]);
  });
});
