// Sharing through the real routes: every recipient type, who may read, accept, decline and
// revoke, link shares with passphrase, address limits, access counts and expiry, what happens when
// the secret or the sender's access changes, the input rules, the per-organisation limit, and the
// audit trail.
import { createClient, type Client } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuditService } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { ErrorDetailSchema } from "../../gen/ts/clawkeep/v1/errors_pb.js";
import { OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import { ShareService } from "../../gen/ts/clawkeep/v1/sharing_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { createHarness, NO_RATE_LIMIT, peerFromHeader, rejection, statusOf as status, type Harness } from "./harness.js";
import { invitedMember, signUp, type Person } from "./people.js";

let harness: Harness;
let shares: Client<typeof ShareService>;
let vaults: Client<typeof VaultService>;
let agents: Client<typeof AgentService>;
let auth: Client<typeof AuthService>;

beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT, interceptors: (built) => [peerFromHeader, ...built] });
  shares = createClient(ShareService, harness.transport);
  vaults = createClient(VaultService, harness.transport);
  agents = createClient(AgentService, harness.transport);
  auth = createClient(AuthService, harness.transport);
});
afterAll(async () => {
  await harness?.close();
});

const as = (who: { headers: Record<string, string> }, more: Record<string, string> = {}) => ({ headers: { ...who.headers, ...more } });
const anonymous = (more: Record<string, string> = {}) => ({ headers: more });
const inAnHour = () => timestampFromDate(new Date(Date.now() + 3600_000));
const sql = (text: string, params: unknown[] = []) => harness.database.dataSource.query(text, params);

interface Org {
  owner: Person;
  vaultId: string;
  /** Secret ids by path: api-keys/openai, db/password, wallets/hot (a private_key). */
  secretIds: Record<string, string>;
}

/** A new organisation (each keeps under the 10-shares-a-minute limit) with a stocked vault. */
async function newOrg(): Promise<Org> {
  const owner = await signUp(harness.transport);
  const { vault } = await vaults.createVault({ name: "shared" }, as(owner));
  const secretIds: Record<string, string> = {};
  for (const [path, type] of [
    ["api-keys/openai", "api_key"],
    ["db/password", "password"],
    ["wallets/hot", "private_key"],
  ]) {
    secretIds[path] = (await vaults.putSecret({ vaultId: vault!.id, path, type, value: `value of ${path}` }, as(owner))).secret!.id;
  }
  return { owner, vaultId: vault!.id, secretIds };
}

interface Bot {
  id: string;
  headers: { authorization: string };
}

async function newAgent(org: Org, more: Record<string, unknown> = {}, pattern = "**"): Promise<Bot> {
  const created = await agents.createAgent({ name: "bot", ...more }, as(org.owner));
  const id = created.agent!.id;
  await vaults.createPolicy({ vaultId: org.vaultId, secretPathPattern: pattern, principalType: "agent", principalId: id, permissions: ["read"] }, as(org.owner));
  const { accessToken } = await auth.exchangeAgentToken({ apiKey: created.apiKey });
  return { id, headers: { authorization: `Bearer ${accessToken}` } };
}

const linkShare = async (org: Org, more: Record<string, unknown> = {}, path = "api-keys/openai") =>
  (await shares.createShare({ secretId: org.secretIds[path], recipientType: "anyone_with_link", expiresAt: inAnHour(), ...more }, as(org.owner))).share!;

/** The audit actions recorded for a share, oldest first. */
const actionsOf = async (org: Org, shareId: string) =>
  (await createClient(AuditService, harness.transport).queryAuditEvents({ resourceId: shareId, limit: 100 }, as(org.owner))).events
    .map((e) => e.action)
    .reverse();

describe("an agent shares back to its creator", () => {
  it("the human sees it inbound, accepts it and reads the latest value; the agent sees its access count", async () => {
    const org = await newOrg();
    const bot = await newAgent(org, {}, "api-keys/**");
    const { share } = await shares.createShare({ secretId: org.secretIds["api-keys/openai"], recipientType: "creator", expiresAt: inAnHour() }, as(bot));
    expect(share).toMatchObject({ recipientType: "creator", recipientEmail: org.owner.email });
    expect(share!.shareUrl).toBe(`${harness.config.publicUrl}/v1/share/${share!.id}`);

    const inbound = await shares.listInboundShares({}, as(org.owner));
    expect(inbound.shares.map((s) => [s.id, s.secretPath, s.isAccepted, s.isExpired])).toEqual([[share!.id, "api-keys/openai", false, false]]);
    expect(await status(shares.accessShare({ shareId: share!.id }, as(org.owner)))).toEqual([403, `accept this share first: POST /v1/shares/${share!.id}/accept`]);

    await shares.acceptShare({ shareId: share!.id }, as(org.owner));
    await shares.acceptShare({ shareId: share!.id }, as(org.owner)); // twice is a no-op
    const read = (await shares.accessShare({ shareId: share!.id }, as(org.owner))).sharedSecret!;
    expect(read).toMatchObject({ id: org.secretIds["api-keys/openai"], path: "api-keys/openai", type: "api_key", value: "value of api-keys/openai", accessCount: 1 });

    // A share follows rotation: the next read is the new version.
    await vaults.putSecret({ vaultId: org.vaultId, path: "api-keys/openai", type: "api_key", value: "rotated" }, as(org.owner));
    expect((await shares.accessShare({ shareId: share!.id }, as(org.owner))).sharedSecret!).toMatchObject({ value: "rotated", accessCount: 2 });

    const outbound = await shares.listOutboundShares({}, as(bot));
    expect(outbound.shares.map((s) => [s.id, s.accessCount, s.isAccepted])).toEqual([[share!.id, 2, true]]);
    expect((await shares.listOutboundShares({}, as(org.owner))).shares).toEqual([]);
    // Nobody else reads it: the agent itself, another member, an anonymous caller.
    const member = await invitedMember(harness.transport, org.owner);
    expect((await status(shares.accessShare({ shareId: share!.id }, as(bot))))[0]).toBe(403);
    expect(await status(shares.accessShare({ shareId: share!.id }, as(member)))).toEqual([403, "this share is addressed to someone else"]);
    expect((await status(shares.accessShare({ shareId: share!.id }, anonymous())))[0]).toBe(403);
    expect(await actionsOf(org, share!.id)).toEqual(["share.create", "share.access_denied", "share.accept", "share.access", "share.access", "share.access_denied", "share.access_denied", "share.access_denied"]);
  });

  it("is for agents only, and needs the creator still in the organisation", async () => {
    const org = await newOrg();
    expect(await status(shares.createShare({ secretId: org.secretIds["db/password"], recipientType: "creator", expiresAt: inAnHour() }, as(org.owner)))).toEqual([
      400,
      'recipient_type "creator" is for agents: it names the human who created or approved the calling agent',
    ]);
    const admin = await invitedMember(harness.transport, org.owner, "admin");
    const created = await agents.createAgent({ name: "orphan" }, as(admin));
    await vaults.createPolicy({ vaultId: org.vaultId, secretPathPattern: "**", principalType: "agent", principalId: created.agent!.id, permissions: ["read"] }, as(org.owner));
    const bot = { headers: { authorization: `Bearer ${(await auth.exchangeAgentToken({ apiKey: created.apiKey })).accessToken}` } };
    await createClient(OrgService, harness.transport).removeMember({ userId: admin.id }, as(org.owner));
    expect(await status(shares.createShare({ secretId: org.secretIds["db/password"], recipientType: "creator", expiresAt: inAnHour() }, as(bot)))).toEqual([
      409,
      "the human who created this agent is no longer a member of its organisation",
    ]);
  });
});

describe("user and agent recipients", () => {
  it("a member reads a user share only after accepting; declining hides it for good", async () => {
    const org = await newOrg();
    const member = await invitedMember(harness.transport, org.owner);
    const { share } = await shares.createShare({ secretId: org.secretIds["db/password"], recipientType: "user", recipientId: member.id, expiresAt: inAnHour() }, as(org.owner));
    expect(share!.recipientEmail).toBe(member.email);
    await shares.acceptShare({ shareId: share!.id }, as(member));
    expect((await shares.accessShare({ shareId: share!.id }, as(member))).sharedSecret!.value).toBe("value of db/password");
    // Someone who is not the recipient cannot accept or decline: to them the share does not exist.
    expect((await status(shares.declineShare({ shareId: share!.id }, as(org.owner))))[0]).toBe(404);

    await shares.declineShare({ shareId: share!.id }, as(member));
    await shares.declineShare({ shareId: share!.id }, as(member));
    expect((await shares.listInboundShares({}, as(member))).shares).toEqual([]);
    expect(await status(shares.accessShare({ shareId: share!.id }, as(member)))).toEqual([404, `share ${share!.id} was declined by its recipient`]);
    expect(await status(shares.acceptShare({ shareId: share!.id }, as(member)))).toEqual([409, "you declined this share; ask its sender to share the secret again"]);
    expect(await actionsOf(org, share!.id)).toEqual(["share.create", "share.accept", "share.access", "share.decline"]);
  });

  it("refuses users of another organisation, unknown agents and the caller itself", async () => {
    const org = await newOrg();
    const stranger = await signUp(harness.transport);
    const make = (more: Record<string, unknown>) => shares.createShare({ secretId: org.secretIds["db/password"], expiresAt: inAnHour(), ...more }, as(org.owner));
    expect(await status(make({ recipientType: "user", recipientId: stranger.id }))).toEqual([404, `no user ${stranger.id} in your organisation`]);
    expect(await status(make({ recipientType: "user", recipientId: org.owner.id }))).toEqual([400, "you cannot share a secret with yourself"]);
    const otherAgent = await agents.createAgent({ name: "theirs" }, as(stranger));
    expect(await status(make({ recipientType: "agent", recipientId: otherAgent.agent!.id }))).toEqual([404, `no active agent ${otherAgent.agent!.id} in your organisation`]);
    expect(await status(make({ recipientType: "external_email", email: org.owner.email }))).toEqual([400, "you cannot share a secret with yourself"]);
  });

  it("an agent reads an agent share with its own token, but never a signing key when it uses the Intents API", async () => {
    const org = await newOrg();
    const reader = await newAgent(org, {}, "nothing/**");
    const { share } = await shares.createShare({ secretId: org.secretIds["api-keys/openai"], recipientType: "agent", recipientId: reader.id, expiresAt: inAnHour() }, as(org.owner));
    expect((await shares.listInboundShares({}, as(reader))).shares.map((s) => s.id)).toEqual([share!.id]);
    await shares.acceptShare({ shareId: share!.id }, as(reader));
    expect((await shares.accessShare({ shareId: share!.id }, as(reader))).sharedSecret!.value).toBe("value of api-keys/openai");

    const signer = await newAgent(org, { intentsApiEnabled: true }, "nothing/**");
    const key = await shares.createShare({ secretId: org.secretIds["wallets/hot"], recipientType: "agent", recipientId: signer.id, expiresAt: inAnHour() }, as(org.owner));
    await shares.acceptShare({ shareId: key.share!.id }, as(signer));
    expect(await status(shares.accessShare({ shareId: key.share!.id }, as(signer)))).toEqual([
      403,
      "agents with the Intents API enabled cannot read private_key secrets; ask the server to sign instead",
    ]);
    // ...nor can such an agent share one it cannot read.
    const sharer = await newAgent(org, { intentsApiEnabled: true });
    expect((await status(shares.createShare({ secretId: org.secretIds["wallets/hot"], recipientType: "creator", expiresAt: inAnHour() }, as(sharer))))[0]).toBe(403);
  });
});

describe("external email recipients", () => {
  it("emails the address, and the share is claimed when that address signs up", async () => {
    const org = await newOrg();
    const email = uniqueEmail("outsider");
    const { share } = await shares.createShare(
      { secretId: org.secretIds["db/password"], recipientType: "external_email", email: email.toUpperCase(), expiresAt: inAnHour() },
      as(org.owner),
    );
    expect(share).toMatchObject({ recipientType: "external_email", recipientEmail: email });
    const mail: { subject: string }[] = await sql(`SELECT "subject" FROM "clawkeep_mail" WHERE "to_address" = $1`, [email]);
    expect(mail.map((m) => m.subject)).toEqual([`${org.owner.email} shared "db/password" with you`]);
    expect((await status(shares.accessShare({ shareId: share!.id }, anonymous())))[1]).toBe(
      "this share waits for its recipient to create an account with the address it was sent to",
    );

    await auth.signup({ email, password: PASSWORD });
    const { accessToken } = await auth.login({ email, password: PASSWORD });
    const outsider = { headers: { authorization: `Bearer ${accessToken}` } };
    expect((await shares.listInboundShares({}, outsider)).shares.map((s) => [s.id, s.recipientEmail])).toEqual([[share!.id, email]]);
    await shares.acceptShare({ shareId: share!.id }, outsider);
    expect((await shares.accessShare({ shareId: share!.id }, outsider)).sharedSecret!.value).toBe("value of db/password");
    expect(await actionsOf(org, share!.id)).toEqual(["share.create", "share.access_denied", "share.claim", "share.accept", "share.access"]);
  });

  it("goes straight to an address that already has an account, and is for humans only", async () => {
    const org = await newOrg();
    const elsewhere = await signUp(harness.transport);
    const { share } = await shares.createShare({ secretId: org.secretIds["db/password"], recipientType: "external_email", email: elsewhere.email, expiresAt: inAnHour() }, as(org.owner));
    expect((await shares.listInboundShares({}, as(elsewhere))).shares.map((s) => s.id)).toEqual([share!.id]);
    const bot = await newAgent(org);
    expect(await status(shares.createShare({ secretId: org.secretIds["db/password"], recipientType: "external_email", email: uniqueEmail(), expiresAt: inAnHour() }, as(bot)))).toEqual([
      403,
      "agents cannot share secrets with external email addresses",
    ]);
  });
});

describe("link shares", () => {
  it("anyone with the id reads it; a passphrase is stored hashed and checked; wrong ones are limited", async () => {
    const org = await newOrg();
    const open = await linkShare(org);
    expect((await shares.accessShare({ shareId: open.id }, anonymous())).sharedSecret!.value).toBe("value of api-keys/openai");
    expect((await shares.listOutboundShares({}, as(org.owner))).shares[0]).toMatchObject({ id: open.id, isAccepted: true, accessCount: 1 });
    expect(await status(shares.acceptShare({ shareId: open.id }, as(org.owner)))).toEqual([
      400,
      "a share for anyone with the link is addressed to nobody in particular; there is nothing to accept",
    ]);

    const locked = await linkShare(org, { passphrase: "open sesame" });
    const [{ passphrase_hash }] = await sql(`SELECT "passphrase_hash" FROM "clawkeep_shares" WHERE "id" = $1`, [locked.id]);
    expect(passphrase_hash).toMatch(/^\$argon2id\$/);
    expect((await status(shares.accessShare({ shareId: locked.id }, anonymous())))[0]).toBe(403);
    expect(await status(shares.accessShare({ shareId: locked.id, passphrase: "wrong" }, anonymous()))).toEqual([403, "the passphrase is wrong"]);
    expect((await shares.accessShare({ shareId: locked.id, passphrase: "open sesame" }, anonymous())).sharedSecret!.value).toBe("value of api-keys/openai");
    // The header stands in for the field (REST GET callers send it so).
    expect((await shares.accessShare({ shareId: locked.id }, anonymous({ "x-share-passphrase": "open sesame" }))).sharedSecret!.accessCount).toBe(2);

    const peer = { "x-test-peer": "203.0.113.77" };
    for (let i = 0; i < 9; i++) expect((await status(shares.accessShare({ shareId: locked.id, passphrase: `guess ${i}` }, anonymous(peer))))[0]).toBe(403);
    const limited = await rejection(shares.accessShare({ shareId: locked.id, passphrase: "open sesame" }, anonymous(peer)));
    const [detail] = limited.findDetails(ErrorDetailSchema);
    expect(detail.httpStatus).toBe(429);
    expect(detail.retryAfterSeconds).toBeGreaterThan(0);
    expect(limited.rawMessage).toMatch(/^too many wrong passphrases for this share; retry in \d+ s$/);
  });

  it("counts accesses exactly under concurrency and answers 410 once exhausted or expired", async () => {
    const org = await newOrg();
    const share = await linkShare(org, { maxAccessCount: 3 });
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => status(shares.accessShare({ shareId: share.id }, anonymous())).catch(() => [200, "ok"] as const)));
    expect(outcomes.filter(([code]) => code === 200)).toHaveLength(3);
    expect(outcomes.filter(([code]) => code === 410)).toHaveLength(9);
    expect(outcomes.find(([code]) => code === 410)![1]).toBe(`share ${share.id} has been accessed its maximum of 3 times`);
    expect((await shares.listOutboundShares({}, as(org.owner))).shares[0]).toMatchObject({ accessCount: 3, isExpired: true });
    expect((await actionsOf(org, share.id)).filter((a) => a === "share.access")).toHaveLength(3);

    const expiring = await linkShare(org);
    await sql(`UPDATE "clawkeep_shares" SET "expires_at" = now() - interval '1 second' WHERE "id" = $1`, [expiring.id]);
    expect((await status(shares.accessShare({ shareId: expiring.id }, anonymous())))).toEqual([410, expect.stringMatching(new RegExp(`^share ${expiring.id} expired at `))]);
  });

  it("is limited to its ip_allowlist", async () => {
    const org = await newOrg();
    const share = await linkShare(org, { ipAllowlist: ["198.51.100.0/24", "2001:db8::1"] });
    expect((await shares.accessShare({ shareId: share.id }, anonymous({ "x-test-peer": "198.51.100.20" }))).sharedSecret!.value).toBe("value of api-keys/openai");
    expect((await shares.accessShare({ shareId: share.id }, anonymous({ "x-test-peer": "2001:db8::1" }))).sharedSecret!.accessCount).toBe(2);
    expect(await status(shares.accessShare({ shareId: share.id }, anonymous({ "x-test-peer": "192.0.2.1" })))).toEqual([
      403,
      "this share cannot be read from 192.0.2.1: it is limited to 198.51.100.0/24, 2001:db8::1/128",
    ]);
  });

  it("follows the sharing organisation's IP rules, whoever reads", async () => {
    const org = await newOrg();
    const share = await linkShare(org);
    const { rule } = await createClient(OrgService, harness.transport).createIpRule({ ruleType: "deny", cidr: "203.0.113.0/24", label: "blocked" }, as(org.owner));
    expect(await status(shares.accessShare({ shareId: share.id }, anonymous({ "x-test-peer": "203.0.113.9" })))).toEqual([
      403,
      "the IP rules of the organisation that shared this secret do not admit your address 203.0.113.9",
    ]);
    expect((await shares.accessShare({ shareId: share.id }, anonymous({ "x-test-peer": "192.0.2.1" }))).sharedSecret!.accessCount).toBe(1);
    await createClient(OrgService, harness.transport).deleteIpRule({ ruleId: rule!.id }, as(org.owner));
    expect((await shares.accessShare({ shareId: share.id }, anonymous({ "x-test-peer": "203.0.113.9" }))).sharedSecret!.accessCount).toBe(2);
    expect(await actionsOf(org, share.id)).toEqual(["share.create", "share.access_denied", "share.access", "share.access"]);
  });
});

describe("revoking", () => {
  it("the sender or an org owner/admin revokes; others cannot; a revoked share is 404", async () => {
    const org = await newOrg();
    const bot = await newAgent(org);
    const member = await invitedMember(harness.transport, org.owner);
    const stranger = await signUp(harness.transport);
    const byBot = (await shares.createShare({ secretId: org.secretIds["db/password"], recipientType: "anyone_with_link", expiresAt: inAnHour() }, as(bot))).share!;
    expect(await status(shares.revokeShare({ shareId: byBot.id }, as(member)))).toEqual([403, "only the share's creator or an owner or admin of its organisation can revoke it"]);
    expect(await status(shares.revokeShare({ shareId: byBot.id }, as(stranger)))).toEqual([404, `share ${byBot.id} not found`]);
    await shares.revokeShare({ shareId: byBot.id }, as(org.owner));
    expect(await status(shares.accessShare({ shareId: byBot.id }, anonymous()))).toEqual([404, `share ${byBot.id} has been revoked`]);
    expect(await status(shares.revokeShare({ shareId: byBot.id }, as(bot)))).toEqual([404, `share ${byBot.id} has been revoked`]);
    expect((await shares.listOutboundShares({}, as(bot))).shares).toEqual([]);

    const own = await linkShare(org);
    await shares.revokeShare({ shareId: own.id }, as(org.owner));
    expect(await actionsOf(org, own.id)).toEqual(["share.create", "share.revoke"]);
    const unknown = "3f1c2b4e-8a9d-4c7e-b1f0-123456789abc";
    expect(await status(shares.accessShare({ shareId: unknown }, anonymous()))).toEqual([404, `share ${unknown} not found`]);
  });
});

describe("sharing never widens access", () => {
  it("refuses secrets the caller cannot read, and those of other organisations", async () => {
    const org = await newOrg();
    const other = await newOrg();
    const bot = await newAgent(org, {}, "api-keys/**");
    expect(await status(shares.createShare({ secretId: org.secretIds["db/password"], recipientType: "creator", expiresAt: inAnHour() }, as(bot)))).toEqual([
      403,
      'no policy allows you to read "db/password" in this vault',
    ]);
    const theirs = other.secretIds["db/password"];
    expect(await status(shares.createShare({ secretId: theirs, recipientType: "anyone_with_link", expiresAt: inAnHour() }, as(org.owner)))).toEqual([404, `secret ${theirs} not found`]);
  });

  it("stops when the sender loses read access, and when the secret or its vault is deleted", async () => {
    const org = await newOrg();
    const created = await agents.createAgent({ name: "sharer" }, as(org.owner));
    const { policy } = await vaults.createPolicy(
      { vaultId: org.vaultId, secretPathPattern: "**", principalType: "agent", principalId: created.agent!.id, permissions: ["read"] },
      as(org.owner),
    );
    const bot = { headers: { authorization: `Bearer ${(await auth.exchangeAgentToken({ apiKey: created.apiKey })).accessToken}` } };
    const share = (await shares.createShare({ secretId: org.secretIds["api-keys/openai"], recipientType: "anyone_with_link", expiresAt: inAnHour() }, as(bot))).share!;
    expect((await shares.accessShare({ shareId: share.id }, anonymous())).sharedSecret!.value).toBe("value of api-keys/openai");
    await vaults.deletePolicy({ vaultId: org.vaultId, policyId: policy!.id }, as(org.owner));
    expect(await status(shares.accessShare({ shareId: share.id }, anonymous()))).toEqual([
      403,
      `the share's sender can no longer read "api-keys/openai", so the share no longer grants it`,
    ]);
    // A refused read is not counted.
    expect((await shares.listOutboundShares({}, as(bot))).shares[0].accessCount).toBe(1);

    const deactivating = await agents.createAgent({ name: "leaver" }, as(org.owner));
    await vaults.createPolicy({ vaultId: org.vaultId, secretPathPattern: "**", principalType: "agent", principalId: deactivating.agent!.id, permissions: ["read"] }, as(org.owner));
    const leaver = { headers: { authorization: `Bearer ${(await auth.exchangeAgentToken({ apiKey: deactivating.apiKey })).accessToken}` } };
    const left = (await shares.createShare({ secretId: org.secretIds["db/password"], recipientType: "anyone_with_link", expiresAt: inAnHour() }, as(leaver))).share!;
    await agents.updateAgent({ agentId: deactivating.agent!.id, isActive: false, updateMask: { paths: ["is_active"] } }, as(org.owner));
    expect((await status(shares.accessShare({ shareId: left.id }, anonymous())))[0]).toBe(403);

    const byOwner = await linkShare(org, {}, "db/password");
    await vaults.disableSecretVersion({ vaultId: org.vaultId, path: "db/password", version: 1 }, as(org.owner));
    expect(await status(shares.accessShare({ shareId: byOwner.id }, anonymous()))).toEqual([410, 'every version of secret "db/password" is disabled']);
    await vaults.putSecret({ vaultId: org.vaultId, path: "db/password", value: "v2" }, as(org.owner));
    expect((await shares.accessShare({ shareId: byOwner.id }, anonymous())).sharedSecret!.value).toBe("v2");
    await vaults.deleteSecret({ vaultId: org.vaultId, path: "db/password" }, as(org.owner));
    expect(await status(shares.accessShare({ shareId: byOwner.id }, anonymous()))).toEqual([410, 'the shared secret "db/password" has been deleted']);
    // A new secret at the same path is another secret: the share does not follow it.
    await vaults.putSecret({ vaultId: org.vaultId, path: "db/password", value: "reborn" }, as(org.owner));
    expect((await status(shares.accessShare({ shareId: byOwner.id }, anonymous())))[0]).toBe(410);
    expect(await status(shares.createShare({ secretId: org.secretIds["db/password"], recipientType: "anyone_with_link", expiresAt: inAnHour() }, as(org.owner)))).toEqual([
      410,
      `secret ${org.secretIds["db/password"]} has been deleted`,
    ]);

    const wallet = await linkShare(org, {}, "wallets/hot");
    await vaults.deleteVault({ vaultId: org.vaultId }, as(org.owner));
    expect(await status(shares.accessShare({ shareId: wallet.id }, anonymous()))).toEqual([410, "the shared secret no longer exists (its vault was deleted)"]);
  });
});

describe("creating by vault and path (POST /v1/shares)", () => {
  it("defaults to a link share of 24 hours and takes the Python SDK's field names", async () => {
    const org = await newOrg();
    const before = Date.now();
    const { share } = await shares.createShare({ vaultId: org.vaultId, secretPath: "api-keys/openai", maxViews: 2, passphrase: "pp" }, as(org.owner));
    expect(share).toMatchObject({ recipientType: "anyone_with_link", maxAccessCount: 2 });
    const expires = Number(share!.expiresAt!.seconds) * 1000;
    expect(expires).toBeGreaterThanOrEqual(before + 24 * 3600_000 - 2000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 24 * 3600_000 + 1000);
    expect((await shares.accessShare({ shareId: share!.id, passphrase: "pp" }, anonymous())).sharedSecret!.maxAccessCount).toBe(2);

    const email = uniqueEmail("py");
    const byEmail = await shares.createShare({ vaultId: org.vaultId, secretPath: "db/password", recipientType: "external_email", recipientEmail: email, expiresInHours: 2 }, as(org.owner));
    expect(byEmail.share!.recipientEmail).toBe(email);
    expect(await status(shares.createShare({ vaultId: org.vaultId, secretPath: "missing/path", expiresInHours: 2 }, as(org.owner)))).toEqual([
      404,
      `no secret at "missing/path" in vault ${org.vaultId}`,
    ]);
  });
});

describe("input rules", () => {
  it("answers each bad field with a 400 that names it", async () => {
    const org = await newOrg();
    const secretId = org.secretIds["api-keys/openai"];
    const cases: [Record<string, unknown>, string][] = [
      [{ recipientType: "" }, "recipient_type is required: one of creator, user, agent, external_email, anyone_with_link"],
      [{ recipientType: "everyone" }, 'recipient_type must be one of creator, user, agent, external_email, anyone_with_link; got "everyone"'],
      [{ recipientType: "user" }, 'recipient_id is required for recipient_type "user"'],
      [{ recipientId: org.owner.id }, 'recipient_id is only for recipient_type "user" or "agent", not "anyone_with_link"'],
      [{ recipientType: "external_email" }, 'email is required for recipient_type "external_email"'],
      [{ recipientType: "external_email", email: "not-an-address" }, '"not-an-address" is not an email address'],
      [{ email: "a@example.com" }, 'email is only for recipient_type "external_email", not "anyone_with_link"'],
      [{ permissions: ["write"] }, 'a share can only grant "read"; permission "write" is not allowed'],
      [{ maxAccessCount: 0 }, "max_access_count must be at least 1, got 0"],
      [{ expiresAt: undefined }, "expires_at is required: when the share stops working (RFC 3339)"],
      [{ expiresAt: timestampFromDate(new Date("2020-01-01T00:00:00Z")) }, "expires_at must be in the future, got 2020-01-01T00:00:00.000Z"],
      [{ expiresAt: timestampFromDate(new Date(Date.now() + 400 * 86400_000)) }, "expires_at must be at most 8760 hours (one year) away"],
      [{ expiresAt: undefined, expiresInHours: 0 }, "expires_in_hours must be 1 to 8760, got 0"],
      [{ passphrase: "x".repeat(257) }, "passphrase must be at most 256 characters"],
      [{ ipAllowlist: ["10.0.0.0/33"] }, 'ip_allowlist[0] "10.0.0.0/33" has prefix length "33"; it must be 0-32 for IPv4'],
      [{ vaultId: org.vaultId, secretPath: "api-keys/openai" }, "name the secret one way: secret_id, or vault_id with secret_path, not both"],
    ];
    for (const [more, detail] of cases) {
      const request = { secretId, recipientType: "anyone_with_link", expiresAt: inAnHour(), ...more };
      expect(await status(shares.createShare(request, as(org.owner))), detail).toEqual([400, detail]);
    }
    expect(await status(shares.createShare({ recipientType: "anyone_with_link", expiresAt: inAnHour() }, as(org.owner)))).toEqual([
      400,
      "name the secret to share: secret_id, or vault_id with secret_path",
    ]);
    // None of the refusals used up the organisation's allowance or left a row behind.
    expect(await sql(`SELECT 1 FROM "clawkeep_shares" WHERE "org_id" = (SELECT "org_id" FROM "clawkeep_vaults" WHERE "id" = $1)`, [org.vaultId])).toEqual([]);
  });
});

describe("the per-organisation limit", () => {
  it("allows 10 shares a minute per organisation, across concurrent callers, then 429 with Retry-After", async () => {
    const org = await newOrg();
    const attempts = await Promise.all(Array.from({ length: 14 }, () => linkShare(org).then(() => "ok" as const, (error: unknown) => error)));
    expect(attempts.filter((a) => a === "ok")).toHaveLength(10);
    const refused = await rejection(linkShare(org));
    const [detail] = refused.findDetails(ErrorDetailSchema);
    expect(detail.httpStatus).toBe(429);
    expect(detail.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(detail.retryAfterSeconds).toBeLessThanOrEqual(60);
    // Another organisation is not held up by this one.
    await linkShare(await newOrg());
  });
});
