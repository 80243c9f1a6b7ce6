// The console's organisation pages over plain HTTP against a real server: invitations (pending,
// revoked), members' roles (changed by an owner, refused to a member in the API's words, removal
// through a page naming the person), IP rules (added, deleted, and the API's lock-out refusal), the
// settings form, and a form without its CSRF token refused. Every change is checked over REST.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePerson, ConsoleVisitor, decode, type ConsolePage, type ConsolePerson } from "../support/console.js";
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

type Person = ConsolePerson;

/** The owner of a new organisation, signed up through the console. */
function owner(): Promise<Person> {
  return consolePerson(server.url);
}

/** Someone `by` invited with `role`, who then signed up through the console. */
async function invited(by: Person, role: string): Promise<Person> {
  const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
  expect((await call("POST", "/v1/org/invite", by.token, { email, role })).status).toBe(200);
  return consolePerson(server.url, email);
}

async function members(token: string): Promise<{ id: string; email: string; role: string }[]> {
  return ((await (await call("GET", "/v1/org/members", token)).json()) as { members: { id: string; email: string; role: string }[] }).members;
}

function rowsOf(page: ConsolePage, heading: string): string[][] {
  const start = page.html.indexOf(`<h2>${heading}</h2>`);
  expect(start, `no "${heading}" section`).toBeGreaterThanOrEqual(0);
  const rest = page.html.slice(start + heading.length + 9);
  const section = rest.slice(0, rest.search(/<h2>|<\/main>/));
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(section)?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => decode(cell[1]).replace(/\s+/g, " ")));
}

describe("console organisation: members and invitations", () => {
  it("lists an invited email as pending until it is revoked; signing up with it afterwards starts a new organisation", async () => {
    const boss = await owner();
    const email = `invitee-${randomUUID().slice(0, 8)}@example.com`;
    const sent = await boss.visitor.post("/console/org/invitations", { email, role: "admin" });
    expect(sent.url).toBe("/console/org");
    expect(sent.notice).toBe(`Invitation sent: ${email} joins as admin on signing up.`);
    expect(rowsOf(sent, "Pending invitations")).toEqual([[email, "admin", `${boss.email} (you)`, expect.stringMatching(/UTC$/), expect.stringMatching(/UTC$/), "Revoke"]]);
    const [pending] = ((await (await call("GET", "/v1/org/invitations", boss.token)).json()) as { invitations: { id: string; email: string }[] }).invitations;
    expect(pending.email).toBe(email);

    const revoked = await boss.visitor.post("/console/org/invitations/revoke", { invitation_id: pending.id, email });
    expect(revoked.notice).toBe(`Invitation of ${email} revoked.`);
    expect(revoked.html).toContain("No invitation is pending.");
    expect(((await (await call("GET", "/v1/org/invitations", boss.token)).json()) as { invitations: unknown[] }).invitations).toEqual([]);
    // Revoking it again: the API's not-found, in place.
    const again = await boss.visitor.post("/console/org/invitations/revoke", { invitation_id: pending.id, email });
    expect(again.status).toBe(404);
    expect(again.alert).toMatch(new RegExp(`^The invitation of ${email} was not revoked: No pending invitation`));
    const stranger = new ConsoleVisitor(server.url);
    await stranger.signUp(email);
    expect((await members(boss.token)).map((m) => m.email)).toEqual([boss.email]);
  });

  it("shows an invalid invitation's refusal above the form, keeping what was typed", async () => {
    const boss = await owner();
    const page = await boss.visitor.post("/console/org/invitations", { email: "not an address", role: "member" });
    expect(page.status).toBe(400);
    expect(page.alert).toMatch(/^The invitation of not an address was not sent: .*email/i);
    expect(page.html).toContain('value="not an address"');
  });

  it("lets an owner change a member's role; a member is offered no role forms and the API's refusal is shown if one is posted", async () => {
    const boss = await owner();
    const worker = await invited(boss, "member");

    const asMember = await worker.visitor.get("/console/org");
    expect(asMember.status).toBe(200);
    expect(rowsOf(asMember, "Members").map((r) => r.slice(0, 3))).toEqual(
      [
        [boss.email, "", "owner"],
        [`${worker.email} (you)`, "", "member"],
      ]
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map((r) => [r[0], "—", r[2]]),
    );
    expect(asMember.html).not.toContain("/role\"");
    expect(asMember.html).toContain("Only owners and admins of the organisation invite people, change roles and remove members.");
    expect(asMember.html).not.toContain("Pending invitations");
    // The other areas work for a member too: what the API lets them see.
    expect((await worker.visitor.get("/console/shares")).status).toBe(200);
    const audit = await worker.visitor.post("/console/audit/verify", {});
    expect(audit.status).toBe(200);
    expect(audit.notice).toMatch(/^The chain verifies\./);
    const refused = await worker.visitor.post(`/console/org/members/${boss.id}/role`, { role: "member" });
    expect(refused.status).toBe(403);
    expect(refused.alert).toBe(`The role of ${boss.email} was not changed: Only owners and admins manage members`);
    expect((await members(boss.token)).find((m) => m.id === boss.id)?.role).toBe("owner");
    const invitation = await worker.visitor.post("/console/org/invitations", { email: "friend@example.com", role: "member" });
    expect(invitation.status).toBe(403);
    expect(invitation.alert).toMatch(/^The invitation of friend@example\.com was not sent: Only owners and admins/);

    const promoted = await boss.visitor.post(`/console/org/members/${worker.id}/role`, { role: "admin" });
    expect(promoted.notice).toBe(`${worker.email} is now admin.`);
    expect((await members(boss.token)).find((m) => m.id === worker.id)?.role).toBe("admin");
    // The last owner cannot be demoted: the API says so, in place.
    const lastOwner = await boss.visitor.post(`/console/org/members/${boss.id}/role`, { role: "member" });
    expect(lastOwner.status).toBe(400);
    expect(lastOwner.alert).toMatch(new RegExp(`^The role of ${boss.email} was not changed: .*owner`));
  });

  it("removes a member through a page that names them", async () => {
    const boss = await owner();
    const leaver = await invited(boss, "member");
    const list = await boss.visitor.get("/console/org");
    expect(list.html).toContain(`href="/console/org/members/${leaver.id}/remove"`);
    const confirm = await boss.visitor.get(`/console/org/members/${leaver.id}/remove`);
    expect(confirm.title).toBe(`Remove ${leaver.email}?`);
    expect(confirm.html).toContain(`Remove ${leaver.email}</button>`);
    const removed = await boss.visitor.post(`/console/org/members/${leaver.id}/remove`, {});
    expect(removed.notice).toBe(`${leaver.email} was removed from the organisation.`);
    expect((await members(boss.token)).map((m) => m.email)).toEqual([boss.email]);
    // Their console session ended with the membership.
    expect((await leaver.visitor.get("/console/vaults")).url).toMatch(/^\/console\/sign-in/);
  });
});

describe("console organisation: IP rules and settings", () => {
  it("adds and deletes an IP rule, and shows the API's lock-out refusal", async () => {
    const boss = await owner();
    const added = await boss.visitor.post("/console/org/ip-rules", { rule_type: "deny", cidr: "203.0.113.7", label: "a scraper" });
    expect(added.url).toBe("/console/org/ip-rules");
    expect(added.notice).toBe("Rule added: deny 203.0.113.7/32.");
    expect(rowsOf(added, "IP rules")).toEqual([["deny", "203.0.113.7/32", "a scraper", `${boss.email} (you)`, expect.stringMatching(/UTC$/), "Delete"]]);
    const [rule] = ((await (await call("GET", "/v1/security/ip-rules", boss.token)).json()) as { rules: { id: string; cidr: string; rule_type: string }[] }).rules;
    expect(rule).toMatchObject({ cidr: "203.0.113.7/32", rule_type: "deny" });

    // An allow rule that leaves out 127.0.0.1 would lock this very session out: refused, nothing added.
    const lockout = await boss.visitor.post("/console/org/ip-rules", { rule_type: "allow", cidr: "10.0.0.0/8", label: "" });
    expect(lockout.status).toBe(409);
    expect(lockout.alert).toMatch(/^The rule was not added: This allow rule would lock you out: your own address 127\.0\.0\.1 would be refused/);
    expect(lockout.html).toContain('value="10.0.0.0/8"');
    expect(((await (await call("GET", "/v1/security/ip-rules", boss.token)).json()) as { rules: unknown[] }).rules).toHaveLength(1);

    const deleted = await boss.visitor.post("/console/org/ip-rules/delete", { rule_id: rule.id, cidr: rule.cidr });
    expect(deleted.notice).toBe("Rule for 203.0.113.7/32 deleted.");
    expect(deleted.html).toContain("No IP rules: calls are admitted from any address.");
    expect(((await (await call("GET", "/v1/security/ip-rules", boss.token)).json()) as { rules: unknown[] }).rules).toEqual([]);
  });

  it("shows a member the rules without the forms, and the API's refusal if one is posted", async () => {
    const boss = await owner();
    const worker = await invited(boss, "member");
    await call("POST", "/v1/security/ip-rules", boss.token, { rule_type: "deny", cidr: "198.51.100.0/24", label: "" });
    const page = await worker.visitor.get("/console/org/ip-rules");
    expect(rowsOf(page, "IP rules").map((r) => r.slice(0, 2))).toEqual([["deny", "198.51.100.0/24"]]);
    expect(page.html).not.toContain('action="/console/org/ip-rules"');
    const refused = await worker.visitor.post("/console/org/ip-rules", { rule_type: "deny", cidr: "192.0.2.0/24", label: "" });
    expect(refused.status).toBe(403);
    expect(refused.alert).toMatch(/^The rule was not added: /);
  });

  it("saves the settings form, both checkboxes as they stand", async () => {
    const boss = await owner();
    const before = await boss.visitor.get("/console/org/settings");
    expect(before.html).toMatch(/name="agent_key_claim" value="on" checked/);
    expect(before.html).not.toMatch(/name="intents_require_simulation" value="on" checked/);
    const saved = await boss.visitor.post("/console/org/settings", { intents_require_simulation: "on" });
    expect(saved.notice).toBe("Settings saved.");
    expect(await (await call("GET", "/v1/org/settings", boss.token)).json()).toEqual({ agent_key_claim: false, intents_require_simulation: true });
    const worker = await invited(boss, "member");
    const asMember = await worker.visitor.get("/console/org/settings");
    expect(asMember.html).not.toContain('action="/console/org/settings"');
    const refused = await worker.visitor.post("/console/org/settings", { agent_key_claim: "on" });
    expect(refused.status).toBe(403);
    expect(refused.alert).toMatch(/^The settings were not saved: /);
    expect(await (await call("GET", "/v1/org/settings", boss.token)).json()).toEqual({ agent_key_claim: false, intents_require_simulation: true });
  });

  it("refuses an IP rule posted without its CSRF token, and adds nothing", async () => {
    const boss = await owner();
    await boss.visitor.get("/console/org/ip-rules");
    const forged = await boss.visitor.post("/console/org/ip-rules", { rule_type: "deny", cidr: "192.0.2.1", label: "" }, { csrf: null });
    expect(forged.status).toBe(403);
    expect(forged.title).toBe("Form expired");
    expect(((await (await call("GET", "/v1/security/ip-rules", boss.token)).json()) as { rules: unknown[] }).rules).toEqual([]);
  });
});
