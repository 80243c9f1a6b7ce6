// Every RPC of the vault core, of agents (with enrollment review), of the organisation and of
// sharing × every kind of caller, with no unexpected success.
//
// Callers: no credential; four forged ones (expired, tampered, signed by another key, alg none);
// a user of another organisation; a member without any policy; a member with a read policy on
// api-keys/**; the vault's owner (also the organisation's owner). Each row names a valid request
// for the fixture and what each real caller must get; every forged credential must get 401
// everywhere, and a real agent token 403 on every human-only row. A row per method is required: a
// new RPC of these services fails this test until its row is written. Every cell is asserted
// softly, so a failing run names every wrong cell, not just the first; and once the whole matrix
// has run, the fixture (enrollments, shares and organisation settings included) must be exactly as
// the refused calls found it. ShareService.AccessShare is public, like the other public methods it
// has no row (test/rpc/authn.test.ts covers it).
import type { DescMethod, DescMethodStreaming } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuditService } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import { ShareService } from "../../gen/ts/clawkeep/v1/sharing_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { Access, accessOf } from "../../src/server/method-options.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { copySignedByAnotherKey, shortLivedCopy, tamperedCopy, unsecuredCopy } from "../support/tokens.js";
import { createHarness, httpStatusOf, invoke, NO_RATE_LIMIT, peerFromHeader, type Harness } from "./harness.js";
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
  /** Tells apart a second row of the same method (another target). */
  label?: string;
  expect: Record<Real, Outcome>;
  /** The request this caller sends (fresh targets for destructive calls that must succeed). */
  request: (caller: Caller) => Request | Promise<Request>;
  /** A different token for this caller's call (e.g. a session of its own to revoke). */
  token?: (caller: Real) => Promise<string>;
  /** Checks on a successful answer: what the caller may not see. */
  check?: (caller: Real, messages: unknown[]) => void | Promise<void>;
}

let harness: Harness;
let owner: Person;
let noPolicy: Person;
let withPolicy: Person;
let stranger: Person;
const tokens = {} as Record<Caller, string | undefined>;
let vaultId: string;
let policyId: string;
let policyPriority: number;
let orgA: string;
let orgB: string;
let ruleId: string;
/** A pending invitation of org A that only refused calls aim at. */
let invitationId: string;
let ownerKeyId: string;
let agentKeysVaultId: string;
let agentId: string;
let agentToken: string;
/** Pending enrollments that only refused calls aim at: naming the owner, naming the member without policy, link-only, and one of the other organisation. */
let ownerEnrollment: string;
let memberEnrollment: string;
let linkEnrollment: { id: string; approvalToken: string };
let strangerEnrollment: string;
/** The fixture's rows of clawkeep_enrollments as the setup left them. */
let enrollmentsBefore: unknown[];
/** The id of db/password (CreateShare names a secret by id on POST /v1/secrets/{secret_id}/share). */
let dbPasswordId: string;
/**
 * Shares that only refused calls aim at: the owner's of api-keys/openai with the member with
 * policy, the member with policy's of it with the member without policy, the owner's link share,
 * and a link share of the other organisation.
 */
let ownerShare: string;
let memberShare: string;
let linkShare: string;
let strangerShare: string;
/** The fixture's rows of clawkeep_shares as the setup left them. */
let sharesBefore: unknown[];
let n = 0;
let peers = 0;

const vaults = () => createClient(VaultService, harness.transport);
const org = () => createClient(OrgService, harness.transport);
const auth = () => createClient(AuthService, harness.transport);
const audit = () => createClient(AuditService, harness.transport);
const agentsClient = () => createClient(AgentService, harness.transport);
const sharing = () => createClient(ShareService, harness.transport);
const freshAgent = async () => (await agentsClient().createAgent({ name: `a${++n}` }, as(owner))).agent!.id;
const as = (person: Person) => ({ headers: person.headers });

const freshPeer = () => ({ "x-test-peer": `2001:db8::${(++peers).toString(16)}` });

/**
 * A pending enrollment naming `email` (bound to that person's organisation). Each email may enroll
 * once per 10 minutes (test/rpc/enrollments.test.ts covers that); this matrix needs several
 * enrollments naming the same people, so it lifts the cooldown first.
 */
async function enrollmentNaming(email: string): Promise<string> {
  await harness.database.dataSource.query(`DELETE FROM "clawkeep_enrollment_cooldowns" WHERE "email" = $1`, [email]);
  return (await agentsClient().enrollAgent({ name: `e${++n}`, humanEmail: email }, { headers: freshPeer() })).enrollmentId;
}
async function linkOnlyEnrollment(): Promise<{ id: string; approvalToken: string }> {
  const res = await agentsClient().enrollAgent({ name: `link${++n}` }, { headers: freshPeer() });
  return { id: res.enrollmentId, approvalToken: new URL(res.approvalUrl!).searchParams.get("token")! };
}
const enrollmentRows = (ids: string[]) => harness.database.dataSource.query(`SELECT * FROM "clawkeep_enrollments" WHERE "id" = ANY($1) ORDER BY "id"`, [ids]);

/**
 * An organisation may create 10 shares a minute (test/rpc/shares.test.ts covers that), counted
 * from clawkeep_shares."created_at"; this matrix creates more than that in org A within a minute
 * (fixture, successful CreateShare cells, fresh targets). So before each creation it moves the
 * shares of the last minute a minute back: out of the window, nothing deleted and nothing else
 * changed. The fixture's shares are moved once, before their snapshot, and are never in the window
 * again.
 */
async function liftShareLimit(): Promise<void> {
  await harness.database.dataSource.query(
    `UPDATE "clawkeep_shares" SET "created_at" = "created_at" - interval '1 minute' WHERE "org_id" = $1 AND "created_at" > clock_timestamp() - interval '1 minute'`,
    [orgA],
  );
}
/** A share of api-keys/openai (in the matrix vault) from `sender` to the user `recipient`. */
async function userShare(sender: Person, recipient: Person): Promise<string> {
  await liftShareLimit();
  const request = { vaultId, secretPath: "api-keys/openai", recipientType: "user", recipientId: recipient.id, expiresInHours: 1 };
  return (await sharing().createShare(request, as(sender))).share!.id;
}
const shareRows = (ids: string[]) => harness.database.dataSource.query(`SELECT * FROM "clawkeep_shares" WHERE "id" = ANY($1) ORDER BY "id"`, [ids]);

beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT, interceptors: (built) => [peerFromHeader, ...built] });
  owner = await signUp(harness.transport);
  noPolicy = await invitedMember(harness.transport, owner);
  withPolicy = await invitedMember(harness.transport, owner);
  stranger = await signUp(harness.transport);
  vaultId = (await vaults().createVault({ name: "matrix" }, as(owner))).vault!.id;
  for (const path of ["api-keys/openai", "db/password"]) await vaults().putSecret({ vaultId, path, value: `value of ${path}` }, as(owner));
  const policy = (await vaults().createPolicy({ vaultId, secretPathPattern: "api-keys/**", principalType: "user", principalId: withPolicy.id, permissions: ["read"] }, as(owner)))
    .policy!;
  [policyId, policyPriority] = [policy.id, policy.priority];
  expect(policyPriority).not.toBe(REFUSED_PRIORITY);
  ruleId = (await org().createIpRule({ ruleType: "deny", cidr: "198.51.100.0/24", label: "matrix" }, as(owner))).rule!.id;
  invitationId = await freshInvitation();
  ownerKeyId = (await auth().createApiKey({ name: "matrix" }, as(owner))).key!.id;
  const created = await agentsClient().createAgent({ name: "matrix agent" }, as(owner));
  agentId = created.agent!.id;
  agentToken = (await auth().exchangeAgentToken({ apiKey: created.apiKey })).accessToken;
  [{ id: agentKeysVaultId }] = await harness.database.dataSource.query(`SELECT "id" FROM "clawkeep_vaults" WHERE "name" = '__agent-keys'`);
  orgA = (await audit().queryAuditEvents({ limit: 1 }, as(owner))).events[0].orgId;
  orgB = (await audit().queryAuditEvents({ limit: 1 }, as(stranger))).events[0].orgId;
  expect(orgA).not.toBe(orgB);
  ownerEnrollment = await enrollmentNaming(owner.email);
  memberEnrollment = await enrollmentNaming(noPolicy.email);
  linkEnrollment = await linkOnlyEnrollment();
  strangerEnrollment = await enrollmentNaming(stranger.email);
  enrollmentsBefore = await enrollmentRows(fixtureEnrollments());
  expect(enrollmentsBefore.map((row) => (row as { status: string }).status)).toEqual(["pending", "pending", "pending", "pending"]);
  dbPasswordId = (await vaults().getSecret({ vaultId, path: "db/password" }, as(owner))).secret!.id;
  ownerShare = await userShare(owner, withPolicy);
  memberShare = await userShare(withPolicy, noPolicy);
  linkShare = (await sharing().createShare({ vaultId, secretPath: "api-keys/openai", recipientType: "anyone_with_link" }, as(owner))).share!.id;
  const elsewhere = (await vaults().createVault({ name: "elsewhere" }, as(stranger))).vault!.id;
  await vaults().putSecret({ vaultId: elsewhere, path: "api-keys/openai", value: "the other organisation's" }, as(stranger));
  strangerShare = (await sharing().createShare({ vaultId: elsewhere, secretPath: "api-keys/openai", recipientType: "anyone_with_link" }, as(stranger))).share!.id;
  await liftShareLimit();
  sharesBefore = await shareRows(fixtureShares());
  expect(sharesBefore).toHaveLength(4);
  for (const row of sharesBefore as { accepted_at: Date | null; declined_at: Date | null; revoked_at: Date | null; access_count: number }[]) {
    expect(row).toMatchObject({ accepted_at: null, declined_at: null, revoked_at: null, access_count: 0 });
  }

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
/** A new pending invitation of org A (by the owner), by id. */
async function freshInvitation(): Promise<string> {
  const email = uniqueEmail("pending");
  await org().inviteMember({ email, role: "member" }, as(owner));
  return (await org().listInvitations({}, as(owner))).invitations.find((i) => i.email === email)!.id;
}
const person: Record<Real, () => Person> = { "other org": () => stranger, "no policy": () => noPolicy, "with policy": () => withPolicy, owner: () => owner };
const ownerGets = <T>(caller: Caller, mine: () => T | Promise<T>, theirs: T): T | Promise<T> => (caller === "owner" ? mine() : theirs);

const VAULT_ONLY = { "other org": 404, "no policy": 404 } as const;
const SECRET = { vaultId: "", path: "api-keys/openai" };
const secret = (more: Request = {}) => ({ ...SECRET, vaultId, ...more });
const idsOf = (messages: unknown[], list: string) => ((messages[0] as Record<string, { id: string }[]>)[list] ?? []).map((item) => item.id);
const orgAOnly = (caller: Real) => caller !== "other org";
/** The priority the refused UpdatePolicy calls ask for; the fixture's policy must keep its own. */
const REFUSED_PRIORITY = 7;
const orgAPeople = () => [owner, noPolicy, withPolicy];
const orgOf = (caller: Real) => (orgAOnly(caller) ? orgA : orgB);
const isReal = (caller: Caller): caller is Real => (REAL as readonly string[]).includes(caller);
const ALL_OK = { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" } as const;
const NIL = "00000000-0000-0000-0000-000000000000";
const fixtureEnrollments = () => [ownerEnrollment, memberEnrollment, linkEnrollment.id, strangerEnrollment];
const fixtureShares = () => [ownerShare, memberShare, linkShare, strangerShare];
/** For the deciding cells: a fresh share from `sender` to `recipient` when `fresh`; everyone else aims at `fixture`. */
const freshShare = (sender: () => Person, recipient: () => Person, fixture: () => string, fresh: (caller: Caller) => boolean) => async (caller: Caller) => ({
  shareId: fresh(caller) ? await userShare(sender(), recipient()) : fixture(),
});
/** What a share list may show the caller: only shares that `column` says are theirs, and which of the fixture's. */
async function onlyOwnShares(caller: Real, messages: unknown[], column: "sender_id" | "recipient_user_id", fixtureMine: string[]) {
  const ids = idsOf(messages, "shares");
  expect(ids.filter((id) => fixtureShares().includes(id)).sort()).toEqual([...fixtureMine].sort());
  const rows: { org_id: string; who: string }[] = await harness.database.dataSource.query(
    `SELECT DISTINCT "org_id", "${column}" AS "who" FROM "clawkeep_shares" WHERE "id" = ANY($1)`,
    [ids],
  );
  expect(rows.map((row) => row.who)).toEqual(ids.length > 0 ? [person[caller]().id] : []);
  expect(rows.map((row) => row.org_id)).toEqual(ids.length > 0 ? [orgOf(caller)] : []);
}
/** A share the caller created just now, in their own name and organisation. */
async function createdBy(caller: Real, messages: unknown[], expected: Record<string, unknown>) {
  const { share } = messages[0] as { share: { id: string; shareUrl: string } };
  expect(share).toMatchObject(expected);
  expect(share.shareUrl).toBe(`${harness.app.publicUrl}/v1/share/${share.id}`);
  const [row] = await shareRows([share.id]);
  expect(row).toMatchObject({ org_id: orgOf(caller), sender_type: "user", sender_id: person[caller]().id, revoked_at: null });
}
const inAnHour = () => timestampFromDate(new Date(Date.now() + 3600_000));
/** For the approving cells: a fresh pending enrollment naming `email`; everyone else aims at `fixture`. */
const freshNaming = (email: () => string, fixture: () => string, fresh: (caller: Caller) => boolean) => async (caller: Caller) => ({
  enrollmentId: fresh(caller) ? await enrollmentNaming(email()) : fixture(),
});
/** A decision the caller made, in their own name and organisation. */
function decidedBy(caller: Real, status: "approved" | "denied", messages: unknown[]) {
  const { enrollment, agent } = messages[0] as { enrollment: { status: string; decidedBy: string; agentId: string }; agent?: { id: string; createdBy: string; orgId: string } };
  expect(enrollment).toMatchObject({ status, decidedBy: person[caller]().id });
  if (status === "denied") return expect(enrollment.agentId).toBe(NIL);
  expect(agent).toMatchObject({ createdBy: person[caller]().id, orgId: orgOf(caller), isActive: true });
  expect(enrollment.agentId).toBe(agent!.id);
}

/** Audit events (of a query or a replayed watch) belong to the caller's organisation only. */
async function onlyOwnOrganisation(caller: Real, events: { id: string; orgId: string; resourceId: string; details?: { vault_id?: string } }[]) {
  expect(events.length, `${caller} sees no audit event at all`).toBeGreaterThan(0);
  expect(new Set(events.map((e) => e.orgId))).toEqual(new Set([orgAOnly(caller) ? orgA : orgB]));
  expect(events.some((e) => e.resourceId === vaultId || e.details?.vault_id === vaultId)).toBe(orgAOnly(caller));
  if (!orgAOnly(caller)) {
    const orgAEvents = new Set((await audit().queryAuditEvents({ limit: 1000 }, as(owner))).events.map((e) => e.id));
    expect(events.filter((e) => orgAEvents.has(e.id))).toEqual([]);
  }
}

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
  {
    method: VaultService.method.getSecret,
    expect: { ...VAULT_ONLY, "with policy": "ok", owner: "ok" },
    request: () => secret(),
    check: (_caller, messages) => expect((messages[0] as { secret: { value: string } }).secret.value).toBe("value of api-keys/openai"),
  },
  {
    method: VaultService.method.getSecret,
    label: "outside the read policy",
    expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" },
    request: () => secret({ path: "db/password" }),
    check: (_caller, messages) => expect((messages[0] as { secret: { value: string } }).secret.value).toBe("value of db/password"),
  },
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
  // The same callers as ListPolicies: the owner learns who reads api-keys/openai and why.
  {
    method: VaultService.method.checkPathAccess,
    expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" },
    request: () => ({ vaultId, path: "api-keys/openai" }),
    check: (_caller, messages) =>
      expect((messages[0] as { principals: unknown[] }).principals).toEqual([
        expect.objectContaining({ principalType: "user", principalId: owner.id, reason: "owner", policyIds: [] }),
        expect.objectContaining({ principalType: "user", principalId: withPolicy.id, reason: "policy", policyIds: [policyId], conditional: false }),
      ]),
  },
  {
    method: VaultService.method.updatePolicy,
    expect: { ...VAULT_ONLY, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ vaultId, policyId: await freshPolicy(), priority: REFUSED_PRIORITY }), { vaultId, policyId, priority: REFUSED_PRIORITY }),
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
    check: (caller, messages) => onlyOwnOrganisation(caller, (messages[0] as { events: Parameters<typeof onlyOwnOrganisation>[1] }).events),
  },
  {
    method: AuditService.method.verifyAuditChain,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    check: (_caller, messages) => expect(messages[0]).toMatchObject({ chainValid: true }),
  },
  // Replayed from the very first cursor: the whole history of the caller's organisation, nothing else.
  {
    method: AuditService.method.watchAuditEvents,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({ cursor: "0" }),
    check: (caller, messages) => onlyOwnOrganisation(caller, (messages as { event: Parameters<typeof onlyOwnOrganisation>[1][number] }[]).map((m) => m.event)),
  },

  // OrgService
  {
    method: OrgService.method.listOrgMembers,
    expect: { "other org": "ok", "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({}),
    check: (caller, messages) => {
      const members = (messages[0] as { members: { id: string; email: string }[] }).members;
      for (const someone of orgAPeople()) {
        expect(members.some((m) => m.id === someone.id || m.email === someone.email)).toBe(orgAOnly(caller));
      }
    },
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
    method: OrgService.method.listInvitations,
    expect: { "other org": "ok", "no policy": 403, "with policy": 403, owner: "ok" },
    request: () => ({}),
    check: (caller, messages) => expect(idsOf(messages, "invitations").includes(invitationId)).toBe(orgAOnly(caller)),
  },
  {
    method: OrgService.method.revokeInvitation,
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: (caller) => ownerGets(caller, async () => ({ invitationId: await freshInvitation() }), { invitationId }),
  },
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
  {
    method: OrgService.method.getOrgSettings,
    expect: ALL_OK,
    request: () => ({}),
    check: async (caller, messages) => {
      const [row] = await harness.database.dataSource.query(`SELECT "agent_key_claim" FROM "clawkeep_orgs" WHERE "id" = $1`, [orgOf(caller)]);
      expect((messages[0] as { settings: { agentKeyClaim: boolean } }).settings.agentKeyClaim).toBe(row.agent_key_claim);
    },
  },
  // Owners and admins only. The refused members ask to turn agent-side key delivery off in org A;
  // the owner sets it on (as it is), the other organisation's owner turns it off in theirs only.
  {
    method: OrgService.method.updateOrgSettings,
    expect: { "other org": "ok", "no policy": 403, "with policy": 403, owner: "ok" },
    request: (caller) => ({ agentKeyClaim: caller === "owner" }),
    check: (caller, messages) => expect((messages[0] as { settings: { agentKeyClaim: boolean } }).settings.agentKeyClaim).toBe(caller === "owner"),
  },
  { method: OrgService.method.createIpRule, expect: { "other org": "ok", "no policy": 403, "with policy": 403, owner: "ok" }, request: () => ({ ruleType: "deny", cidr: `192.0.2.${++n % 250}/32` }) },
  {
    method: OrgService.method.deleteIpRule,
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: (caller) =>
      ownerGets(caller, async () => ({ ruleId: (await org().createIpRule({ ruleType: "deny", cidr: `203.0.113.${++n % 250}/32` }, as(owner))).rule!.id }), { ruleId }),
  },

  // AgentService: humans of the organisation see its agents; the agent's creator (here the
  // owner) and org owners/admins change them.
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

  // Enrollment review: every human of the organisation sees its enrollments, another organisation
  // never does (404). An enrollment naming someone is decided by that person or an organisation
  // owner/admin; other members get 403. A link-only enrollment belongs to no organisation: whoever
  // holds its approval token sees it and decides it into their own organisation.
  {
    method: AgentService.method.listEnrollments,
    expect: ALL_OK,
    request: () => ({ limit: 200 }),
    check: (caller, messages) => {
      const ids = idsOf(messages, "enrollments");
      for (const id of [ownerEnrollment, memberEnrollment]) expect(ids.includes(id)).toBe(orgAOnly(caller));
      expect(ids.includes(strangerEnrollment)).toBe(!orgAOnly(caller));
      expect(ids).not.toContain(linkEnrollment.id);
    },
  },
  {
    method: AgentService.method.getEnrollment,
    expect: { "other org": 404, "no policy": "ok", "with policy": "ok", owner: "ok" },
    request: () => ({ enrollmentId: ownerEnrollment }),
    check: (_caller, messages) =>
      expect((messages[0] as { enrollment: unknown }).enrollment).toMatchObject({ id: ownerEnrollment, humanEmail: owner.email, status: "pending", decidedBy: "", agentId: NIL }),
  },
  {
    method: AgentService.method.getEnrollment,
    label: "link-only, with its approval token",
    expect: ALL_OK,
    request: () => ({ enrollmentId: linkEnrollment.id, approvalToken: linkEnrollment.approvalToken }),
    check: (_caller, messages) => expect((messages[0] as { enrollment: unknown }).enrollment).toMatchObject({ id: linkEnrollment.id, humanEmail: "", status: "pending" }),
  },
  {
    method: AgentService.method.getEnrollment,
    label: "link-only, without its approval token",
    expect: { "other org": 404, "no policy": 404, "with policy": 404, owner: 404 },
    request: () => ({ enrollmentId: linkEnrollment.id }),
  },
  // Replayed from the very first cursor: the organisation's enrollment events, nobody else's.
  {
    method: AgentService.method.watchEnrollments,
    expect: ALL_OK,
    request: () => ({ cursor: "0.0" }),
    check: async (caller, messages) => {
      const ids = (messages as { enrollment: { id: string } }[]).map((m) => m.enrollment.id);
      expect(ids).toEqual(expect.arrayContaining(orgAOnly(caller) ? [ownerEnrollment, memberEnrollment] : [strangerEnrollment]));
      const orgs: { org_id: string }[] = await harness.database.dataSource.query(`SELECT DISTINCT "org_id" FROM "clawkeep_enrollments" WHERE "id" = ANY($1)`, [ids]);
      expect(orgs.map((row) => row.org_id)).toEqual([orgOf(caller)]);
    },
  },
  {
    method: AgentService.method.approveEnrollment,
    label: "naming the owner",
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: freshNaming(() => owner.email, () => ownerEnrollment, (c) => c === "owner"),
    check: (caller, messages) => decidedBy(caller, "approved", messages),
  },
  {
    method: AgentService.method.approveEnrollment,
    label: "naming the member without policy",
    expect: { "other org": 404, "no policy": "ok", "with policy": 403, owner: "ok" },
    request: freshNaming(() => noPolicy.email, () => memberEnrollment, (c) => c === "no policy" || c === "owner"),
    check: (caller, messages) => decidedBy(caller, "approved", messages),
  },
  {
    method: AgentService.method.approveEnrollment,
    label: "link-only, with its approval token",
    expect: ALL_OK,
    request: async (caller) => {
      const link = isReal(caller) ? await linkOnlyEnrollment() : linkEnrollment;
      return { enrollmentId: link.id, approvalToken: link.approvalToken };
    },
    check: (caller, messages) => decidedBy(caller, "approved", messages),
  },
  {
    method: AgentService.method.denyEnrollment,
    label: "naming the owner",
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: freshNaming(() => owner.email, () => ownerEnrollment, (c) => c === "owner"),
    check: (caller, messages) => decidedBy(caller, "denied", messages),
  },
  {
    method: AgentService.method.denyEnrollment,
    label: "naming the member without policy",
    expect: { "other org": 404, "no policy": "ok", "with policy": 403, owner: "ok" },
    request: freshNaming(() => noPolicy.email, () => memberEnrollment, (c) => c === "no policy" || c === "owner"),
    check: (caller, messages) => decidedBy(caller, "denied", messages),
  },

  // ShareService: a share is made of a secret the sender may read (no vault access: 404, a policy
  // that does not cover the path: 403), for a user of the sender's organisation. Its sender and the
  // organisation's owners/admins revoke it, anyone else of the organisation gets 403, another
  // organisation 404. Only its recipient accepts or declines it (404 for everyone else, who does
  // not learn it exists); a link share has no recipient (400). Lists show the caller's own shares.
  {
    method: ShareService.method.createShare,
    expect: { "other org": 404, "no policy": 404, "with policy": "ok", owner: "ok" },
    request: async () => {
      await liftShareLimit();
      return { vaultId, secretPath: "api-keys/openai", recipientType: "user", recipientId: noPolicy.id, expiresInHours: 1 };
    },
    check: (caller, messages) => createdBy(caller, messages, { recipientType: "user", recipientEmail: noPolicy.email }),
  },
  {
    method: ShareService.method.createShare,
    label: "by secret id, with anyone with the link, outside the read policy",
    expect: { "other org": 404, "no policy": 404, "with policy": 403, owner: "ok" },
    request: async () => {
      await liftShareLimit();
      return { secretId: dbPasswordId, recipientType: "anyone_with_link", expiresAt: inAnHour(), maxAccessCount: 1 };
    },
    check: (caller, messages) => createdBy(caller, messages, { recipientType: "anyone_with_link", maxAccessCount: 1 }),
  },
  {
    method: ShareService.method.createShare,
    label: "with a user of another organisation",
    expect: { "other org": 404, "no policy": 404, "with policy": 404, owner: 404 },
    request: async () => {
      await liftShareLimit();
      return { vaultId, secretPath: "api-keys/openai", recipientType: "user", recipientId: stranger.id, expiresInHours: 1 };
    },
  },
  {
    method: ShareService.method.listOutboundShares,
    expect: ALL_OK,
    request: () => ({}),
    check: (caller, messages) =>
      onlyOwnShares(caller, messages, "sender_id", { "other org": [strangerShare], "no policy": [], "with policy": [memberShare], owner: [ownerShare, linkShare] }[caller]),
  },
  {
    method: ShareService.method.listInboundShares,
    expect: ALL_OK,
    request: () => ({}),
    check: (caller, messages) => onlyOwnShares(caller, messages, "recipient_user_id", { "other org": [], "no policy": [memberShare], "with policy": [ownerShare], owner: [] }[caller]),
  },
  {
    method: ShareService.method.revokeShare,
    label: "the owner's, with the member with policy",
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: freshShare(() => owner, () => withPolicy, () => ownerShare, (c) => c === "owner"),
  },
  {
    method: ShareService.method.revokeShare,
    label: "the member with policy's, with the member without policy",
    expect: { "other org": 404, "no policy": 403, "with policy": "ok", owner: "ok" },
    request: freshShare(() => withPolicy, () => noPolicy, () => memberShare, (c) => c === "with policy" || c === "owner"),
  },
  {
    method: ShareService.method.revokeShare,
    label: "the owner's link share",
    expect: { "other org": 404, "no policy": 403, "with policy": 403, owner: "ok" },
    request: (caller) =>
      ownerGets(
        caller,
        async () => {
          await liftShareLimit();
          return { shareId: (await sharing().createShare({ vaultId, secretPath: "api-keys/openai" }, as(owner))).share!.id };
        },
        { shareId: linkShare },
      ),
  },
  {
    method: ShareService.method.acceptShare,
    expect: { "other org": 404, "no policy": 404, "with policy": "ok", owner: 404 },
    request: freshShare(() => owner, () => withPolicy, () => ownerShare, (c) => c === "with policy"),
  },
  {
    method: ShareService.method.acceptShare,
    label: "a link share",
    expect: { "other org": 400, "no policy": 400, "with policy": 400, owner: 400 },
    request: () => ({ shareId: linkShare }),
  },
  {
    method: ShareService.method.declineShare,
    expect: { "other org": 404, "no policy": 404, "with policy": "ok", owner: 404 },
    request: freshShare(() => owner, () => withPolicy, () => ownerShare, (c) => c === "with policy"),
  },
  {
    method: ShareService.method.declineShare,
    label: "a link share",
    expect: { "other org": 400, "no policy": 400, "with policy": 400, owner: 400 },
    request: () => ({ shareId: linkShare }),
  },

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

/**
 * A server stream read until its deadline. An admitted Watch call streams until then: reaching
 * it is its success, with the messages that came before it.
 */
/** Generous, so a loaded CI machine still replays the history before the deadline cuts it off. */
const WATCH_DEADLINE_MS = 2000;

async function watch(method: DescMethod, input: Request, headers: Record<string, string>): Promise<Awaited<ReturnType<typeof invoke>>> {
  const messages: unknown[] = [];
  try {
    const res = await harness.transport.stream(method as DescMethodStreaming, undefined, WATCH_DEADLINE_MS, headers, (async function* () {
      yield input;
    })());
    for await (const message of res.message) messages.push(message);
  } catch (error) {
    const connectError = ConnectError.from(error);
    if (connectError.code !== Code.DeadlineExceeded) return { ok: false, error: connectError };
  }
  return { ok: true, messages };
}

async function call(row: Row, caller: Caller): Promise<{ outcome: Outcome; detail: string; messages: unknown[] }> {
  const token = row.token && (REAL as readonly string[]).includes(caller) ? await row.token(caller as Real) : tokens[caller];
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const request = await row.request(caller);
  const result = row.method.methodKind === "server_streaming" ? await watch(row.method, request, headers) : await invoke(harness.transport, row.method, request, headers);
  if (result.ok) return { outcome: "ok", detail: "", messages: result.messages };
  return { outcome: httpStatusOf(result.error), detail: result.error.rawMessage, messages: [] };
}

const labelOf = (row: Row) => `${row.method.parent.name}.${row.method.name}${row.label ? ` (${row.label})` : ""}`;

describe("credential × RPC matrix", () => {
  it("has a row for every method of the vault core, agents and sharing that needs a credential", () => {
    const guarded = [VaultService, AuditService, OrgService, AuthService, AgentService, ShareService].flatMap((s) => s.methods).filter((m) => accessOf(m) !== Access.PUBLIC);
    expect([...new Set(ROWS.map(labelOf).map((label) => label.replace(/ \(.*\)$/, "")))].sort()).toEqual(guarded.map((m) => `${m.parent.name}.${m.name}`).sort());
    expect(new Set(ROWS.map(labelOf)).size, "two rows with the same label").toBe(ROWS.length);
  });

  it("expects no RPC to be unimplemented: self-enrollment and sharing have landed", () => {
    expect(ROWS.filter((row) => Object.values(row.expect).includes(501)).map(labelOf)).toEqual([]);
  });

  it("forges from tokens that work: the same copy with a longer life is accepted", async () => {
    const copy = await shortLivedCopy(harness.app.jwtKeys, owner.token, 60);
    const { user } = await auth().getMe({}, { headers: { authorization: `Bearer ${copy}` } });
    expect(user?.id).toBe(owner.id);
  });

  it.each(ROWS.map((row) => [labelOf(row), row] as const))("%s", async (label, row) => {
    for (const caller of [...FORGED, ...REAL]) {
      const expected: Outcome = (FORGED as readonly string[]).includes(caller) ? 401 : row.expect[caller as Real];
      const { outcome, detail, messages } = await call(row, caller);
      expect.soft(outcome, `${caller} calling ${label}: ${detail}`).toBe(expected);
      if (outcome === "ok") {
        // Only callers the table lets through are checked for what they may see.
        if (expected === "ok") await row.check?.(caller as Real, messages);
      } else {
        // Every refusal is a sentence for the caller, not a stack trace or an empty string.
        expect.soft(detail, `${caller} calling ${label}`).toMatch(/^\S.{10,}$/s);
        expect.soft(detail, `${caller} calling ${label}`).not.toMatch(/\n\s+at /);
      }
    }
  });

  // Humans only means humans only: a working agent token is refused before any handler runs.
  it("refuses a real agent token on every human-only row with 403", async () => {
    const headers = { authorization: `Bearer ${agentToken}` };
    expect((await agentsClient().getAgentSelf({}, { headers })).agent?.id).toBe(agentId);
    const humanOnly = ROWS.filter((row) => accessOf(row.method) === Access.HUMAN);
    expect(humanOnly.map(labelOf)).toEqual(
      expect.arrayContaining([
        "AgentService.ListEnrollments",
        "AgentService.GetEnrollment",
        "AgentService.ApproveEnrollment (naming the owner)",
        "AgentService.DenyEnrollment (naming the owner)",
        "AgentService.WatchEnrollments",
        "OrgService.GetOrgSettings",
        "OrgService.UpdateOrgSettings",
      ]),
    );
    for (const row of humanOnly) {
      // The request a forged caller sends: never a fresh target.
      const request = await row.request("anonymous");
      const result = row.method.methodKind === "server_streaming" ? await watch(row.method, request, headers) : await invoke(harness.transport, row.method, request, headers);
      expect.soft(result.ok ? "ok" : httpStatusOf(result.error), labelOf(row)).toBe(403);
      if (!result.ok) expect.soft(result.error.rawMessage, labelOf(row)).toBe(`${row.method.name} is for humans; agents cannot call it`);
    }
  });

  // Agents share too (an agent hands a secret back to its human), so ShareService is not
  // human-only: a working agent token reaches the share rules, which give this agent of org A
  // (no vault, no share of its own) what they give a member of org A who is neither sender nor
  // recipient of the fixture's shares.
  const AGENT_ON_SHARES: Record<string, Outcome> = {
    "ShareService.CreateShare": 404,
    "ShareService.CreateShare (by secret id, with anyone with the link, outside the read policy)": 404,
    "ShareService.CreateShare (with a user of another organisation)": 404,
    "ShareService.ListOutboundShares": "ok",
    "ShareService.ListInboundShares": "ok",
    "ShareService.RevokeShare (the owner's, with the member with policy)": 403,
    "ShareService.RevokeShare (the member with policy's, with the member without policy)": 403,
    "ShareService.RevokeShare (the owner's link share)": 403,
    "ShareService.AcceptShare": 404,
    "ShareService.AcceptShare (a link share)": 400,
    "ShareService.DeclineShare": 404,
    "ShareService.DeclineShare (a link share)": 400,
  };
  it("lets a real agent token reach the share rules, and shows it no share of the humans'", async () => {
    const headers = { authorization: `Bearer ${agentToken}` };
    const shareRowsOfMatrix = ROWS.filter((row) => row.method.parent === ShareService);
    expect(shareRowsOfMatrix.filter((row) => accessOf(row.method) !== Access.AGENT_OR_HUMAN).map(labelOf)).toEqual([]);
    expect(shareRowsOfMatrix.map(labelOf).sort()).toEqual(Object.keys(AGENT_ON_SHARES).sort());
    for (const row of shareRowsOfMatrix) {
      // The request a forged caller sends: never a fresh target.
      const result = await invoke(harness.transport, row.method, await row.request("anonymous"), headers);
      expect.soft(result.ok ? "ok" : httpStatusOf(result.error), `${labelOf(row)}: ${result.ok ? "" : result.error.rawMessage}`).toBe(AGENT_ON_SHARES[labelOf(row)]);
      if (result.ok) expect.soft((result.messages[0] as { shares?: unknown[] }).shares ?? [], labelOf(row)).toEqual([]);
    }
  });

  // The refused calls aimed at the fixture itself (its vault, secrets, policy, member, rule, key,
  // agent, enrollments and settings); only the successes had fresh targets of their own.
  it("leaves the fixture as it was: no refused call changed anything", async () => {
    expect((await vaults().getVault({ vaultId }, as(owner))).vault?.id).toBe(vaultId);
    for (const path of ["api-keys/openai", "db/password"]) {
      expect((await vaults().getSecret({ vaultId, path }, as(owner))).secret).toMatchObject({ value: `value of ${path}`, version: 1 });
      expect((await vaults().listSecretVersions({ vaultId, path }, as(owner))).versions).toHaveLength(1);
      expect((await vaults().getSecretVersion({ vaultId, path, version: 1 }, as(owner))).secret?.value).toBe(`value of ${path}`);
    }
    expect((await vaults().getSecret({ vaultId, path: "api-keys/openai" }, as(withPolicy))).secret?.value).toBe("value of api-keys/openai");
    const policy = (await vaults().listPolicies({ vaultId }, as(owner))).policies.find((p) => p.id === policyId);
    expect(policy).toMatchObject({ priority: policyPriority, secretPathPattern: "api-keys/**", principalId: withPolicy.id, permissions: ["read"] });
    const members = (await org().listOrgMembers({}, as(owner))).members;
    expect(members.find((m) => m.id === noPolicy.id)?.role).toBe("member");
    expect(members.find((m) => m.id === withPolicy.id)?.role).toBe("member");
    expect(members.find((m) => m.id === owner.id)?.role).toBe("owner");
    expect((await org().listIpRules({}, as(owner))).rules.map((r) => r.id)).toContain(ruleId);
    expect((await org().listInvitations({}, as(owner))).invitations.map((i) => i.id)).toContain(invitationId);
    expect((await auth().listApiKeys({}, as(owner))).keys.map((k) => k.id)).toContain(ownerKeyId);
    expect((await agentsClient().getAgent({ agentId }, as(owner))).agent).toMatchObject({ id: agentId, isActive: true });
    // The enrollments only refused calls aimed at are still pending, undecided, without an agent.
    expect(await enrollmentRows(fixtureEnrollments())).toEqual(enrollmentsBefore);
    // The shares only refused calls aimed at are still unaccepted, undeclined, unrevoked and unread.
    expect(await shareRows(fixtureShares())).toEqual(sharesBefore);
    // No refused CreateShare made a share: every share of org A was made by a caller the table let
    // through (the owner, the member with policy), of a path it may read, for someone of org A.
    const made: { sender_id: string; secret_path: string; recipient_user_id: string | null }[] = await harness.database.dataSource.query(
      `SELECT "sender_id", "secret_path", "recipient_user_id" FROM "clawkeep_shares" WHERE "org_id" = $1`,
      [orgA],
    );
    expect(new Set(made.map((share) => share.sender_id))).toEqual(new Set([owner.id, withPolicy.id]));
    expect(made.filter((share) => share.sender_id === withPolicy.id && share.secret_path !== "api-keys/openai")).toEqual([]);
    expect(made.filter((share) => share.recipient_user_id === stranger.id)).toEqual([]);
    const [{ shares: orgBShares }] = await harness.database.dataSource.query(`SELECT count(*)::int AS "shares" FROM "clawkeep_shares" WHERE "org_id" = $1`, [orgB]);
    expect(orgBShares).toBe(1);
    // Org A keeps agent-side key delivery; the other organisation's owner turned it off in theirs only.
    const settings: { id: string; agent_key_claim: boolean }[] = await harness.database.dataSource.query(`SELECT "id", "agent_key_claim" FROM "clawkeep_orgs" WHERE "id" = ANY($1)`, [[orgA, orgB]]);
    expect(Object.fromEntries(settings.map((row) => [row.id, row.agent_key_claim]))).toEqual({ [orgA]: true, [orgB]: false });
    // The owner's own update set the value the refused ones would have changed back, so the audit
    // log is what shows that no refused update was written.
    const updates = (await audit().queryAuditEvents({ action: "org.settings_update", limit: 100 }, as(owner))).events;
    expect(updates.map((e) => e.actorId)).toEqual([owner.id]);
    expect((await audit().verifyAuditChain({}, as(owner))).chainValid).toBe(true);
  });
});
