// Self-enrollment through the real routes: the public enroll and claim, human review (list, get,
// approve with initial access, deny), limits, expiry, the organisation's key-delivery setting,
// concurrency, and the enrollment event stream. Mail goes to the development outbox, which the
// tests read; test/e2e/enrollment.test.ts covers SMTP and the browser.
import { Code, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService, type WatchEnrollmentsResponse } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { ErrorDetailSchema } from "../../gen/ts/clawkeep/v1/errors_pb.js";
import { OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { rotateMasterKek } from "../../src/domain/keys/kek-rotation.js";
import { EventBus } from "../../src/events/bus.js";
import { peerAddressKey } from "../../src/server/context.js";
import { uniqueEmail } from "../support/people.js";
import { createHarness, NO_RATE_LIMIT, rejection, statusOf, type Harness } from "./harness.js";
import { invitedMember, signUp, type Person } from "./people.js";

const NIL = "00000000-0000-0000-0000-000000000000";

let harness: Harness;
let agents: Client<typeof AgentService>;
let auth: Client<typeof AuthService>;
let vaults: Client<typeof VaultService>;
let org: Client<typeof OrgService>;
let transport: Transport;
let owner: Person;
let stranger: Person;
let addressCounter = 0;

/** Every call comes from the address in its x-test-peer header, so tests choose their own. */
const peerFromHeader: Interceptor = (next) => (req) => {
  req.contextValues.set(peerAddressKey, req.header.get("x-test-peer") ?? "198.51.100.1");
  return next(req);
};

/** A fresh client address, so per-address limits of one test do not touch another. */
function freshPeer(): { "x-test-peer": string } {
  addressCounter++;
  return { "x-test-peer": `2001:db8::${addressCounter.toString(16)}` };
}

beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
  transport = harness.mount({ env: NO_RATE_LIMIT, interceptors: (built) => [peerFromHeader, ...built] }).transport;
  agents = createClient(AgentService, transport);
  auth = createClient(AuthService, transport);
  vaults = createClient(VaultService, transport);
  org = createClient(OrgService, transport);
  owner = await signUp(transport);
  stranger = await signUp(transport);
});
afterAll(async () => {
  await harness?.close();
});

const enroll = (body: { name: string; humanEmail?: string; description?: string }, peer = freshPeer()) => agents.enrollAgent(body, { headers: peer });

/** The token in an approval URL (link-only enrollments carry it; emails carry it too). */
function tokenOf(url: string): string {
  return new URL(url).searchParams.get("token") ?? "";
}

/** An email-bound enrollment naming a new member of the owner's organisation (each email may enroll once per 10 minutes). */
async function boundEnrollment(name: string, role: "admin" | "member" = "member") {
  const member = await invitedMember(transport, owner, role);
  return { member, res: await enroll({ name, humanEmail: member.email }) };
}

async function mailTo(address: string) {
  const kept = await harness.app.mailer.outbox(500);
  return kept.filter((m) => m.to === address);
}

describe("enrolling", () => {
  it("a link-only enrollment answers 201's shape with the nil agent id, an approval_url, an enrollment_id and a claim_token", async () => {
    const res = await enroll({ name: "my-agent" });
    expect(res.agentId).toBe(NIL);
    expect(res.approvalUrl).toMatch(new RegExp(`^http://localhost:\\d+/enroll/${res.enrollmentId}\\?token=[A-Za-z0-9_-]{43}$`));
    expect(res.claimToken).toMatch(/^ckc_[A-Za-z0-9_-]{43}$/);
    expect(res.message).toContain("approval_url");
  });

  it("with the email of an existing user: bound to their organisation, emailed Allow/Deny links, no approval_url in the answer", async () => {
    const res = await enroll({ name: "mail-bot", humanEmail: owner.email.toUpperCase(), description: "fetches the weather" });
    expect(res.agentId).toBe(NIL);
    expect(res.approvalUrl).toBeUndefined();
    const [mail] = (await mailTo(owner.email)).filter((m) => m.text.includes(res.enrollmentId));
    expect(mail.subject).toBe('Approve agent "mail-bot"?');
    expect(mail.text).toContain("fetches the weather");
    expect(mail.text).toMatch(new RegExp(`Allow: http://localhost:\\d+/enroll/${res.enrollmentId}\\?token=[A-Za-z0-9_-]{43}&decision=allow`));
    expect(mail.text).toMatch(/Deny: {2}http.*&decision=deny/);
    expect(mail.html).toContain("fetches the weather");
    const { enrollments } = await agents.listEnrollments({ status: "pending" }, { headers: owner.headers });
    const listed = enrollments.find((e) => e.id === res.enrollmentId)!;
    expect(listed).toMatchObject({ name: "mail-bot", humanEmail: owner.email, status: "pending", agentId: NIL, description: "fetches the weather" });
    expect(listed.sourceIp).toMatch(/^2001:db8::/);
    expect(Number(listed.expiresAt!.seconds - listed.createdAt!.seconds)).toBe(24 * 3600);
  });

  it("an email that matches nobody gets the same answer shape, no email, and is visible to no one", async () => {
    const known = await enroll({ name: "probe", humanEmail: stranger.email });
    const nobody = uniqueEmail("nobody");
    const unknown = await enroll({ name: "probe", humanEmail: nobody });
    expect(Object.keys(unknown).sort()).toEqual(Object.keys(known).sort());
    expect(unknown.message).toBe(known.message);
    expect(unknown.approvalUrl).toBeUndefined();
    expect(await mailTo(nobody)).toHaveLength(0);
    expect(await statusOf(agents.claimEnrollment({ enrollmentId: unknown.enrollmentId, claimToken: unknown.claimToken }))).toEqual([
      409,
      "enrollment is pending approval: ask again later, at most every 5 seconds",
    ]);
    for (const person of [owner, stranger]) {
      const [status] = await statusOf(agents.getEnrollment({ enrollmentId: unknown.enrollmentId }, { headers: person.headers }));
      expect(status).toBe(404);
    }
  });

  it("refuses bad input with a 400 that names the field", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ name: "" }, "name must be 1 to 100 characters, got 0"],
      [{ name: "   " }, "name must be 1 to 100 characters, got 0"],
      [{ name: "x".repeat(101) }, "name must be 1 to 100 characters, got 101"],
      [{ name: "a\u0000b" }, "name must not contain control characters (found U+0000 at position 1); only tab, line feed and carriage return are allowed"],
      [{ name: "line\nbreak" }, "name must not contain control characters"],
      [{ name: "ok", description: "d".repeat(1001) }, "description is 1001 characters; at most 1000 are allowed"],
      [{ name: "ok", humanEmail: "not-an-email" }, '"not-an-email" is not an email address'],
    ];
    for (const [body, detail] of cases) {
      expect(await statusOf(enroll(body as { name: string }))).toEqual([400, detail]);
    }
  });

  it("allows one enrollment per email per 10 minutes, known or not, with Retry-After", async () => {
    const email = uniqueEmail("cooldown");
    await enroll({ name: "first", humanEmail: email });
    const error = await rejection(enroll({ name: "second", humanEmail: email.toUpperCase() }));
    expect(error.code).toBe(Code.ResourceExhausted);
    const [detail] = error.findDetails(ErrorDetailSchema);
    expect(detail.httpStatus).toBe(429);
    expect(detail.retryAfterSeconds).toBeGreaterThan(590);
    expect(detail.retryAfterSeconds).toBeLessThanOrEqual(600);
    expect(error.rawMessage).toMatch(/^an enrollment for this email was made less than 10 minutes ago; retry in \d+ s$/);
  });

  it("limits each address to a burst of 5, then 429 with Retry-After", async () => {
    const peer = freshPeer();
    for (let i = 0; i < 5; i++) await enroll({ name: `burst-${i}` }, peer);
    const error = await rejection(enroll({ name: "burst-6" }, peer));
    expect(error.findDetails(ErrorDetailSchema)[0]).toMatchObject({ httpStatus: 429, retryAfterSeconds: 1 });
    expect(error.rawMessage).toBe("too many enrollments from this address; retry in 1 s");
    // Another address is not affected.
    await enroll({ name: "elsewhere" });
  });
});

describe("approving", () => {
  it("a link-only enrollment is approved into the approver's organisation; the agent claims its key once and uses it", async () => {
    const res = await enroll({ name: "linky", description: "link only" });
    const token = tokenOf(res.approvalUrl!);
    // Before approval nobody's organisation has it, and the claim says to wait.
    expect((await agents.listEnrollments({}, { headers: stranger.headers })).enrollments.some((e) => e.id === res.enrollmentId)).toBe(false);
    expect((await statusOf(agents.getEnrollment({ enrollmentId: res.enrollmentId }, { headers: stranger.headers })))[0]).toBe(404);
    const seen = await agents.getEnrollment({ enrollmentId: res.enrollmentId, approvalToken: token }, { headers: stranger.headers });
    expect(seen.enrollment).toMatchObject({ name: "linky", description: "link only", status: "pending", humanEmail: "" });

    const approved = await agents.approveEnrollment({ enrollmentId: res.enrollmentId, approvalToken: token }, { headers: stranger.headers });
    expect(approved.agent).toMatchObject({ name: "linky", description: "link only", createdBy: stranger.id, isActive: true });
    expect(approved.agent!.sshPublicKey).not.toBe("");
    expect(approved.enrollment).toMatchObject({ status: "approved", decidedBy: stranger.id, agentId: approved.agent!.id });
    expect((await agents.listAgents({}, { headers: stranger.headers })).agents.map((a) => a.id)).toContain(approved.agent!.id);

    const claimed = await agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken });
    expect(claimed.agentId).toBe(approved.agent!.id);
    expect(claimed.apiKey).toMatch(/^ocv_/);
    const [mail] = (await mailTo(stranger.email)).filter((m) => m.text.includes(approved.agent!.id));
    expect(mail.subject).toBe('API key for agent "linky"');
    expect(mail.text).toContain(claimed.apiKey);
    expect(await statusOf(agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken }))).toEqual([
      410,
      "the API key of this enrollment was already claimed; ask the approver to rotate it if it was lost",
    ]);
    const exchanged = await auth.exchangeAgentToken({ agentId: claimed.agentId, apiKey: claimed.apiKey });
    const self = await agents.getAgentSelf({}, { headers: { authorization: `Bearer ${exchanged.accessToken}` } });
    expect(self.agent!.id).toBe(claimed.agentId);
    expect((await agents.getEnrollment({ enrollmentId: res.enrollmentId }, { headers: stranger.headers })).enrollment!.status).toBe("claimed");
    // Someone else holding the link now learns only that it was decided.
    expect(await statusOf(agents.getEnrollment({ enrollmentId: res.enrollmentId, approvalToken: token }, { headers: owner.headers }))).toEqual([
      409,
      "the enrollment was already decided by another organisation",
    ]);
  });

  it("approval can bind vaults and create policies; the agent reads what they allow and nothing else", async () => {
    const { vault } = await vaults.createVault({ name: "for-enrolled" }, { headers: owner.headers });
    await vaults.putSecret({ vaultId: vault!.id, path: "api-keys/openai", value: "sk-allowed" }, { headers: owner.headers });
    await vaults.putSecret({ vaultId: vault!.id, path: "db/password", value: "not-for-you" }, { headers: owner.headers });
    const { res } = await boundEnrollment("reader");
    const approved = await agents.approveEnrollment(
      { enrollmentId: res.enrollmentId, vaultIds: [vault!.id], policies: [{ vaultId: vault!.id, secretPathPattern: "api-keys/**", permissions: ["read"] }] },
      { headers: owner.headers },
    );
    expect(approved.agent!.vaultIds).toEqual([vault!.id]);
    const { apiKey } = await agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken });
    const { accessToken } = await auth.exchangeAgentToken({ apiKey });
    const headers = { authorization: `Bearer ${accessToken}` };
    expect((await vaults.getSecret({ vaultId: vault!.id, path: "api-keys/openai" }, { headers })).secret!.value).toBe("sk-allowed");
    expect((await statusOf(vaults.getSecret({ vaultId: vault!.id, path: "db/password" }, { headers })))[0]).toBe(403);
  });

  it("an approval whose initial policy is invalid changes nothing: no agent, still pending", async () => {
    const { vault: foreign } = await vaults.createVault({ name: "not-yours" }, { headers: stranger.headers });
    const { res: target } = await boundEnrollment("atomic");
    const before = (await agents.listAgents({}, { headers: owner.headers })).agents.length;
    const [status] = await statusOf(
      agents.approveEnrollment(
        { enrollmentId: target.enrollmentId, policies: [{ vaultId: foreign!.id, secretPathPattern: "**", permissions: ["read"] }] },
        { headers: owner.headers },
      ),
    );
    expect(status).toBe(404);
    expect((await agents.listAgents({}, { headers: owner.headers })).agents.length).toBe(before);
    expect((await agents.getEnrollment({ enrollmentId: target.enrollmentId }, { headers: owner.headers })).enrollment!.status).toBe("pending");
    expect(await statusOf(agents.approveEnrollment({ enrollmentId: target.enrollmentId, policies: [{ vaultId: foreign!.id, secretPathPattern: "**", permissions: ["fly"] }] }, { headers: owner.headers }))).toEqual([
      400,
      'policies[0]: permission "fly" is not one of read, write, delete',
    ]);
  });
});

describe("who decides", () => {
  it("the named member or an owner/admin decides an email-bound enrollment; other members get 403, other organisations 404, agents 403", async () => {
    const { member, res } = await boundEnrollment("picky");
    const bystander = await invitedMember(transport, owner, "member");
    expect(await statusOf(agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: bystander.headers }))).toEqual([
      403,
      "only the human the agent named, or an organisation owner or admin, can decide this enrollment",
    ]);
    expect(await statusOf(agents.denyEnrollment({ enrollmentId: res.enrollmentId }, { headers: stranger.headers }))).toEqual([404, `enrollment ${res.enrollmentId} not found`]);
    // Any member may see the organisation's enrollments.
    expect((await agents.getEnrollment({ enrollmentId: res.enrollmentId }, { headers: bystander.headers })).enrollment!.status).toBe("pending");
    const approved = await agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: member.headers });
    expect(approved.agent!.createdBy).toBe(member.id);

    const bot = await agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken });
    const { accessToken } = await auth.exchangeAgentToken({ apiKey: bot.apiKey });
    const agentHeaders = { authorization: `Bearer ${accessToken}` };
    expect((await statusOf(agents.listEnrollments({}, { headers: agentHeaders })))[0]).toBe(403);
    expect((await statusOf(agents.listEnrollments({}, {})))[0]).toBe(401);
  });

  it("deny: no agent, the claim says denied, and a second decision is 409", async () => {
    const { res } = await boundEnrollment("unwanted");
    const before = (await agents.listAgents({}, { headers: owner.headers })).agents.length;
    const denied = await agents.denyEnrollment({ enrollmentId: res.enrollmentId, reason: "never heard of it" }, { headers: owner.headers });
    expect(denied.enrollment).toMatchObject({ status: "denied", decidedBy: owner.id, agentId: NIL });
    expect((await agents.listAgents({}, { headers: owner.headers })).agents.length).toBe(before);
    expect(await statusOf(agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken }))).toEqual([
      403,
      "the enrollment was denied; this agent was not created",
    ]);
    expect(await statusOf(agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: owner.headers }))).toEqual([409, "the enrollment was already denied"]);
    expect(await statusOf(agents.denyEnrollment({ enrollmentId: res.enrollmentId }, { headers: owner.headers }))).toEqual([409, "the enrollment was already denied"]);
    const { enrollments } = await agents.listEnrollments({ status: "denied" }, { headers: owner.headers });
    expect(enrollments.map((e) => e.id)).toContain(res.enrollmentId);
    expect(enrollments.every((e) => e.status === "denied")).toBe(true);
    const audit = await harness.database.dataSource.query(`SELECT "details" FROM "clawkeep_audit_events" WHERE "action" = 'enrollment.deny' AND "resource_id" = $1`, [res.enrollmentId]);
    expect(audit[0].details).toMatchObject({ reason: "never heard of it", name: "unwanted" });
  });

  it("approving twice is 409; a link-only enrollment denied by one organisation is theirs", async () => {
    const { res } = await boundEnrollment("twice");
    await agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: owner.headers });
    expect(await statusOf(agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: owner.headers }))).toEqual([409, "the enrollment was already approved"]);
    const link = await enroll({ name: "link-denied" });
    await agents.denyEnrollment({ enrollmentId: link.enrollmentId, approvalToken: tokenOf(link.approvalUrl!) }, { headers: stranger.headers });
    expect((await agents.listEnrollments({ status: "denied" }, { headers: stranger.headers })).enrollments.map((e) => e.id)).toContain(link.enrollmentId);
  });

  it("a wrong approval token is the same 404 as an unknown enrollment", async () => {
    const link = await enroll({ name: "guarded" });
    const wrong = "A".repeat(43);
    expect(await statusOf(agents.approveEnrollment({ enrollmentId: link.enrollmentId, approvalToken: wrong }, { headers: stranger.headers }))).toEqual([
      404,
      `enrollment ${link.enrollmentId} not found`,
    ]);
    expect(await statusOf(agents.approveEnrollment({ enrollmentId: link.enrollmentId }, { headers: stranger.headers }))).toEqual([404, `enrollment ${link.enrollmentId} not found`]);
    expect(await statusOf(agents.getEnrollment({ enrollmentId: "nope" }, { headers: stranger.headers }))).toEqual([400, 'enrollment_id must be a UUID, got "nope"']);
  });
});

describe("claiming", () => {
  it("a wrong claim token is the same 404 as an unknown enrollment, and repeated failures are limited", async () => {
    const res = await enroll({ name: "claimer" });
    const peer = freshPeer();
    const wrong = { enrollmentId: res.enrollmentId, claimToken: "ckc_" + "B".repeat(43) };
    expect(await statusOf(agents.claimEnrollment(wrong, { headers: peer }))).toEqual([404, "no enrollment matches this enrollment_id and claim_token"]);
    expect(await statusOf(agents.claimEnrollment({ enrollmentId: crypto.randomUUID(), claimToken: res.claimToken }, { headers: peer }))).toEqual([
      404,
      "no enrollment matches this enrollment_id and claim_token",
    ]);
    for (let i = 0; i < 9; i++) await rejection(agents.claimEnrollment(wrong, { headers: peer }));
    const limited = await rejection(agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken }, { headers: peer }));
    expect(limited.findDetails(ErrorDetailSchema)[0].httpStatus).toBe(429);
  });

  it("many concurrent claims of one approved key: exactly one gets it", async () => {
    const { res } = await boundEnrollment("racer");
    await agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: owner.headers });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken })));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const o of outcomes.filter((o) => o.status === "rejected")) {
      expect(((o as PromiseRejectedResult).reason as Error).message).toContain("already claimed");
    }
  });

  it("many concurrent approvals of one enrollment: exactly one agent", async () => {
    const link = await enroll({ name: "contested" });
    const token = tokenOf(link.approvalUrl!);
    const deciders = [owner, stranger, owner, stranger, owner, stranger];
    const outcomes = await Promise.allSettled(deciders.map((p) => agents.approveEnrollment({ enrollmentId: link.enrollmentId, approvalToken: token }, { headers: p.headers })));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const agentsNamed = await harness.database.dataSource.query(`SELECT count(*)::int AS "n" FROM "clawkeep_agents" WHERE "name" = 'contested'`);
    expect(agentsNamed[0].n).toBe(1);
  });

  it("an organisation that turned agent-side delivery off: the claim is 403 and only the email carries the key", async () => {
    const boss = await signUp(transport);
    expect((await org.getOrgSettings({}, { headers: boss.headers })).settings).toEqual(expect.objectContaining({ agentKeyClaim: true }));
    const member = await invitedMember(transport, boss, "member");
    expect((await statusOf(org.updateOrgSettings({ agentKeyClaim: false }, { headers: member.headers })))[0]).toBe(403);
    expect((await org.updateOrgSettings({ agentKeyClaim: false }, { headers: boss.headers })).settings!.agentKeyClaim).toBe(false);
    const res = await enroll({ name: "email-only", humanEmail: boss.email });
    const approved = await agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: boss.headers });
    expect(await statusOf(agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken }))).toEqual([
      403,
      "this organisation hands keys of self-enrolled agents only to the approving human, by email; ask them for it",
    ]);
    const [mail] = (await mailTo(boss.email)).filter((m) => m.subject.startsWith("API key"));
    expect(mail.text).toContain(approved.agent!.id);
    const key = /API key: {2}(ocv_\S+)/.exec(mail.text)![1];
    expect((await auth.exchangeAgentToken({ apiKey: key })).accessToken).not.toBe("");
    // Nothing sealed waits in the row.
    const [row] = await harness.database.dataSource.query(`SELECT "key_ciphertext", "key_delivery" FROM "clawkeep_enrollments" WHERE "id" = $1`, [res.enrollmentId]);
    expect(row).toEqual({ key_ciphertext: null, key_delivery: "email_only" });
  });
});

describe("master-key rotation", () => {
  it("re-wraps a key waiting for its claim; the claim still delivers it", async () => {
    const { res } = await boundEnrollment("rotated");
    await agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: owner.headers });
    const { keyring, jwtKeys } = harness.app;
    const bus = new EventBus(harness.database, { logger: pino({ level: "silent" }) });
    const report = await rotateMasterKek({ dataSource: harness.database.dataSource, bus, keyring, jwtKeys });
    expect(report.enrollmentKeysRewrapped).toBeGreaterThanOrEqual(1);
    expect(report.versionsInUse).toEqual([report.kekVersion]);
    const [row] = await harness.database.dataSource.query(`SELECT "key_kek_version" FROM "clawkeep_enrollments" WHERE "id" = $1`, [res.enrollmentId]);
    expect(row.key_kek_version).toBe(report.kekVersion);
    const { apiKey } = await agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken });
    expect((await auth.exchangeAgentToken({ apiKey })).accessToken).not.toBe("");
  });
});

describe("expiry", () => {
  it("a pending enrollment past its 24 hours cannot be approved or claimed, and the sweep announces it once", async () => {
    const { res } = await boundEnrollment("slowpoke");
    await harness.database.dataSource.query(`UPDATE "clawkeep_enrollments" SET "expires_at" = now() - interval '1 second' WHERE "id" = $1`, [res.enrollmentId]);
    expect(await statusOf(agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: owner.headers }))).toEqual([
      410,
      "the enrollment expired before anyone decided it; the agent has to enroll again",
    ]);
    expect((await statusOf(agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken })))[0]).toBe(410);
    expect((await agents.getEnrollment({ enrollmentId: res.enrollmentId }, { headers: owner.headers })).enrollment!.status).toBe("expired");
    expect((await agents.listEnrollments({ status: "expired" }, { headers: owner.headers })).enrollments.map((e) => e.id)).toContain(res.enrollmentId);
    expect((await agents.listEnrollments({ status: "pending" }, { headers: owner.headers })).enrollments.map((e) => e.id)).not.toContain(res.enrollmentId);
    const first = await harness.app.enrollmentExpiry.sweep();
    expect(first.expired).toBeGreaterThanOrEqual(1);
    const second = await harness.app.enrollmentExpiry.sweep();
    expect(second.expired).toBe(0);
    const audit = await harness.database.dataSource.query(`SELECT count(*)::int AS "n" FROM "clawkeep_audit_events" WHERE "action" = 'enrollment.expire' AND "resource_id" = $1`, [res.enrollmentId]);
    expect(audit[0].n).toBe(1);
  });

  it("an approved key nobody claimed is wiped when its window closes; the claim then says so", async () => {
    const { res } = await boundEnrollment("late-claimer");
    await agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: owner.headers });
    await harness.database.dataSource.query(`UPDATE "clawkeep_enrollments" SET "key_claimable_until" = now() - interval '1 second' WHERE "id" = $1`, [res.enrollmentId]);
    expect((await harness.app.enrollmentExpiry.sweep()).keysWiped).toBeGreaterThanOrEqual(1);
    expect(await statusOf(agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken }))).toEqual([
      410,
      "the claim window of this enrollment has closed; ask the approver for the key or to rotate it",
    ]);
  });

  it("refuses bad list filters", async () => {
    expect(await statusOf(agents.listEnrollments({ status: "maybe" }, { headers: owner.headers }))).toEqual([
      400,
      'status must be one of pending, approved, denied, expired, claimed, got "maybe"',
    ]);
    expect(await statusOf(agents.listEnrollments({ limit: 201 }, { headers: owner.headers }))).toEqual([400, "limit must be 1-200, got 201"]);
  });
});

describe("WatchEnrollments", () => {
  /** The first `count` messages after `cursor` that `keep` keeps. */
  async function collect(headers: Record<string, string>, cursor: string, count: number, keep: (message: WatchEnrollmentsResponse) => boolean = () => true): Promise<WatchEnrollmentsResponse[]> {
    const seen: WatchEnrollmentsResponse[] = [];
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 15_000);
    try {
      for await (const message of agents.watchEnrollments({ cursor }, { headers, signal: controller.signal })) {
        if (keep(message)) seen.push(message);
        if (seen.length === count) break;
      }
    } finally {
      clearTimeout(timer);
    }
    return seen;
  }

  it("streams requested, approved and claimed of the organisation in order, and resumes after a cursor", async () => {
    const latest = { id: await harness.bus.latestCursor() };
    const { member, res } = await boundEnrollment("watched");
    await agents.enrollAgent({ name: "not-ours", humanEmail: stranger.email.replace("@", "+x@") }, { headers: freshPeer() });
    await agents.approveEnrollment({ enrollmentId: res.enrollmentId }, { headers: member.headers });
    await agents.claimEnrollment({ enrollmentId: res.enrollmentId, claimToken: res.claimToken });
    // "From now" is PostgreSQL's xmin horizon: an earlier test's events that committed just before
    // may come first, while a transaction elsewhere in the cluster held the horizon back.
    const events = await collect(owner.headers, latest.id, 3, (e) => e.enrollment!.id === res.enrollmentId);
    expect(events.map((e) => e.event)).toEqual(["requested", "approved", "claimed"]);
    expect(events.map((e) => e.enrollment!.status)).toEqual(["pending", "approved", "claimed"]);
    const resumed = await collect(owner.headers, events[0].cursor, 2);
    expect(resumed.map((e) => e.event)).toEqual(["approved", "claimed"]);
    // Another organisation's watcher sees none of it.
    const other = await rejection(
      (async () => {
        for await (const message of agents.watchEnrollments({ cursor: latest.id }, { headers: stranger.headers, timeoutMs: 1500 })) {
          if (message.enrollment!.id === res.enrollmentId) throw new Error("leaked to another organisation");
        }
      })(),
    );
    expect(other.code).toBe(Code.DeadlineExceeded);
  });

  it("refuses a cursor it never issued, and one whose events were pruned", async () => {
    expect((await statusOf(collect(owner.headers, "99999999999", 1)))[0]).toBe(400);
    expect((await statusOf(collect(owner.headers, "x1", 1)))[0]).toBe(400);
    const before = await harness.bus.latestCursor();
    await boundEnrollment("pruned");
    await harness.database.dataSource.query(`UPDATE "clawkeep_events" SET "created_at" = now() - interval '400 days'`);
    await harness.bus.prune(24);
    const error = await rejection(collect(owner.headers, before, 1));
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain("were pruned");
  });
});

describe("the cap on pending link-only enrollments", () => {
  it("refuses link-only enrollments beyond CLAWKEEP_MAX_PENDING_LINK_ENROLLMENTS with 429 until one is decided; email-bound ones are not counted", async () => {
    const capped = await createHarness({ env: { ...NO_RATE_LIMIT, CLAWKEEP_MAX_PENDING_LINK_ENROLLMENTS: "2" } });
    try {
      const client = createClient(AgentService, capped.mount({ env: NO_RATE_LIMIT, interceptors: (built) => [peerFromHeader, ...built] }).transport);
      const human = await signUp(capped.transport);
      const first = await client.enrollAgent({ name: "one" }, { headers: freshPeer() });
      const second = await client.enrollAgent({ name: "two" }, { headers: freshPeer() });
      const error = await rejection(client.enrollAgent({ name: "three" }, { headers: freshPeer() }));
      const [detail] = error.findDetails(ErrorDetailSchema);
      expect(detail.httpStatus).toBe(429);
      expect(detail.retryAfterSeconds).toBeGreaterThan(24 * 3600 - 60);
      expect(error.rawMessage).toMatch(/^too many link-only enrollments are waiting for approval \(at most 2\); retry in \d+ s, or enroll with human_email$/);
      await client.enrollAgent({ name: "by-email", humanEmail: human.email }, { headers: freshPeer() });
      await client.denyEnrollment({ enrollmentId: first.enrollmentId, approvalToken: tokenOf(first.approvalUrl!) }, { headers: human.headers });
      expect((await client.enrollAgent({ name: "three" }, { headers: freshPeer() })).approvalUrl).toContain("/enroll/");
      // Racing for the one free place lets exactly one in.
      await client.denyEnrollment({ enrollmentId: second.enrollmentId, approvalToken: tokenOf(second.approvalUrl!) }, { headers: human.headers });
      const racers = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => client.enrollAgent({ name: `racer-${i}` }, { headers: freshPeer() })));
      expect(racers.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    } finally {
      await capped.close();
    }
  });
});
