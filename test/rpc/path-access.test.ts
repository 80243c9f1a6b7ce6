// CheckPathAccess through the real routes: who of the organisation could read (or write) a path,
// and why, checked against what the real secret read path lets each of them do from two client
// addresses: one inside the policies' IP conditions and one outside.
import { createClient, type Client } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { VaultService, type PathAccessGrant } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { createHarness, NO_RATE_LIMIT, peerFromHeader, type Harness, statusOf as status } from "./harness.js";
import { invitedMember, signUp, type Person } from "./people.js";

let harness: Harness;
let vaults: Client<typeof VaultService>;
let agents: Client<typeof AgentService>;
let owner: Person;
let vaultId: string;
let otherVaultId: string;

/** Someone who may try a read: a member, or an agent with its token. */
interface Caller {
  type: "user" | "agent";
  id: string;
  /** The test's name for it (the owner's is its email). */
  name: string;
  /** What CheckPathAccess shows: a member's email, an agent's name. */
  displayName: string;
  headers: { authorization: string };
}
const callers: Caller[] = [];
const policyIds: Record<string, string[]> = {};

const INSIDE = "203.0.113.7";
const OUTSIDE = "198.51.100.1";
const PATH = "api-keys/openai";

beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT, interceptors: (built) => [peerFromHeader, ...built] });
  vaults = createClient(VaultService, harness.transport);
  agents = createClient(AgentService, harness.transport);
  owner = await signUp(harness.transport);
  vaultId = (await vaults.createVault({ name: "checked" }, as(owner))).vault!.id;
  otherVaultId = (await vaults.createVault({ name: "elsewhere" }, as(owner))).vault!.id;
  for (const path of [PATH, "db/password"]) await vaults.putSecret({ vaultId, path, value: `value of ${path}` }, as(owner));
  callers.push({ type: "user", id: owner.id, name: owner.email, displayName: owner.email, headers: owner.headers });

  const member = async (name: string, role: "admin" | "member" = "member") => {
    const person = await invitedMember(harness.transport, owner, role);
    callers.push({ type: "user", id: person.id, name, displayName: person.email, headers: person.headers });
    policyIds[name] = [];
    return { name, principalType: "user", principalId: person.id };
  };
  const agent = async (name: string, more: Record<string, unknown> = {}) => {
    const created = await agents.createAgent({ name, ...more }, as(owner));
    const { accessToken } = await createClient(AuthService, harness.transport).exchangeAgentToken({ apiKey: created.apiKey });
    callers.push({ type: "agent", id: created.agent!.id, name, displayName: name, headers: { authorization: `Bearer ${accessToken}` } });
    policyIds[name] = [];
    return { name, principalType: "agent", principalId: created.agent!.id };
  };
  const grant = async (who: { name: string; principalType: string; principalId: string }, pattern: string, more: Record<string, unknown> = {}) => {
    const { policy } = await vaults.createPolicy(
      { vaultId, secretPathPattern: pattern, principalType: who.principalType, principalId: who.principalId, permissions: ["read"], ...more },
      as(owner),
    );
    policyIds[who.name].push(policy!.id);
  };

  await grant(await member("reader"), "api-keys/**");
  const denied = await member("denied");
  await grant(denied, "**");
  await grant(denied, PATH, { effect: "deny", priority: 5 });
  await member("admin without policy", "admin");
  await grant(await member("ip bound"), "api-keys/**", { conditions: { ip_allowlist: ["203.0.113.0/24"] } });
  const conditionalDeny = await member("conditional deny");
  await grant(conditionalDeny, "**");
  await grant(conditionalDeny, "api-keys/**", { effect: "deny", priority: 5, conditions: { ip_allowlist: ["198.51.100.0/24"] } });
  await grant(await agent("good bot"), "api-keys/**");
  await grant(await agent("scoped bot", { scopes: ["db/**"] }), "api-keys/**");
  await grant(await agent("bound elsewhere", { vaultIds: [otherVaultId] }), "api-keys/**");
  const retired = await agent("retired bot");
  await grant(retired, "api-keys/**");
  await agents.updateAgent({ agentId: retired.principalId, isActive: false }, as(owner));
});
afterAll(async () => {
  await harness?.close();
});

const as = (person: Person) => ({ headers: person.headers });
const check = (path: string, permission = "", by: Person = owner) => vaults.checkPathAccess({ vaultId, path, permission }, as(by));
const idOf = (name: string) => callers.find((c) => c.name === name)!.id;
const byName = (grants: PathAccessGrant[]) => Object.fromEntries(grants.map((g) => [callers.find((c) => c.id === g.principalId)?.name ?? g.principalId, g]));

async function canRead(caller: Caller, peer: string): Promise<boolean> {
  try {
    await vaults.getSecret({ vaultId, path: PATH }, { headers: { ...caller.headers, "x-test-peer": peer } });
    return true;
  } catch {
    return false;
  }
}

describe("CheckPathAccess", () => {
  it("names who could read a path and why", async () => {
    const res = await check(PATH);
    expect(res).toMatchObject({ vaultId, path: PATH, permission: "read" });
    const grants = byName(res.principals);
    expect(Object.keys(grants)).toEqual([owner.email, "reader", "ip bound", "conditional deny", "good bot"]);
    expect(grants[owner.email]).toMatchObject({ principalType: "user", displayName: owner.email, reason: "owner", policyIds: [], conditional: false });
    expect(grants.reader).toMatchObject({ principalType: "user", reason: "policy", policyIds: policyIds.reader, conditional: false });
    for (const grant of res.principals) expect(grant.displayName).toBe(callers.find((c) => c.id === grant.principalId)!.displayName);
    expect(grants["ip bound"]).toMatchObject({ reason: "policy", policyIds: policyIds["ip bound"], conditional: true });
    // Allowed by its "**" policy unless the conditional deny applies.
    expect(grants["conditional deny"]).toMatchObject({ reason: "policy", policyIds: [policyIds["conditional deny"][0]], conditional: true });
    expect(grants["good bot"]).toMatchObject({ principalType: "agent", principalId: idOf("good bot"), displayName: "good bot", reason: "policy", conditional: false });
  });

  it("agrees with the real read path for everyone, from inside and outside the IP conditions", async () => {
    const grants = byName((await check(PATH)).principals);
    for (const caller of callers) {
      const [inside, outside] = [await canRead(caller, INSIDE), await canRead(caller, OUTSIDE)];
      const grant = grants[caller.name];
      expect(grant !== undefined, `${caller.name}: listed, reads from inside ${inside}, outside ${outside}`).toBe(inside || outside);
      if (grant) expect(grant.conditional, `${caller.name}: conditional, reads from inside ${inside}, outside ${outside}`).toBe(!(inside && outside));
    }
    // The fixture really has principals on each side of the answer.
    expect(await canRead(callers.find((c) => c.name === "ip bound")!, INSIDE)).toBe(true);
    expect(await canRead(callers.find((c) => c.name === "ip bound")!, OUTSIDE)).toBe(false);
    expect(await canRead(callers.find((c) => c.name === "scoped bot")!, INSIDE)).toBe(false);
  });

  it("answers for another path and for write", async () => {
    const grants = byName((await check("db/password")).principals);
    expect(Object.keys(grants)).toEqual([owner.email, "denied", "conditional deny"]);
    expect(grants.denied).toMatchObject({ reason: "policy", policyIds: [policyIds.denied[0]], conditional: false });
    // Every policy grants read only: only the owner could write.
    expect((await check(PATH, "write")).principals.map((g) => g.principalId)).toEqual([owner.id]);
    expect((await check(PATH, "write")).permission).toBe("write");
  });

  it("leaves out an Intents API agent where the path holds a signing key, as a read refuses it", async () => {
    const created = await agents.createAgent({ name: "signer", intentsApiEnabled: true }, as(owner));
    const { accessToken } = await createClient(AuthService, harness.transport).exchangeAgentToken({ apiKey: created.apiKey });
    const headers = { authorization: `Bearer ${accessToken}` };
    await vaults.createPolicy({ vaultId, secretPathPattern: "wallets/**", principalType: "agent", principalId: created.agent!.id, permissions: ["read"] }, as(owner));
    await vaults.putSecret({ vaultId, path: "wallets/hot", type: "private_key", value: "0xkey" }, as(owner));
    await vaults.putSecret({ vaultId, path: "wallets/label", type: "note", value: "hot wallet" }, as(owner));
    const readers = async (path: string) => (await check(path)).principals.map((g) => g.principalId);
    expect(await readers("wallets/hot")).not.toContain(created.agent!.id);
    expect((await status(vaults.getSecret({ vaultId, path: "wallets/hot" }, { headers })))[0]).toBe(403);
    expect(await readers("wallets/label")).toContain(created.agent!.id);
    expect((await vaults.getSecret({ vaultId, path: "wallets/label" }, { headers })).secret?.value).toBe("hot wallet");
    // No secret there yet: the type cannot refuse, policies decide.
    expect(await readers("wallets/cold")).toContain(created.agent!.id);
    await agents.updateAgent({ agentId: created.agent!.id, isActive: false }, as(owner));
  });

  it("names an agent that owns a vault, and its human, as owners", async () => {
    const bot = callers.find((c) => c.name === "good bot")!;
    const own = (await vaults.createVault({ name: "the bot's" }, { headers: bot.headers })).vault!.id;
    const { principals } = await vaults.checkPathAccess({ vaultId: own, path: "anything" }, as(owner));
    expect(principals.map((g) => [g.principalType, g.principalId, g.reason])).toEqual([
      ["user", owner.id, "owner"],
      ["agent", bot.id, "owner"],
    ]);
  });

  it("is for those who may list the vault's policies", async () => {
    const admin = callers.find((c) => c.name === "admin without policy")!;
    expect((await vaults.checkPathAccess({ vaultId, path: PATH }, { headers: admin.headers })).principals.length).toBeGreaterThan(0);
    const reader = callers.find((c) => c.name === "reader")!;
    expect(await status(vaults.checkPathAccess({ vaultId, path: PATH }, { headers: reader.headers }))).toEqual([
      403,
      "only the vault's owner or an organisation owner or admin can manage its policies",
    ]);
    const stranger = await signUp(harness.transport);
    expect(await status(check(PATH, "", stranger))).toEqual([404, `vault ${vaultId} not found`]);
  });

  it("refuses a path, permission or vault id that is not one, with a sentence", async () => {
    expect(await status(check("api-keys//openai"))).toEqual([400, 'path "api-keys//openai" has an empty segment (double "/")']);
    expect(await status(check("../etc/passwd"))).toEqual([400, 'path "../etc/passwd" has a ".." segment; relative segments are not allowed']);
    expect(await status(check(""))).toEqual([400, "path is required"]);
    expect(await status(check(PATH, "admin"))).toEqual([400, 'permission must be one of read, write, delete, got "admin"']);
    expect((await status(vaults.checkPathAccess({ vaultId: "nope", path: PATH }, as(owner))))[0]).toBe(400);
  });
});
