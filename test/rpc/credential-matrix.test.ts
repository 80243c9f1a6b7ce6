// Every RPC of the vault core and of agents × every kind of caller, with no unexpected success.
//
// Callers: no credential; four forged ones (expired, tampered, signed by another key, alg none);
// a user of another organisation; a member without any policy; a member with a read policy on
// api-keys/**; the vault's owner. Each row names a valid request for the fixture and what each
// real caller must get; every forged credential must get 401 everywhere. A row per method is
// required: a new RPC of these services fails this test until its row is written.
import type { DescMethod } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuditService } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { Access, accessOf } from "../../src/server/method-options.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { copySignedByAnotherKey, shortLivedCopy, tamperedCopy, unsecuredCopy } from "../support/tokens.js";
import { createHarness, httpStatusOf, invoke, NO_RATE_LIMIT, type Harness } from "./harness.js";
import { invitedMember, signUp, type Person } from "./people.js";

const FORGED = ["anonymous", "expired", "tampered", "other key", "alg none"] as const;
const REAL = ["other org", "no policy", "with policy", "owner"] as const;
type Forged = (typeof FORGED)[number];
type Real = (typeof REAL)[number];
type Caller = Forged | Real;
/** "ok", or the REST status the call must fail with. */
type Outcome = "ok" | number;
type Request = Record<string, unknown>;

interface Row {
  method: DescMethod;
  expect: Record<Real, Outcome>;
  /** The request this caller sends (fresh targets for destructive calls that must succeed). */
  request: (caller: Caller) => Request | Promise<Request>;
  /** A different token for this caller's call (e.g. a session of its own to revoke). */
  token?: (caller: Real) => Promise<string>;
  /** Checks on a successful answer: what the caller may not see. */
  check?: (caller: Real, messages: unknown[]) => void;
}

let harness: Harness;
let owner: Person;
let noPolicy: Person;
let withPolicy: Person;
let stranger: Person;
const tokens = {} as Record<Caller, string | undefined>;
let vaultId: string;
let policyId: string;
let ruleId: string;
let ownerKeyId: string;
let agentKeysVaultId: string;
let agentId: string;
let n = 0;

const vaults = () => createClient(VaultService, harness.transport);
const org = () => createClient(OrgService, harness.transport);
const auth = () => createClient(AuthService, harness.transport);
const agentsClient = () => createClient(AgentService, harness.transport);
const freshAgent = async () => (await agentsClient().createAgent({ name: `a${++n}` }, as(owner))).agent!.id;
const UUID = "00000000-0000-4000-8000-000000000001";
const as = (person: Person) => ({ headers: person.headers });

beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
  owner = await signUp(harness.transport);
  noPolicy = await invitedMember(harness.transport, owner);
  withPolicy = await invitedMember(harness.transport, owner);
  stranger = await signUp(harness.transport);
  vaultId = (await vaults().createVault({ name: "matrix" }, as(owner))).vault!.id;
  for (const path of ["api-keys/openai", "db/password"]) await vaults().putSecret({ vaultId, path, value: `value of ${path}` }, as(owner));
  policyId = (await vaults().createPolicy({ vaultId, secretPathPattern: "api-keys/**", principalType: "user", principalId: withPolicy.id, permissions: ["read"] }, as(owner)))
    .policy!.id;
  ruleId = (await org().createIpRule({ ruleType: "deny", cidr: "198.51.100.0/24", label: "matrix" }, as(owner))).rule!.id;
  ownerKeyId = (await auth().createApiKey({ name: "matrix" }, as(owner))).key!.id;
  agentId = (await agentsClient().createAgent({ name: "matrix agent" }, as(owner))).agent!.id;
  [{ id: agentKeysVaultId }] = await harness.database.dataSource.query(`SELECT "id" FROM "clawkeep_vaults" WHERE "name" = '__agent-keys'`);

  Object.assign(tokens, {
    anonymous: undefined,
    expired: await shortLivedCopy(harness.app.jwtKeys, owner.token),
    tampered: tamperedCopy(noPolicy.token, { sub: `user:${owner.id}` }),
    "other key": await copySignedByAnotherKey(owner.token),
    "alg none": unsecuredCopy(owner.token),
    "other org": stranger.token,
    "no policy": noPolicy.token,
    "with policy": withPolicy.token,
    owner: owner.token,
  });
  await new Promise((resolve) => setTimeout(resolve, 2100)); // let the 1 s token expire
});
afterAll(async () => {
  await harness?.close();
});

/** A fresh target that only the owner's successful call consumes. */
const freshSecret = async () => {
  const path = `tmp/s${++n}`;
  await vaults().putSecret({ vaultId, path, value: "disposable" }, as(owner));
  return path;
};
const freshPolicy = async () =>
  (await vaults().createPolicy({ vaultId, secretPathPattern: `tmp/p${++n}/**`, principalType: "user", principalId: owner.id, permissions: ["read"] }, as(owner))).policy!.id;
const freshMember = async () => (await invitedMember(harness.transport, owner)).id;
const person: Record<Real, () => Person> = { "other org": () => stranger, "no policy": () => noPolicy, "with policy": () => withPolicy, owner: () => owner };
const ownerGets = <T>(caller: Caller, mine: () => T | Promise<T>, theirs: T): T | Promise<T> => (caller === "owner" ? mine() : theirs);

const VAULT_ONLY = { "other org": 404, "no policy": 404 } as const;
const SECRET = { vaultId: "", path: "api-keys/openai" };
const secret = (more: Request = {}) => ({ ...SECRET, vaultId, ...more });
const idsOf = (messages: unknown[], list: string) => ((messages[0] as Record<string, { id: string }[]>)[list] ?? []).map((item) => item.id);
const orgAOnly = (caller: Real) => caller !== "other org";

const ROWS: Row[] = [
  // VaultService
  { method: VaultService.method.createVault, expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" }, request: () => ({ name: `v${++n}` }) },
  {
    method: VaultService.method.listVaults,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    check: (caller, messages) => expect(idsOf(messages, "vaults").includes(vaultId)).toBe(caller === "owner" || caller === "with policy"),
  },
  { method: VaultService.method.getVault, expect: { ...VAULT_ONLY, "with policy": "ok", owner: "ok" }, request: () => ({ vaultId }) },
  {
    method: VaultService.method.deleteVault,
    expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ vaultId: (await vaults().createVault({ name: "doomed" }, as(owner))).vault!.id }), { vaultId }),
  },
  {
    method: VaultService.method.listSecrets,
    expect: { ...VAULT_ONLY, "with policy": "ok", owner: "ok" },
    request: () => ({ vaultId }),
    check: (caller, messages) => {
      const paths = ((messages[0] as { secrets: { path: string }[] }).secrets ?? []).map((s) => s.path);
      if (caller === "with policy") expect(paths).toEqual(["api-keys/openai"]);
    },
  },
  { method: VaultService.method.putSecret, expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" }, request: (caller) => secret({ value: "overwritten", ...(caller === "owner" ? { path: `tmp/put${++n}` } : {}) }) },
  { method: VaultService.method.getSecret, expect: { ...VAULT_ONLY, "with policy": "ok", owner: "ok" }, request: () => secret() },
  {
    method: VaultService.method.deleteSecret,
    expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => secret({ path: await freshSecret() }), secret()),
  },
  { method: VaultService.method.listSecretVersions, expect: { ...VAULT_ONLY, "with policy": "ok", owner: "ok" }, request: () => secret() },
  { method: VaultService.method.getSecretVersion, expect: { ...VAULT_ONLY, "with policy": "ok", owner: "ok" }, request: () => secret({ version: 1 }) },
  {
    method: VaultService.method.disableSecretVersion,
    expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => secret({ path: await freshSecret(), version: 1 }), secret({ version: 1 })),
  },
  {
    method: VaultService.method.createPolicy,
    expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" },
    request: () => ({ vaultId, secretPathPattern: `tmp/c${++n}/**`, principalType: "user", principalId: owner.id, permissions: ["read"] }),
  },
  { method: VaultService.method.listPolicies, expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" }, request: () => ({ vaultId }) },
  {
    method: VaultService.method.updatePolicy,
    expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ vaultId, policyId: await freshPolicy(), priority: 1 }), { vaultId, policyId, priority: 1 }),
  },
  {
    method: VaultService.method.deletePolicy,
    expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ vaultId, policyId: await freshPolicy() }), { vaultId, policyId }),
  },

  // AuditService: everyone reads their own organisation's log, nobody another's.
  {
    method: AuditService.method.queryAuditEvents,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({ limit: 1000 }),
    check: (caller, messages) => {
      const events = (messages[0] as { events: { resourceId: string; details?: { vault_id?: string } }[] }).events;
      expect(events.length).toBeGreaterThan(0);
      expect(events.some((e) => e.resourceId === vaultId || e.details?.vault_id === vaultId)).toBe(orgAOnly(caller));
    },
  },
  {
    method: AuditService.method.verifyAuditChain,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    check: (_caller, messages) => expect(messages[0]).toMatchObject({ chainValid: true }),
  },
  { method: AuditService.method.watchAuditEvents, expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" }, request: () => ({}) },

  // OrgService
  {
    method: OrgService.method.listOrgMembers,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    check: (caller, messages) => expect(idsOf(messages, "members").includes(owner.id)).toBe(orgAOnly(caller)),
  },
  // Org A has an agent, so its __agent-keys vault exists; the other organisation has none.
  {
    method: OrgService.method.getAgentKeysVault,
    expect: { "other org": 404, "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    check: (_caller, messages) => expect((messages[0] as { vaultId: string }).vaultId).toBe(agentKeysVaultId),
  },
  { method: OrgService.method.inviteMember, expect: { "other org": "ok", "no policy": 403, "with policy": 403, owner: "ok" }, request: () => ({ email: uniqueEmail("matrix"), role: "member" }) },
  {
    method: OrgService.method.updateMemberRole,
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ userId: await freshMember(), role: "admin" }), { userId: noPolicy.id, role: "admin" }),
  },
  {
    method: OrgService.method.removeMember,
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ userId: await freshMember() }), { userId: noPolicy.id }),
  },
  {
    method: OrgService.method.listIpRules,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    check: (caller, messages) => expect(idsOf(messages, "rules").includes(ruleId)).toBe(orgAOnly(caller)),
  },
  { method: OrgService.method.createIpRule, expect: { "other org": "ok", "no policy": 403, "with policy": 403, owner: "ok" }, request: () => ({ ruleType: "deny", cidr: `192.0.2.${++n % 250}/32` }) },
  {
    method: OrgService.method.deleteIpRule,
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: (caller) =>
      ownerGets(caller, async () => ({ ruleId: (await org().createIpRule({ ruleType: "deny", cidr: `203.0.113.${++n % 250}/32` }, as(owner))).rule!.id }), { ruleId }),
  },

  // AgentService: humans of the organisation see its agents; the agent's creator (here the
  // owner) and org owners/admins change them; self-enrollment has not landed yet (501).
  { method: AgentService.method.createAgent, expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" }, request: () => ({ name: `a${++n}` }) },
  {
    method: AgentService.method.listAgents,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    check: (caller, messages) => expect(idsOf(messages, "agents").includes(agentId)).toBe(orgAOnly(caller)),
  },
  { method: AgentService.method.getAgent, expect: { "other org": 404, "no policy": "ok", "with policy": "ok", owner: "ok" }, request: () => ({ agentId }) },
  { method: AgentService.method.getAgentSelf, expect: { "other org": 403, "no policy": 403, "with policy": 403, owner: 403 }, request: () => ({}) },
  {
    method: AgentService.method.updateAgent,
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: () => ({ agentId, description: `d${++n}` }),
  },
  {
    method: AgentService.method.deleteAgent,
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ agentId: await freshAgent() }), { agentId }),
  },
  {
    method: AgentService.method.rotateAgentKey,
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ agentId: await freshAgent() }), { agentId }),
  },
  {
    method: AgentService.method.rotateAgentIdentityKeys,
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ agentId: await freshAgent() }), { agentId }),
  },
  ...[AgentService.method.listEnrollments, AgentService.method.getEnrollment, AgentService.method.approveEnrollment, AgentService.method.denyEnrollment, AgentService.method.watchEnrollments].map(
    (method): Row => ({ method, expect: { "other org": 501, "no policy": 501, "with policy": 501, owner: 501 }, request: () => ({ enrollmentId: UUID }) }),
  ),

  // AuthService (the methods that need a credential): self-service for every human.
  {
    method: AuthService.method.getMe,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    check: (caller, messages) => expect((messages[0] as { user: { id: string } }).user.id).toBe(person[caller]().id),
  },
  { method: AuthService.method.updateMe, expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" }, request: () => ({ displayName: "Matrix" }) },
  { method: AuthService.method.createApiKey, expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" }, request: () => ({ name: `k${++n}` }) },
  {
    method: AuthService.method.listApiKeys,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    check: (caller, messages) => expect(idsOf(messages, "keys").includes(ownerKeyId)).toBe(caller === "owner"),
  },
  {
    method: AuthService.method.revokeApiKey,
    expect: { "other org": 404, "no policy": 404, "with policy": 404, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ keyId: (await auth().createApiKey({ name: "doomed" }, as(owner))).key!.id }), { keyId: ownerKeyId }),
  },
  {
    method: AuthService.method.revokeToken,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    // Each revokes a session of its own, so the callers' main tokens live on.
    token: async (caller) => (await auth().login({ email: person[caller]().email, password: PASSWORD })).accessToken,
  },
  // Last: changing a password ends the caller's other sessions.
  {
    method: AuthService.method.changePassword,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({ currentPassword: PASSWORD, newPassword: `${PASSWORD} and more` }),
  },
];

async function call(row: Row, caller: Caller): Promise<{ outcome: Outcome; detail: string; messages: unknown[] }> {
  const token = row.token && (REAL as readonly string[]).includes(caller) ? await row.token(caller as Real) : tokens[caller];
  const streaming = row.method.methodKind === "server_streaming";
  const result = await invoke(harness.transport, row.method, await row.request(caller), token ? { authorization: `Bearer ${token}` } : {}, streaming ? 300 : undefined);
  if (result.ok) return { outcome: "ok", detail: "", messages: result.messages };
  // An admitted Watch call streams until its deadline: reaching it is its success.
  if (streaming && result.error.code === Code.DeadlineExceeded) return { outcome: "ok", detail: "", messages: [] };
  return { outcome: httpStatusOf(result.error), detail: result.error.rawMessage, messages: [] };
}

describe("credential × RPC matrix", () => {
  it("has a row for every method of the vault core and agents that needs a credential", () => {
    const guarded = [VaultService, AuditService, OrgService, AuthService, AgentService].flatMap((s) => s.methods).filter((m) => accessOf(m) !== Access.PUBLIC);
    expect(ROWS.map((r) => r.method.name).sort()).toEqual(guarded.map((m) => m.name).sort());
  });

  it("forges from tokens that work: the same copy with a longer life is accepted", async () => {
    const copy = await shortLivedCopy(harness.app.jwtKeys, owner.token, 60);
    const { user } = await auth().getMe({}, { headers: { authorization: `Bearer ${copy}` } });
    expect(user?.id).toBe(owner.id);
  });

  it.each(ROWS.map((row) => [`${row.method.parent.name}.${row.method.name}`, row] as const))("%s", async (_label, row) => {
    for (const caller of [...FORGED, ...REAL]) {
      const expected: Outcome = (FORGED as readonly string[]).includes(caller) ? 401 : row.expect[caller as Real];
      const { outcome, detail, messages } = await call(row, caller);
      expect(outcome, `${caller} calling ${row.method.name}: ${detail}`).toBe(expected);
      if (outcome === "ok") {
        row.check?.(caller as Real, messages);
      } else {
        // Every refusal is a sentence for the caller, not a stack trace or an empty string.
        expect(detail, `${caller} calling ${row.method.name}`).toMatch(/^\S.{10,}$/s);
        expect(detail).not.toMatch(/\n\s+at /);
      }
    }
  });
});
