// An organisation's people over REST: invitations accepted at sign-up, roles, removal, the
// last-owner rule (also under concurrency), and isolation between organisations.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemOf } from "../support/http.js";
import { PASSWORD, uniqueEmail as newEmail } from "../support/people.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const uniqueEmail = () => newEmail("member");

async function call(method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function signup(email = uniqueEmail()): Promise<{ email: string; token: string; id: string }> {
  const res = await fetch(`${server.url}/v1/auth/signup`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password: PASSWORD }) });
  const { access_token } = (await res.json()) as { access_token: string };
  const me = (await (await call("GET", "/v1/auth/me", access_token)).json()) as { id: string };
  return { email, token: access_token, id: me.id };
}

/** An owner plus a member invited with `role` who then signed up. */
async function orgWith(role: string): Promise<{ owner: Awaited<ReturnType<typeof signup>>; other: Awaited<ReturnType<typeof signup>> }> {
  const owner = await signup();
  const email = uniqueEmail();
  expect((await call("POST", "/v1/org/invite", owner.token, { email, role })).status).toBe(200);
  return { owner, other: await signup(email) };
}

describe("organisation members", () => {
  it("lets an invited email join the inviting organisation at sign-up, with the invited role", async () => {
    const { owner, other } = await orgWith("admin");
    const list = (await (await call("GET", "/v1/org/members", owner.token)).json()) as { members: { id: string; role: string; email: string }[] };
    expect(list.members.map((m) => [m.email, m.role])).toEqual([
      [owner.email, "owner"],
      [other.email, "admin"],
    ]);
    const me = (await (await call("GET", "/v1/auth/me", other.token)).json()) as { role: string };
    expect(me.role).toBe("admin");
  });

  it("refuses invitations from members and with unknown roles; an existing account is not revealed", async () => {
    const { owner, other } = await orgWith("member");
    expect((await call("POST", "/v1/org/invite", other.token, { email: uniqueEmail() })).status).toBe(403);
    // Answered like any invitation (issue 16: no account enumeration); it changes nothing for them.
    const existing = await call("POST", "/v1/org/invite", owner.token, { email: other.email });
    expect(existing.status).toBe(200);
    const badRole = await call("POST", "/v1/org/invite", owner.token, { email: uniqueEmail(), role: "superuser" });
    expect(badRole.status).toBe(400);
    expect((await problemOf(badRole)).detail).toMatch(/role must be one of owner, admin, member/);
  });

  it("changes roles; admins cannot touch the owner role; the last owner cannot be demoted", async () => {
    const { owner, other } = await orgWith("admin");
    const promote = await call("PATCH", `/v1/org/members/${owner.id}`, other.token, { role: "member" });
    expect(promote.status).toBe(403);
    const demoteLast = await call("PATCH", `/v1/org/members/${owner.id}`, owner.token, { role: "admin" });
    expect(demoteLast.status).toBe(400);
    expect((await problemOf(demoteLast)).detail).toMatch(/last owner/);
    const res = await call("PATCH", `/v1/org/members/${other.id}`, owner.token, { role: "owner" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: other.id, role: "owner" });
    // The role is read fresh on every call: the old token already acts as an owner.
    expect(((await (await call("GET", "/v1/auth/me", other.token)).json()) as { role: string }).role).toBe("owner");
  });

  it("lets only one of two owners demote the other when both try at once", async () => {
    const { owner, other } = await orgWith("owner");
    const [a, b] = await Promise.all([
      call("PATCH", `/v1/org/members/${other.id}`, owner.token, { role: "member" }),
      call("PATCH", `/v1/org/members/${owner.id}`, other.token, { role: "member" }),
    ]);
    // The loser is refused either as the last owner (400, both checks ran under the lock) or as
    // no longer an owner (403, its role was read after the winner committed): both are right.
    const [won, lost] = [a.status, b.status].sort();
    expect(won).toBe(200);
    expect([400, 403]).toContain(lost);
    const rows: { owners: number }[] = await server.database.dataSource.query(
      `SELECT count(*)::int AS "owners" FROM "clawkeep_memberships" WHERE "user_id" = ANY($1) AND "role" = 'owner'`,
      [[owner.id, other.id]],
    );
    expect(rows[0].owners).toBe(1);
  });

  it("removes a member, whose tokens stop working at once; never the last owner", async () => {
    const { owner, other } = await orgWith("member");
    expect((await call("DELETE", `/v1/org/members/${owner.id}`, owner.token)).status).toBe(400);
    expect((await call("DELETE", `/v1/org/members/${owner.id}`, other.token)).status).toBe(403);
    const res = await call("DELETE", `/v1/org/members/${other.id}`, owner.token);
    expect(res.status).toBe(204);
    expect((await call("GET", "/v1/auth/me", other.token)).status).toBe(401);
    const actions: { action: string }[] = await server.database.dataSource.query(
      `SELECT "action" FROM "clawkeep_audit_events" WHERE "actor_id" = $1 ORDER BY "pos"`,
      [owner.id],
    );
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(["org.invite", "org.member_remove"]));
  });

  it("answers 404 for a member of another organisation, and shows nobody from it", async () => {
    const first = await signup();
    const second = await signup();
    expect((await call("PATCH", `/v1/org/members/${second.id}`, first.token, { role: "member" })).status).toBe(404);
    expect((await call("DELETE", `/v1/org/members/${second.id}`, first.token)).status).toBe(404);
    const list = (await (await call("GET", "/v1/org/members", first.token)).json()) as { members: { id: string }[] };
    expect(list.members.map((m) => m.id)).toEqual([first.id]);
  });
});

describe("pending invitations", () => {
  it("are listed for managers and revoked with 204; the email then signs up into an organisation of its own", async () => {
    const owner = await signup();
    const email = uniqueEmail();
    expect((await call("POST", "/v1/org/invite", owner.token, { email, role: "admin" })).status).toBe(200);
    const listed = (await (await call("GET", "/v1/org/invitations", owner.token)).json()) as { invitations: Record<string, unknown>[] };
    expect(listed.invitations).toHaveLength(1);
    const [invitation] = listed.invitations;
    expect(Object.keys(invitation).sort()).toEqual(["created_at", "email", "expires_at", "id", "invited_by", "role"]);
    expect(invitation).toMatchObject({ email, role: "admin", invited_by: owner.id });
    const revoked = await call("DELETE", `/v1/org/invitations/${invitation.id}`, owner.token);
    expect(revoked.status).toBe(204);
    expect(await revoked.text()).toBe("");
    expect(((await (await call("GET", "/v1/org/invitations", owner.token)).json()) as { invitations: unknown[] }).invitations).toEqual([]);
    const again = await call("DELETE", `/v1/org/invitations/${invitation.id}`, owner.token);
    expect(again.status).toBe(404);
    expect(await problemOf(again)).toMatchObject({ status: 404, detail: `no pending invitation ${invitation.id} in your organisation` });
    const joined = await signup(email);
    const members = (await (await call("GET", "/v1/org/members", owner.token)).json()) as { members: { id: string }[] };
    expect(members.members.map((m) => m.id)).toEqual([owner.id]);
    expect(((await (await call("GET", "/v1/auth/me", joined.token)).json()) as { role: string }).role).toBe("owner");
  });
});
