// The console's agent pages over plain HTTP against a real server: registering shows the ocv_ key
// once and it works for the REST token exchange, guardrails with the API's sentences in place,
// status, key rotation, delete, a member's refusal, another organisation's agent; and against a
// real local EVM node, signing keys with their balance and the agent's transactions.
import { randomBytes } from "node:crypto";
import { formatEther, parseEther, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleVisitor, decode, type ConsolePage } from "../support/console.js";
import { FUNDER, startEvmNode, type EvmNode } from "../support/evm-node.js";
import { uniqueEmail } from "../support/people.js";
import { NO_RATE_LIMIT } from "../support/rate-limit.js";
import { restCaller, restSignup, type RestCall } from "../support/rest.js";
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

/** The key and agent id of a register or rotate answer: the one-time panel's read-only field. */
function shownKey(page: ConsolePage): { apiKey: string; agentId: string } {
  const apiKey = /id="agent-api-key" value="(ocv_[^"]+)" readonly/.exec(page.html)?.[1];
  const agentId = /Agent id: <code>([0-9a-f-]{36})<\/code>/.exec(page.html)?.[1];
  if (!apiKey || !agentId) throw new Error(`no key panel on "${page.title}" (${page.status}): ${page.alert ?? ""}`);
  return { apiKey, agentId };
}

async function exchange(agentId: string, apiKey: string): Promise<Response> {
  return call("POST", "/v1/auth/agent-token", undefined, { agent_id: agentId, api_key: apiKey });
}

async function register(visitor: ConsoleVisitor, name: string, extra: Record<string, string> = {}): Promise<{ apiKey: string; agentId: string; page: ConsolePage }> {
  await visitor.get("/console/agents/new");
  const page = await visitor.post("/console/agents", { name, description: "", token_ttl_seconds: "", scopes: "", api_key_expires_at: "", ...extra });
  return { ...shownKey(page), page };
}

/** A console visitor signed in as a fresh owner, with a REST token for the same person. */
async function owner(): Promise<{ visitor: ConsoleVisitor; token: string }> {
  const person = await restSignup(call);
  const visitor = new ConsoleVisitor(server.url);
  await visitor.signIn(person.email);
  return { visitor, token: person.token };
}

describe("registering an agent", () => {
  useOwnServer();

  it("shows the key once, in the answer only, and the key trades for a token over REST", async () => {
    const { visitor, token } = await owner();
    const empty = await visitor.get("/console/agents");
    expect(empty.html).toContain("No agents yet.");
    expect(empty.html).toContain('href="/console/agents/new"');
    expect(empty.html).toContain("/v1/agents/enroll");

    const { vaultId } = await vaultOf(token, "ops");
    const { apiKey, agentId, page } = await register(visitor, "billing-bot", { description: "pays invoices", vault_id: vaultId, token_ttl_seconds: "600", scopes: "api-keys/**\nvaults:read" });
    expect(page.status).toBe(201);
    expect(page.title).toBe('Agent "billing-bot" registered');
    // Answered in place (no redirect): the key is in no URL and in no cookie.
    expect(page.url).toBe("/console/agents");
    expect([...visitor.cookies.values()].join(" ")).not.toContain(apiKey);
    expect(page.html).toContain("shown only this once");

    const traded = await exchange(agentId, apiKey);
    expect(traded.status).toBe(200);
    expect((await traded.json()) as Record<string, unknown>).toMatchObject({ agent_id: agentId, expires_in: 600, vault_ids: [vaultId] });

    const again = await visitor.get(`/console/agents/${agentId}`);
    expect(again.status).toBe(200);
    expect(again.html).not.toContain(apiKey);
    expect(again.html).toContain("pays invoices");
    expect(again.html).toContain("600 s");
    expect(again.html).toContain("vaults:read");
    expect(again.html).toContain(">ops</a>");

    const listed = await visitor.get("/console/agents");
    expect(listed.html).not.toContain(apiKey);
    const row = rowOf(listed.html, "billing-bot");
    expect(row).toContain("active");
    expect(row).toContain("api_key");
    // The exchange above is the agent's last activity, as the API reports it.
    const agent = (await (await call("GET", `/v1/agents/${agentId}`, token)).json()) as { last_active_at?: string };
    expect(agent.last_active_at).toBeDefined();
    expect(row).toContain(`${agent.last_active_at!.slice(0, 16).replace("T", " ")} UTC`);
    expect(row).not.toContain("never");
  });

  it("shows the API's refusal of a bad registration in place and keeps what was typed", async () => {
    const { visitor } = await owner();
    await visitor.get("/console/agents/new");
    const page = await visitor.post("/console/agents", { name: "x".repeat(101), description: "kept", token_ttl_seconds: "" });
    expect(page.status).toBe(400);
    expect(page.alert).toBe("Name must be 1 to 100 characters");
    expect(page.html).toContain('value="kept"');
    const ttl = await visitor.post("/console/agents", { name: "ok", token_ttl_seconds: "100000" });
    expect(ttl.status).toBe(400);
    expect(ttl.alert).toBe("Token_ttl_seconds must be 1-86400, got 100000");
  });

  it("pages a long list, 25 agents a page", async () => {
    const { visitor, token } = await owner();
    for (let i = 1; i <= 27; i++) expect((await call("POST", "/v1/agents", token, { name: `fleet-${String(i).padStart(2, "0")}` })).status).toBe(201);
    const first = await visitor.get("/console/agents");
    expect(first.html).toContain("Page 1 of 2 · 27 in all");
    const second = await visitor.get("/console/agents?page=2");
    expect(second.html).toContain("Page 2 of 2 · 27 in all");
    expect((first.html.match(/fleet-\d\d</g) ?? []).length + (second.html.match(/fleet-\d\d</g) ?? []).length).toBe(27);
    expect((second.html.match(/fleet-\d\d</g) ?? []).length).toBe(2);
  });
});

describe("an agent's page", () => {
  useOwnServer();

  it("edits guardrails, shows the API's validation sentence inline, and clears an emptied limit", async () => {
    const { visitor, token } = await owner();
    const { agentId } = await register(visitor, "trader", { intents_api_enabled: "on" });
    const form = { intents_api_enabled: "on", tx_max_value: "0.5", tx_daily_limit: "2", tx_max_per_day: "3", tx_to_allowlist: "0x1111111111111111111111111111111111111111\n0x2222222222222222222222222222222222222222", tx_allowed_chains: "hardhat", tx_token_allowlist: "" };
    await visitor.get(`/console/agents/${agentId}/guardrails`);
    const bad = await visitor.post(`/console/agents/${agentId}/guardrails`, { ...form, tx_max_value: "lots" });
    expect(bad.status).toBe(400);
    expect(bad.alert).toBe('Tx_max_value must be a non-negative decimal string such as "0.5", got "lots"');
    expect(bad.html).toContain('value="lots"');
    const negative = await visitor.post(`/console/agents/${agentId}/guardrails`, { ...form, tx_max_per_day: "-1" });
    expect(negative.status).toBe(400);
    expect(negative.alert).toBe("Tx_max_per_day must be 0 or more, got -1");
    expect(await agentOverRest(token, agentId)).not.toHaveProperty("tx_max_value");

    const saved = await visitor.post(`/console/agents/${agentId}/guardrails`, form);
    expect(saved.notice).toMatch(/Guardrails saved/);
    expect(await agentOverRest(token, agentId)).toMatchObject({
      intents_api_enabled: true,
      tx_max_value: "0.5",
      tx_daily_limit: "2",
      tx_max_per_day: 3,
      tx_to_allowlist: ["0x1111111111111111111111111111111111111111", "0x2222222222222222222222222222222222222222"],
      tx_allowed_chains: ["hardhat"],
    });
    expect(saved.html).toContain('value="0.5"');

    // Emptying a field removes that limit; the others stay.
    await visitor.post(`/console/agents/${agentId}/guardrails`, { ...form, tx_max_value: "", tx_to_allowlist: "" });
    const after = await agentOverRest(token, agentId);
    expect(after).not.toHaveProperty("tx_max_value");
    expect(after.tx_to_allowlist ?? []).toEqual([]);
    expect(after).toMatchObject({ tx_daily_limit: "2", tx_max_per_day: 3 });
  });

  it("edits settings through update_mask: an emptied field is cleared, a past key expiry stops the key", async () => {
    const { visitor, token } = await owner();
    const { vaultId } = await vaultOf(token, "bound");
    const { agentId, apiKey } = await register(visitor, "settler", { token_ttl_seconds: "600", scopes: "api-keys/**" });
    const form = await visitor.get(`/console/agents/${agentId}/settings`);
    expect(form.html).toContain('value="600"');
    const settings = { name: "settler-2", description: "renamed", vault_id: vaultId, scopes: "", token_ttl_seconds: "", api_key_expires_at: "", expires_at: "" };
    const bad = await visitor.post(`/console/agents/${agentId}/settings`, { ...settings, token_ttl_seconds: "0" });
    expect(bad.status).toBe(400);
    expect(bad.alert).toBe("Token_ttl_seconds must be 1-86400, got 0");
    expect(bad.html).toContain('value="renamed"');
    const saved = await visitor.post(`/console/agents/${agentId}/settings`, settings);
    expect(saved.notice).toBe('Settings of "settler-2" saved.');
    const after = await agentOverRest(token, agentId);
    expect(after).toMatchObject({ name: "settler-2", description: "renamed", vault_ids: [vaultId] });
    expect(after.scopes ?? []).toEqual([]);
    expect(after).not.toHaveProperty("token_ttl_seconds");
    expect(((await (await exchange(agentId, apiKey)).json()) as { expires_in: number }).expires_in).toBe(3600);

    await visitor.post(`/console/agents/${agentId}/settings`, { ...settings, api_key_expires_at: "2020-01-01T00:00" });
    expect((await exchange(agentId, apiKey)).status).toBe(401);
    expect((await visitor.get(`/console/agents/${agentId}`)).html).toContain("2020-01-01 00:00 UTC");
  });

});

describe("an agent's lifecycle, and who may see and change it", () => {
  useOwnServer();

  it("deactivates and reactivates, rotates the key (shown once), and deletes only when the name is typed", async () => {
    const { visitor, token } = await owner();
    const { agentId, apiKey } = await register(visitor, "rotor");
    await visitor.get(`/console/agents/${agentId}`);
    const off = await visitor.post(`/console/agents/${agentId}/status`, { is_active: "false" });
    expect(off.notice).toBe('Agent "rotor" deactivated; its tokens were revoked.');
    expect(off.html).toContain("inactive");
    expect((await exchange(agentId, apiKey)).status).toBe(401);
    const on = await visitor.post(`/console/agents/${agentId}/status`, { is_active: "true" });
    expect(on.notice).toBe('Agent "rotor" is active again.');
    expect((await exchange(agentId, apiKey)).status).toBe(200);

    const rotated = await visitor.post(`/console/agents/${agentId}/rotate-key`, {});
    expect(rotated.status).toBe(200);
    const fresh = shownKey(rotated);
    expect(fresh.agentId).toBe(agentId);
    expect(fresh.apiKey).not.toBe(apiKey);
    expect((await exchange(agentId, apiKey)).status).toBe(401);
    expect((await exchange(agentId, fresh.apiKey)).status).toBe(200);
    expect((await visitor.get(`/console/agents/${agentId}`)).html).not.toContain(fresh.apiKey);

    const refused = await visitor.post(`/console/agents/${agentId}/delete`, { confirm_name: "roto" });
    expect(refused.status).toBe(400);
    expect(refused.alert).toBe('The name you typed is not "rotor"; the agent was not deleted.');
    expect((await call("GET", `/v1/agents/${agentId}`, token)).status).toBe(200);
    const deleted = await visitor.post(`/console/agents/${agentId}/delete`, { confirm_name: "rotor" });
    expect(deleted.url).toBe("/console/agents");
    expect(deleted.notice).toBe('Agent "rotor" deleted; its key and tokens no longer work.');
    expect((await call("GET", `/v1/agents/${agentId}`, token)).status).toBe(404);
    expect((await exchange(agentId, fresh.apiKey)).status).toBe(401);
    expect((await visitor.get(`/console/agents/${agentId}`)).status).toBe(404);
  });

  it("shows a member the API's refusal to change an agent someone else registered, and changes nothing", async () => {
    const boss = await restSignup(call);
    const memberEmail = uniqueEmail("member");
    expect((await call("POST", "/v1/org/invite", boss.token, { email: memberEmail, role: "member" })).status).toBe(200);
    await restSignup(call, memberEmail);
    const created = (await (await call("POST", "/v1/agents", boss.token, { name: "boss-bot" })).json()) as { agent: { id: string } };
    const agentId = created.agent.id;

    const member = new ConsoleVisitor(server.url);
    await member.signIn(memberEmail);
    const seen = await member.get(`/console/agents/${agentId}`);
    expect(seen.status).toBe(200);
    expect(seen.html).toContain(boss.email);
    const refused = await member.post(`/console/agents/${agentId}/status`, { is_active: "false" });
    expect(refused.status).toBe(403);
    expect(refused.alert).toBe("Only the agent's creator or an organisation owner or admin can change it");
    const rotate = await member.post(`/console/agents/${agentId}/rotate-key`, {});
    expect(rotate.status).toBe(403);
    expect(rotate.html).not.toMatch(/ocv_/);
    const guardrails = await member.post(`/console/agents/${agentId}/guardrails`, { tx_max_value: "1" });
    expect(guardrails.status).toBe(403);
    expect(await agentOverRest(boss.token, agentId)).toMatchObject({ is_active: true });
    expect(await agentOverRest(boss.token, agentId)).not.toHaveProperty("tx_max_value");
  });

  it("answers another organisation's agent with the not-found page on every agent page", async () => {
    const stranger = await restSignup(call);
    const theirs = (await (await call("POST", "/v1/agents", stranger.token, { name: "their-secret-bot" })).json()) as { agent: { id: string } };
    const { visitor } = await owner();
    for (const tail of ["", "/settings", "/guardrails", "/signing-keys", "/transactions"]) {
      const page = await visitor.get(`/console/agents/${theirs.agent.id}${tail}`);
      expect(page.status, tail).toBe(404);
      expect(page.title).toBe("Not found");
      expect(page.html).not.toContain("their-secret-bot");
    }
    const post = await visitor.post(`/console/agents/${theirs.agent.id}/rotate-key`, {});
    expect(post.status).toBe(404);
    expect(post.html).not.toMatch(/ocv_/);
  });
});

describe("signing keys and transactions, against a real EVM node", () => {
  let node: EvmNode;
  let chainServer: TestServer;
  beforeAll(async () => {
    node = await startEvmNode();
    chainServer = await startTestServer({ env: { ...NO_RATE_LIMIT, CLAWKEEP_CHAINS: node.chainsFile } });
  }, 120_000);
  afterAll(async () => {
    await chainServer?.close();
    await node?.stop();
  });

  it("creates, funds, shows and rotates a signing key, and lists the agent's transaction", async () => {
    const rest = restCaller(chainServer.url);
    const person = await restSignup(rest);
    const visitor = new ConsoleVisitor(chainServer.url);
    await visitor.signIn(person.email);
    await visitor.get("/console/agents/new");
    const { agentId, apiKey } = shownKey(await visitor.post("/console/agents", { name: "payer", intents_api_enabled: "on" }));

    const none = await visitor.get(`/console/agents/${agentId}/signing-keys`);
    expect(none.html).toContain("This agent has no signing key.");
    expect(none.html).toContain("Hardhat (local)");
    const made = await visitor.post(`/console/agents/${agentId}/signing-keys`, { chain: "ethereum" });
    const keys = ((await (await rest("GET", `/v1/agents/${agentId}/signing-keys`, person.token)).json()) as { keys: { address: Hex; key_version: number }[] }).keys;
    expect(keys).toHaveLength(1);
    const address = keys[0].address;
    expect(made.notice).toBe(`The ethereum signing key is made; its address is ${address}.`);
    expect(made.html).toContain(address);
    const twice = await visitor.post(`/console/agents/${agentId}/signing-keys`, { chain: "ethereum" });
    expect(twice.status).toBe(409);
    expect(twice.alert).toMatch(/already has an active ethereum signing key/);

    const hash = await node.rpc<Hex>("eth_sendTransaction", [{ from: FUNDER, to: address, value: `0x${parseEther("2").toString(16)}` }]);
    await waitForReceipt(node, hash);
    const funded = await visitor.get(`/console/agents/${agentId}/signing-keys`);
    expect(rowOf(funded.html, address)).toContain("2 ETH <span class=\"muted\">on Hardhat (local)</span>");
    const token = ((await (await rest("POST", "/v1/auth/agent-token", undefined, { agent_id: agentId, api_key: apiKey })).json()) as { access_token: string }).access_token;
    const to = `0x${randomBytes(20).toString("hex")}`;
    const sent = await rest("POST", `/v1/agents/${agentId}/transactions`, token, { chain: "hardhat", to, value: "0.25" });
    expect(sent.status, await sent.clone().text()).toBe(201);
    const tx = (await sent.json()) as { id: string; tx_hash: string; status: string };

    const listed = await visitor.get(`/console/agents/${agentId}/transactions`);
    expect(listed.status).toBe(200);
    const row = rowOf(listed.html, tx.id);
    expect(row).toContain("hardhat");
    expect(row).toContain("0.25 ETH");
    expect(row).toContain(tx.tx_hash.slice(0, 10));
    expect(row).toContain(tx.status);
    const detail = await visitor.get(`/console/agents/${agentId}/transactions/${tx.id}`);
    expect(detail.html).toContain(tx.tx_hash);
    expect(detail.html.toLowerCase()).toContain(to);
    expect(detail.html).toContain("250000000000000000");
    expect(detail.html).not.toContain("signed_tx");

    // The balance is the node's: 2 ETH less the 0.25 sent and the fee.
    const spent = await visitor.get(`/console/agents/${agentId}/signing-keys`);
    const onChain = (await node.rpc<Hex>("eth_getBalance", [address, "latest"])) as Hex;
    expect(rowOf(spent.html, address)).toContain(`${formatEther(BigInt(onChain))} ETH`);
    expect(formatEther(BigInt(onChain)).startsWith("1.74")).toBe(true);
    // Today's spend on the guardrails page is the API's.
    const guard = await visitor.get(`/console/agents/${agentId}/guardrails`);
    expect(decode(guard.html)).toContain("Transactions today1");

    const rotated = await visitor.post(`/console/agents/${agentId}/signing-keys/ethereum/rotate`, {});
    const after = ((await (await rest("GET", `/v1/agents/${agentId}/signing-keys`, person.token)).json()) as { keys: { address: Hex; key_version: number; is_active: boolean }[] }).keys;
    const current = after.find((k) => k.is_active)!;
    expect(current.key_version).toBe(2);
    expect(rotated.notice).toBe(`The ethereum key is now version 2 at ${current.address}; funds at the old address stay there.`);
    const deactivated = await visitor.post(`/console/agents/${agentId}/signing-keys/ethereum/deactivate`, {});
    expect(deactivated.notice).toBe("The ethereum signing key is deactivated; it signs nothing more.");
    const final = ((await (await rest("GET", `/v1/agents/${agentId}/signing-keys`, person.token)).json()) as { keys: { is_active: boolean }[] }).keys;
    expect(final.every((k) => !k.is_active)).toBe(true);
  }, 60_000);
});

async function waitForReceipt(node: EvmNode, hash: Hex): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await node.rpc("eth_getTransactionReceipt", [hash])) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no receipt for ${hash}`);
}

async function vaultOf(token: string, name: string): Promise<{ vaultId: string }> {
  const res = await call("POST", "/v1/vaults", token, { name });
  const vault = (await res.json()) as { id: string };
  return { vaultId: vault.id };
}

async function agentOverRest(token: string, agentId: string): Promise<Record<string, unknown>> {
  const res = await call("GET", `/v1/agents/${agentId}`, token);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** The table row that mentions `text`. */
function rowOf(html: string, text: string): string {
  const row = html.split("<tr>").find((r) => r.includes(text));
  if (!row) throw new Error(`no row mentions ${text}`);
  return row;
}
