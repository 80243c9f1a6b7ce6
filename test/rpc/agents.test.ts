// Agents through the real routes: registration with identity keys, token exchange, and what an
// agent may do with its token (vault binding, scopes, policies, the Intents restriction, vaults
// it creates), and revocation by epoch.
import { ed25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { createClient, type Client } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { ErrorDetailSchema } from "../../gen/ts/clawkeep/v1/errors_pb.js";
import { OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { createHarness, httpStatusOf, NO_RATE_LIMIT, rejection, type Harness, statusOf as status } from "./harness.js";
import { invitedMember, signUp, type Person } from "./people.js";

let harness: Harness;
let agents: Client<typeof AgentService>;
let auth: Client<typeof AuthService>;
let vaults: Client<typeof VaultService>;
let owner: Person;
beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
  agents = createClient(AgentService, harness.transport);
  auth = createClient(AuthService, harness.transport);
  vaults = createClient(VaultService, harness.transport);
  owner = await signUp(harness.transport);
});
afterAll(async () => {
  await harness?.close();
});

interface Bot {
  id: string;
  apiKey: string;
  token: string;
  headers: { authorization: string };
}

async function register(more: Record<string, unknown> = {}, by: Person = owner): Promise<Bot> {
  const created = await agents.createAgent({ name: "bot", ...more }, { headers: by.headers });
  const exchanged = await auth.exchangeAgentToken({ apiKey: created.apiKey });
  return { id: created.agent!.id, apiKey: created.apiKey, token: exchanged.accessToken, headers: { authorization: `Bearer ${exchanged.accessToken}` } };
}

async function stockedVault(): Promise<string> {
  const { vault } = await vaults.createVault({ name: "shared" }, { headers: owner.headers });
  for (const [path, type] of [
    ["api-keys/openai", "api_key"],
    ["db/password", "password"],
    ["wallets/hot", "private_key"],
  ]) {
    await vaults.putSecret({ vaultId: vault!.id, path, type, value: `value of ${path}` }, { headers: owner.headers });
  }
  return vault!.id;
}

const grant = (vaultId: string, agentId: string, pattern: string, permissions: string[]) =>
  vaults.createPolicy({ vaultId, secretPathPattern: pattern, principalType: "agent", principalId: agentId, permissions }, { headers: owner.headers });

describe("registering agents", () => {
  it("returns the agent with its ocv_ key once, and identity keys in the formats 1Claw uses", async () => {
    const orgKeysBefore = await status(createClient(OrgService, harness.transport).getAgentKeysVault({}, { headers: (await signUp(harness.transport)).headers }));
    expect(orgKeysBefore[0]).toBe(404);
    const { agent, apiKey } = await agents.createAgent(
      { name: "DeFi Bot", description: "Automated trading agent", intentsApiEnabled: true, scopes: ["vaults:read"], txMaxValue: "0.5", txAllowedChains: ["base"] },
      { headers: owner.headers },
    );
    expect(apiKey).toMatch(/^ocv_[A-Za-z0-9_-]{43}$/);
    expect(agent).toMatchObject({ name: "DeFi Bot", authMethod: "api_key", isActive: true, intentsApiEnabled: true, scopes: ["vaults:read"], createdBy: owner.id, txMaxValue: "0.5" });
    const ssh = Buffer.from(agent!.sshPublicKey, "base64");
    const ecdh = Buffer.from(agent!.ecdhPublicKey, "base64");
    expect(ssh).toHaveLength(32);
    expect(ecdh).toHaveLength(65);
    expect(ecdh[0]).toBe(4);

    // The private halves are in __agent-keys; the org owner may grant itself read to check them.
    const { vaultId } = await createClient(OrgService, harness.transport).getAgentKeysVault({}, { headers: owner.headers });
    await vaults.createPolicy({ vaultId, secretPathPattern: `agents/${agent!.id}/**`, principalType: "user", principalId: owner.id, permissions: ["read"] }, { headers: owner.headers });
    const sshPrivate = (await vaults.getSecret({ vaultId, path: `agents/${agent!.id}/ssh/private_key` }, { headers: owner.headers })).secret!;
    const ecdhPrivate = (await vaults.getSecret({ vaultId, path: `agents/${agent!.id}/ecdh/private_key` }, { headers: owner.headers })).secret!;
    expect([sshPrivate.type, ecdhPrivate.type]).toEqual(["ssh_key", "private_key"]);
    expect(Buffer.from(ed25519.getPublicKey(Buffer.from(sshPrivate.value, "base64")))).toEqual(ssh);
    expect(Buffer.from(p256.getPublicKey(Buffer.from(ecdhPrivate.value, "base64"), false))).toEqual(ecdh);
  });

  it.each([
    ["an empty name", { name: " " }],
    ["another auth_method", { authMethod: "mtls" }],
    ["a malformed scope", { scopes: ["a//b"] }],
    ["an unknown scope form", { scopes: ["vaults:admin"] }],
    ["a zero token_ttl_seconds", { tokenTtlSeconds: 0 }],
    ["an expiry in the past", { expiresAt: timestampFromDate(new Date(Date.now() - 1000)) }],
    ["a vault of nobody", { vaultIds: ["00000000-0000-4000-8000-000000000000"] }],
    ["a malformed spending cap", { txMaxValue: "-1" }],
  ])("refuses %s with a 400", async (_label, override) => {
    const [code, detail] = await status(agents.createAgent({ name: "bot", ...override }, { headers: owner.headers }));
    expect(code).toBe(400);
    expect(detail.length).toBeGreaterThan(10);
  });

  it("lists and reads agents of the organisation only; an agent reads only itself", async () => {
    const a = await register();
    const b = await register();
    const listed = (await agents.listAgents({}, { headers: owner.headers })).agents.map((x) => x.id);
    expect(listed).toEqual(expect.arrayContaining([a.id, b.id]));
    expect((await agents.getAgent({ agentId: a.id }, { headers: a.headers })).agent?.id).toBe(a.id);
    expect((await status(agents.getAgent({ agentId: b.id }, { headers: a.headers })))[0]).toBe(404);
    expect((await agents.getAgentSelf({}, { headers: a.headers })).agent?.id).toBe(a.id);
    expect((await status(agents.getAgentSelf({}, { headers: owner.headers })))[0]).toBe(403);
    const stranger = await signUp(harness.transport);
    expect((await agents.listAgents({}, { headers: stranger.headers })).agents).toEqual([]);
    expect((await status(agents.getAgent({ agentId: a.id }, { headers: stranger.headers })))[0]).toBe(404);
  });
});

describe("token exchange", () => {
  it("needs only the key, and answers with the documented shape", async () => {
    const created = await agents.createAgent({ name: "exchanger", tokenTtlSeconds: 600 }, { headers: owner.headers });
    const grant = await auth.exchangeAgentToken({ apiKey: created.apiKey });
    expect(grant).toMatchObject({ tokenType: "Bearer", expiresIn: 600, agentId: created.agent!.id, vaultIds: [] });
    const claims = JSON.parse(Buffer.from(grant.accessToken.split(".")[1], "base64url").toString("utf8")) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: `agent:${created.agent!.id}`, scopes: [], vault_ids: [], intents_api_enabled: false, epoch: 0 });
    expect(typeof claims.jti).toBe("string");
    expect((await auth.exchangeAgentToken({ apiKey: created.apiKey, agentId: created.agent!.id })).agentId).toBe(created.agent!.id);
  });

  it("refuses unknown keys, a key with another agent's id, and expired agents and keys with a clear 401", async () => {
    const a = await register();
    const b = await register();
    expect(await status(auth.exchangeAgentToken({ apiKey: `ocv_${"A".repeat(43)}` }))).toEqual([401, "unknown or wrong agent API key"]);
    expect(await status(auth.exchangeAgentToken({ apiKey: a.apiKey, agentId: b.id }))).toEqual([401, "unknown or wrong agent API key"]);
    expect(await status(auth.exchangeAgentToken({ apiKey: "sk-not-ours" }))).toEqual([401, "api_key is not an agent API key (ocv_...)"]);
    await harness.database.dataSource.query(`UPDATE "clawkeep_agents" SET "api_key_expires_at" = now() - interval '1 second' WHERE "id" = $1`, [a.id]);
    expect((await status(auth.exchangeAgentToken({ apiKey: a.apiKey })))[1]).toMatch(/^the agent's API key expired at /);
    await harness.database.dataSource.query(`UPDATE "clawkeep_agents" SET "expires_at" = now() - interval '1 second' WHERE "id" = $1`, [b.id]);
    expect((await status(auth.exchangeAgentToken({ apiKey: b.apiKey })))[1]).toMatch(/^the agent expired at /);
    // The expired agent's outstanding token stops too.
    expect(await status(vaults.listVaults({}, { headers: b.headers }))).toEqual([401, "token has been revoked"]);
    expect(await status(vaults.listVaults({}, { headers: a.headers }))).toEqual([401, "token has been revoked"]);
  });

  it("revokes every outstanding token when the key rotates and when the agent is deactivated", async () => {
    const a = await register();
    expect((await vaults.listVaults({}, { headers: a.headers })).vaults).toEqual([]);
    const { apiKey } = await agents.rotateAgentKey({ agentId: a.id }, { headers: owner.headers });
    expect(await status(vaults.listVaults({}, { headers: a.headers }))).toEqual([401, "token has been revoked"]);
    const fresh = await auth.exchangeAgentToken({ apiKey });
    const headers = { authorization: `Bearer ${fresh.accessToken}` };
    expect((await vaults.listVaults({}, { headers })).vaults).toEqual([]);
    await agents.updateAgent({ agentId: a.id, isActive: false }, { headers: owner.headers });
    expect(await status(vaults.listVaults({}, { headers }))).toEqual([401, "token has been revoked"]);
    expect(await status(auth.exchangeAgentToken({ apiKey }))).toEqual([401, "the agent is deactivated"]);
  });
});

describe("an agent signing out", () => {
  it("revokes its outstanding tokens; its key still exchanges for a new one", async () => {
    const bot = await register();
    const second = await auth.exchangeAgentToken({ apiKey: bot.apiKey });
    await auth.revokeToken({}, { headers: bot.headers });
    expect(await status(vaults.listVaults({}, { headers: bot.headers }))).toEqual([401, "token has been revoked"]);
    expect(await status(vaults.listVaults({}, { headers: { authorization: `Bearer ${second.accessToken}` } }))).toEqual([401, "token has been revoked"]);
    const again = await auth.exchangeAgentToken({ apiKey: bot.apiKey });
    expect((await vaults.listVaults({}, { headers: { authorization: `Bearer ${again.accessToken}` } })).vaults).toEqual([]);
  });
});

describe("what an agent may do", () => {
  it("has zero access without policies, then exactly what its policies grant, from the next request on", async () => {
    const vaultId = await stockedVault();
    const bot = await register();
    expect(await status(vaults.getSecret({ vaultId, path: "api-keys/openai" }, { headers: bot.headers }))).toEqual([404, `vault ${vaultId} not found`]);
    const { policy } = await grant(vaultId, bot.id, "api-keys/**", ["read"]);
    expect((await vaults.listVaults({}, { headers: bot.headers })).vaults.map((v) => v.id)).toEqual([vaultId]);
    expect((await vaults.listSecrets({ vaultId }, { headers: bot.headers })).secrets.map((s) => s.path)).toEqual(["api-keys/openai"]);
    expect((await vaults.getSecret({ vaultId, path: "api-keys/openai" }, { headers: bot.headers })).secret?.value).toBe("value of api-keys/openai");
    expect((await status(vaults.getSecret({ vaultId, path: "db/password" }, { headers: bot.headers })))[0]).toBe(403);
    expect((await status(vaults.getSecret({ vaultId, path: "api-keys/missing" }, { headers: bot.headers })))[0]).toBe(404);
    expect((await status(vaults.putSecret({ vaultId, path: "api-keys/openai", value: "x" }, { headers: bot.headers })))[0]).toBe(403);
    // The token is not re-issued; the narrowed policy applies at once.
    await vaults.updatePolicy({ vaultId, policyId: policy!.id, permissions: ["write"] }, { headers: owner.headers });
    expect((await status(vaults.getSecret({ vaultId, path: "api-keys/openai" }, { headers: bot.headers })))[0]).toBe(403);
    // Every agent action is audited with the agent as actor and the deciding policy.
    const [event]: { actor_type: string; details: { decided_by: string } }[] = await harness.database.dataSource.query(
      `SELECT "actor_type", "details" FROM "clawkeep_audit_events" WHERE "actor_id" = $1 AND "action" = 'secret.read'`,
      [bot.id],
    );
    expect(event).toMatchObject({ actor_type: "agent", details: { decided_by: `policy:${policy!.id}` } });
  });

  it("stays inside its explicit vault binding whatever its policies say", async () => {
    const bound = await stockedVault();
    const other = await stockedVault();
    const bot = await register({ vaultIds: [bound] });
    await grant(bound, bot.id, "**", ["read"]);
    await grant(other, bot.id, "**", ["read"]);
    expect((await vaults.getSecret({ vaultId: bound, path: "db/password" }, { headers: bot.headers })).secret?.value).toBe("value of db/password");
    expect(await status(vaults.getSecret({ vaultId: other, path: "db/password" }, { headers: bot.headers }))).toEqual([403, `this agent is not bound to vault ${other}`]);
  });

  it("cannot exceed its scopes, which cap what policies grant", async () => {
    const vaultId = await stockedVault();
    const reader = await register({ scopes: ["vaults:read"] });
    await grant(vaultId, reader.id, "**", ["read", "write"]);
    expect((await vaults.getSecret({ vaultId, path: "db/password" }, { headers: reader.headers })).secret?.version).toBe(1);
    expect(await status(vaults.putSecret({ vaultId, path: "db/password", value: "x" }, { headers: reader.headers }))).toEqual([403, 'scopes do not cover write on "db/password"']);
    const narrow = await register({ scopes: ["api-keys/*"] });
    await grant(vaultId, narrow.id, "**", ["read"]);
    expect((await status(vaults.getSecret({ vaultId, path: "db/password" }, { headers: narrow.headers })))[1]).toBe('scopes do not cover read on "db/password"');
    expect((await vaults.listSecrets({ vaultId }, { headers: narrow.headers })).secrets.map((s) => s.path)).toEqual(["api-keys/openai"]);
  });

  it("is refused private_key and ssh_key secrets when it uses the Intents API", async () => {
    const vaultId = await stockedVault();
    const signer = await register({ intentsApiEnabled: true });
    await grant(vaultId, signer.id, "**", ["read"]);
    expect((await vaults.getSecret({ vaultId, path: "api-keys/openai" }, { headers: signer.headers })).secret?.version).toBe(1);
    expect(await status(vaults.getSecret({ vaultId, path: "wallets/hot" }, { headers: signer.headers }))).toEqual([
      403,
      "agents with the Intents API enabled cannot read private_key secrets; ask the server to sign instead",
    ]);
  });

  it("owns the vaults it creates, manages their policies, and its human has owner access too", async () => {
    const bot = await register();
    const { vault } = await vaults.createVault({ name: "agent-made" }, { headers: bot.headers });
    expect(vault).toMatchObject({ createdBy: bot.id, createdByType: "agent" });
    await vaults.putSecret({ vaultId: vault!.id, path: "notes/plan", value: "the plan" }, { headers: bot.headers });
    expect((await vaults.getSecret({ vaultId: vault!.id, path: "notes/plan" }, { headers: owner.headers })).secret?.value).toBe("the plan");
    const other = await register();
    await vaults.createPolicy({ vaultId: vault!.id, secretPathPattern: "notes/*", principalType: "agent", principalId: other.id, permissions: ["read"] }, { headers: bot.headers });
    expect((await vaults.getSecret({ vaultId: vault!.id, path: "notes/plan" }, { headers: other.headers })).secret?.value).toBe("the plan");
    expect((await auth.exchangeAgentToken({ apiKey: bot.apiKey })).vaultIds).toEqual([vault!.id]);
    // It manages policies only on vaults it owns.
    const foreign = await stockedVault();
    await grant(foreign, bot.id, "**", ["read"]);
    expect((await status(vaults.listPolicies({ vaultId: foreign }, { headers: bot.headers })))[0]).toBe(403);
  });
});

describe("managing agents", () => {
  it("is for the agent's creator and org owners/admins; other members only read", async () => {
    const bot = await register();
    const member = await invitedMember(harness.transport, owner, "member");
    const admin = await invitedMember(harness.transport, owner, "admin");
    expect((await agents.getAgent({ agentId: bot.id }, { headers: member.headers })).agent?.id).toBe(bot.id);
    const refusal = "only the agent's creator or an organisation owner or admin can change it";
    expect(await status(agents.updateAgent({ agentId: bot.id, description: "mine now" }, { headers: member.headers }))).toEqual([403, refusal]);
    expect(await status(agents.rotateAgentKey({ agentId: bot.id }, { headers: member.headers }))).toEqual([403, refusal]);
    expect(await status(agents.deleteAgent({ agentId: bot.id }, { headers: member.headers }))).toEqual([403, refusal]);
    const own = await register({}, member);
    expect((await agents.updateAgent({ agentId: own.id, description: "ok" }, { headers: member.headers })).agent?.description).toBe("ok");
    expect((await agents.updateAgent({ agentId: bot.id, description: "by an admin" }, { headers: admin.headers })).agent?.description).toBe("by an admin");
  });

  it("changes only the named fields, clears with null over REST semantics, and validates", async () => {
    const bot = await register({ description: "before", scopes: ["vaults:read"], tokenTtlSeconds: 600, txMaxValue: "1" });
    const { agent } = await agents.updateAgent({ agentId: bot.id, name: "renamed", updateMask: { paths: ["name", "token_ttl_seconds", "tx_max_value"] } }, { headers: owner.headers });
    expect(agent).toMatchObject({ name: "renamed", description: "before", scopes: ["vaults:read"] });
    expect([agent?.tokenTtlSeconds, agent?.txMaxValue]).toEqual([undefined, undefined]);
    const inferred = await agents.updateAgent({ agentId: bot.id, scopes: ["api-keys/**"], txDailyLimit: "2.5" }, { headers: owner.headers });
    expect(inferred.agent).toMatchObject({ name: "renamed", scopes: ["api-keys/**"], txDailyLimit: "2.5" });
    expect((await status(agents.updateAgent({ agentId: bot.id, name: "", updateMask: { paths: ["name"] } }, { headers: owner.headers })))[0]).toBe(400);
    expect((await status(agents.updateAgent({ agentId: bot.id, updateMask: { paths: ["api_key"] } }, { headers: owner.headers })))[0]).toBe(400);
    // Scope changes apply to the next request without a new token.
    const vaultId = await stockedVault();
    await grant(vaultId, bot.id, "**", ["read"]);
    expect((await status(vaults.getSecret({ vaultId, path: "db/password" }, { headers: bot.headers })))[1]).toBe('scopes do not cover read on "db/password"');
    await agents.updateAgent({ agentId: bot.id, scopes: [], updateMask: { paths: ["scopes"] } }, { headers: owner.headers });
    expect((await vaults.getSecret({ vaultId, path: "db/password" }, { headers: bot.headers })).secret?.version).toBe(1);
  });

  it("revokes outstanding tokens on deactivation and on an expiry moved into the past, not on other changes", async () => {
    const bot = await register();
    await agents.updateAgent({ agentId: bot.id, description: "still fine" }, { headers: owner.headers });
    expect((await vaults.listVaults({}, { headers: bot.headers })).vaults).toEqual([]);
    await agents.updateAgent({ agentId: bot.id, isActive: false }, { headers: owner.headers });
    expect(await status(vaults.listVaults({}, { headers: bot.headers }))).toEqual([401, "token has been revoked"]);
    await agents.updateAgent({ agentId: bot.id, isActive: true }, { headers: owner.headers });
    const again = await auth.exchangeAgentToken({ apiKey: bot.apiKey });
    const headers = { authorization: `Bearer ${again.accessToken}` };
    await agents.updateAgent({ agentId: bot.id, apiKeyExpiresAt: timestampFromDate(new Date(Date.now() - 1000)) }, { headers: owner.headers });
    expect(await status(vaults.listVaults({}, { headers }))).toEqual([401, "token has been revoked"]);
  });

  it("rotates the API key: the old key and tokens fail at once, the new key works", async () => {
    const bot = await register();
    const rotated = await agents.rotateAgentKey({ agentId: bot.id }, { headers: owner.headers });
    expect(rotated.apiKey).toMatch(/^ocv_/);
    expect(rotated.agent?.id).toBe(bot.id);
    expect(await status(auth.exchangeAgentToken({ apiKey: bot.apiKey }))).toEqual([401, "unknown or wrong agent API key"]);
    expect(await status(vaults.listVaults({}, { headers: bot.headers }))).toEqual([401, "token has been revoked"]);
    expect((await auth.exchangeAgentToken({ apiKey: rotated.apiKey })).agentId).toBe(bot.id);
  });

  it("rotates identity keys (humans only): new public keys, new private versions", async () => {
    const bot = await register();
    const before = (await agents.getAgent({ agentId: bot.id }, { headers: owner.headers })).agent!;
    expect((await status(agents.rotateAgentIdentityKeys({ agentId: bot.id }, { headers: bot.headers })))[0]).toBe(403);
    const { agent } = await agents.rotateAgentIdentityKeys({ agentId: bot.id }, { headers: owner.headers });
    expect(agent!.sshPublicKey).not.toBe(before.sshPublicKey);
    expect(agent!.ecdhPublicKey).not.toBe(before.ecdhPublicKey);
    const [{ latest_version }]: { latest_version: number }[] = await harness.database.dataSource.query(
      `SELECT "latest_version" FROM "clawkeep_secrets" WHERE "path" = $1 AND "deleted_at" IS NULL`,
      [`agents/${bot.id}/ssh/private_key`],
    );
    expect(latest_version).toBe(2);
  });

  it("deletes by deactivating and hiding: the key and tokens stop, the record stays for the audit trail", async () => {
    const bot = await register();
    await agents.deleteAgent({ agentId: bot.id }, { headers: owner.headers });
    expect(await status(vaults.listVaults({}, { headers: bot.headers }))).toEqual([401, "token has been revoked"]);
    expect(await status(auth.exchangeAgentToken({ apiKey: bot.apiKey }))).toEqual([401, "the agent is deactivated"]);
    expect((await agents.listAgents({}, { headers: owner.headers })).agents.map((a) => a.id)).not.toContain(bot.id);
    expect((await status(agents.getAgent({ agentId: bot.id }, { headers: owner.headers })))[0]).toBe(404);
    expect((await status(agents.deleteAgent({ agentId: bot.id }, { headers: owner.headers })))[0]).toBe(404);
    const [row]: { deleted_at: Date | null }[] = await harness.database.dataSource.query(`SELECT "deleted_at" FROM "clawkeep_agents" WHERE "id" = $1`, [bot.id]);
    expect(row.deleted_at).not.toBeNull();
  });
});

describe("failed exchanges", () => {
  it("are limited per key prefix with 429 and Retry-After, while correct keys are always served", async () => {
    const bot = await register();
    // A wrong key that shares the real key's prefix (what a truncated or corrupted copy looks like).
    const wrong = `${bot.apiKey.slice(0, 12)}${"A".repeat(bot.apiKey.length - 12)}`;
    for (let i = 0; i < 10; i++) expect((await status(auth.exchangeAgentToken({ apiKey: wrong })))[0]).toBe(401);
    const limited = await rejection(auth.exchangeAgentToken({ apiKey: wrong }));
    expect(httpStatusOf(limited)).toBe(429);
    expect(limited.rawMessage).toMatch(/^too many failed agent token exchanges; retry in \d+ s$/);
    expect(limited.findDetails(ErrorDetailSchema)[0]?.retryAfterSeconds).toBeGreaterThan(0);
    // The real key with the same prefix, and others, still work: successes are never limited.
    expect((await auth.exchangeAgentToken({ apiKey: bot.apiKey })).agentId).toBe(bot.id);
    await Promise.all(Array.from({ length: 20 }, () => auth.exchangeAgentToken({ apiKey: bot.apiKey })));
  });
});
