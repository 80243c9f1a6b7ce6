// Pending invitations through the real routes: who sees them, what a listed invitation says,
// which ones are pending (not accepted, not expired), and that revoking one is audited and really
// stops its email from joining.
import { createClient, type Client } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import { uniqueEmail } from "../support/people.js";
import { createHarness, NO_RATE_LIMIT, type Harness, statusOf as status } from "./harness.js";
import { invitedMember, signUp, type Person } from "./people.js";

let harness: Harness;
let org: Client<typeof OrgService>;
let owner: Person;
let admin: Person;
let member: Person;
beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
  org = createClient(OrgService, harness.transport);
  owner = await signUp(harness.transport);
  admin = await invitedMember(harness.transport, owner, "admin");
  member = await invitedMember(harness.transport, owner, "member");
});
afterAll(async () => {
  await harness?.close();
});

const as = (person: Person) => ({ headers: person.headers });
async function invite(by: Person, role = "member"): Promise<{ id: string; email: string }> {
  const email = uniqueEmail("invitee");
  await org.inviteMember({ email, role }, as(by));
  const found = (await org.listInvitations({}, as(by))).invitations.find((i) => i.email === email);
  expect(found, `the invitation of ${email} is listed`).toBeDefined();
  return { id: found!.id, email };
}
const pendingIds = async (by: Person = owner) => (await org.listInvitations({}, as(by))).invitations.map((i) => i.id);

describe("ListInvitations", () => {
  it("lists what was sent, newest first, with who sent it and when it expires", async () => {
    const before = Date.now();
    const first = await invite(owner, "member");
    const second = await invite(admin, "admin");
    const { invitations } = await org.listInvitations({}, as(owner));
    const mine = invitations.filter((i) => i.id === first.id || i.id === second.id);
    expect(mine.map((i) => i.id)).toEqual([second.id, first.id]);
    expect(mine[0]).toMatchObject({ email: second.email, role: "admin", invitedBy: admin.id });
    expect(mine[1]).toMatchObject({ email: first.email, role: "member", invitedBy: owner.id });
    for (const invitation of mine) {
      const created = timestampDate(invitation.createdAt!).getTime();
      expect(created).toBeGreaterThanOrEqual(before - 1000);
      expect(created).toBeLessThanOrEqual(Date.now() + 1000);
      // Invitations last seven days (members.ts INVITATION_TTL_DAYS).
      expect(timestampDate(invitation.expiresAt!).getTime() - created).toBeCloseTo(7 * 86_400_000, -4);
    }
  });

  it("leaves out accepted and expired invitations", async () => {
    const joined = await invitedMember(harness.transport, owner);
    expect((await org.listInvitations({}, as(owner))).invitations.map((i) => i.email)).not.toContain(joined.email);
    const expiring = await invite(owner);
    await harness.database.dataSource.query(`UPDATE "clawkeep_invitations" SET "expires_at" = now() - interval '1 second' WHERE "id" = $1`, [expiring.id]);
    expect(await pendingIds()).not.toContain(expiring.id);
    // Not pending, so not revocable either.
    expect((await status(org.revokeInvitation({ invitationId: expiring.id }, as(owner))))[0]).toBe(404);
  });

  it("is for owners and admins, and shows each organisation only its own", async () => {
    const sent = await invite(owner);
    expect(await pendingIds(admin)).toContain(sent.id);
    expect(await status(org.listInvitations({}, as(member)))).toEqual([403, "only owners and admins see the organisation's invitations"]);
    const stranger = await signUp(harness.transport);
    expect(await pendingIds(stranger)).toEqual([]);
  });
});

describe("RevokeInvitation", () => {
  it("deletes the invitation, audits it, and the email no longer joins on signing up", async () => {
    const sent = await invite(owner, "admin");
    await org.revokeInvitation({ invitationId: sent.id }, as(admin));
    expect(await pendingIds()).not.toContain(sent.id);
    const events = (await createClient(AuditService, harness.transport).queryAuditEvents({ action: "org.invitation_revoke", resourceId: sent.id }, as(owner))).events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorType: "user", actorId: admin.id, resourceType: "invitation", resourceId: sent.id });
    expect(events[0].details).toEqual({ email: sent.email, role: "admin" });
    // Signing up now makes an organisation of one's own: the revoked invitation is gone.
    const newcomer = await signUp(harness.transport, sent.email);
    const { members } = await org.listOrgMembers({}, as(owner));
    expect(members.map((m) => m.id)).not.toContain(newcomer.id);
    expect((await createClient(AuthService, harness.transport).getMe({}, as(newcomer))).user?.email).toBe(sent.email);
    // A second revoke finds nothing pending.
    expect(await status(org.revokeInvitation({ invitationId: sent.id }, as(owner)))).toEqual([404, `no pending invitation ${sent.id} in your organisation`]);
  });

  it("lets only an owner revoke an invitation to the owner role; the refusal keeps it", async () => {
    const sent = await invite(owner, "owner");
    expect(await status(org.revokeInvitation({ invitationId: sent.id }, as(admin)))).toEqual([403, "only an owner can revoke an invitation to the owner role"]);
    expect(await pendingIds()).toContain(sent.id);
    await org.revokeInvitation({ invitationId: sent.id }, as(owner));
    expect(await pendingIds()).not.toContain(sent.id);
  });

  it("refuses members, and answers 404 for another organisation's or an unknown invitation", async () => {
    const sent = await invite(owner);
    expect(await status(org.revokeInvitation({ invitationId: sent.id }, as(member)))).toEqual([403, "only owners and admins revoke invitations"]);
    const stranger = await signUp(harness.transport);
    expect(await status(org.revokeInvitation({ invitationId: sent.id }, as(stranger)))).toEqual([404, `no pending invitation ${sent.id} in your organisation`]);
    expect(await pendingIds()).toContain(sent.id);
    const unknown = "0190a000-0000-7000-8000-000000000000";
    expect((await status(org.revokeInvitation({ invitationId: unknown }, as(owner))))[0]).toBe(404);
    expect(await status(org.revokeInvitation({ invitationId: "not-a-uuid" }, as(owner)))).toEqual([400, `invitation_id must be a UUID, got "not-a-uuid"`]);
  });

  it("is a declared audit action: the audit query accepts it as a filter", async () => {
    const { events } = await createClient(AuditService, harness.transport).queryAuditEvents({ action: "org.invitation_revoke", limit: 1000 }, as(owner));
    expect(events.every((e) => e.action === "org.invitation_revoke")).toBe(true);
  });
});

