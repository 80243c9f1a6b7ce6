// The organisation: its members (role changes, removal with a confirmation that names the person)
// and invitations (invite by email with a role, the pending list, revoke). Owners and admins manage;
// a member sees the member list and is told who can change it. Every refusal is the API's sentence.
import type { OrgMember } from "../../../../gen/ts/clawkeep/v1/org_pb.js";
import { alert, badge, emptyState, html, paged, table, when, type Html } from "../html.js";
import { field, formTag, page, redirect, select, submit, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { confirmingForm } from "./confirm-form.js";
import { directory, type Directory } from "./directory.js";
import { tryInline } from "./inline.js";
import { ipRuleRoutes } from "./org-ip-rules.js";
import { canManage, grantableRoles, managersOnly, orgNav } from "./org-nav.js";
import { settingsRoutes } from "./org-settings.js";

function roleBadge(role: string): Html {
  return badge(role, role === "owner" ? "ok" : role === "admin" ? "warn" : "muted");
}

function who(m: OrgMember): string {
  return m.displayName ? `${m.email} (${m.displayName})` : m.email;
}

interface Errors {
  members?: string;
  invite?: string;
  invitations?: string;
  status?: number;
}

async function show(req: PageRequest, errors: Errors = {}, typed: { email?: string; role?: string } = {}): Promise<PageResult> {
  const manager = canManage(req);
  const dir = await directory(req);
  const members = [...dir.members].sort((a, b) => a.email.localeCompare(b.email));
  const { rows, pager } = paged(members, req.query, "/console/org");
  const memberList = table(rows, [
    { label: "Email", cell: (m) => (m.id === req.user?.id ? html`${m.email} <span class="muted">(you)</span>` : m.email) },
    { label: "Name", cell: (m) => m.displayName || html`<span class="muted">—</span>` },
    { label: "Role", cell: (m) => roleBadge(m.role) },
    { label: "Joined", cell: (m) => when(m.createdAt) },
    ...(manager ? [{ label: "", cell: (m: OrgMember) => memberActions(req, m) }] : []),
  ]);

  const invitations = manager ? await invitationList(req, dir) : html``;
  const invite = manager
    ? html`${formTag(
        req,
        "/console/org/invitations",
        html`${field("Email", "email", { type: "email", required: true, value: typed.email, placeholder: "colleague@example.com" })}${select("Role", "role", grantableRoles(req), typed.role ?? "member")}${submit("Invite")}`,
        { className: "inline", label: "Invite a person" },
      )}<small>They join your organisation, with this role, when they sign up with this address.</small>`
    : managersOnly("invite people, change roles and remove members");

  return page(
    "Organisation",
    html`${orgNav("members")}
<h2>Members</h2>
${alert(errors.members)}
${memberList}${pager}
<h2>Invite someone</h2>
${alert(errors.invite)}${invite}
${manager ? html`<h2>Pending invitations</h2>${alert(errors.invitations)}${invitations}` : alert(errors.invitations)}`,
    { section: "org", status: errors.status ?? (errors.members || errors.invite || errors.invitations ? 400 : 200) },
  );
}

function memberActions(req: PageRequest, m: OrgMember): Html {
  return html`${formTag(
    req,
    `/console/org/members/${m.id}/role`,
    html`<label class="muted">Role <select name="role" aria-label="Role of ${m.email}">${grantableRoles(req)
      .concat(grantableRoles(req).some(([r]) => r === m.role) ? [] : [[m.role, m.role] as const])
      .map(([value, text]) => html`<option value="${value}"${value === m.role ? html` selected` : ""}>${text}</option>`)}</select></label> <button type="submit" class="link">Change</button>`,
    { label: `Change the role of ${m.email}` },
  )} · <a href="/console/org/members/${m.id}/remove">Remove…</a>`;
}

async function invitationList(req: PageRequest, dir: Directory): Promise<Html> {
  const listed = await tryInline(() => req.rpc.org.listInvitations({}));
  if (!listed.ok) return alert(listed.error);
  const invitations = listed.value.invitations;
  if (invitations.length === 0) return emptyState("No invitation is pending.", "Invite someone above; the invitation waits here until they sign up or it expires.");
  return table(invitations, [
    { label: "Email", cell: (i) => i.email },
    { label: "Role", cell: (i) => roleBadge(i.role) },
    { label: "Invited by", cell: (i) => dir.name("user", i.invitedBy) },
    { label: "Sent", cell: (i) => when(i.createdAt) },
    { label: "Expires", cell: (i) => when(i.expiresAt) },
    {
      label: "",
      cell: (i) =>
        confirmingForm(
          req,
          "/console/org/invitations/revoke",
          `Revoke the invitation of ${i.email}? Signing up with that address will no longer join your organisation.`,
          html`<input type="hidden" name="invitation_id" value="${i.id}"><input type="hidden" name="email" value="${i.email}"><button type="submit" class="link">Revoke</button>`,
          `Revoke the invitation of ${i.email}`,
        ),
    },
  ]);
}

async function invite(req: PageRequest): Promise<PageResult> {
  const email = (req.form.get("email") ?? "").trim();
  const role = req.form.get("role") ?? "member";
  const done = await tryInline(() => req.rpc.org.inviteMember({ email, role }));
  if (!done.ok) return show(req, { invite: `The invitation${email ? ` of ${email}` : ""} was not sent: ${done.error}`, status: done.status }, { email, role });
  return redirect("/console/org", `Invitation sent: ${done.value.email} joins as ${role} on signing up.`);
}

async function revokeInvitation(req: PageRequest): Promise<PageResult> {
  const email = req.form.get("email") ?? "";
  const of = email ? ` of ${email}` : "";
  const done = await tryInline(() => req.rpc.org.revokeInvitation({ invitationId: req.form.get("invitation_id") ?? "" }));
  if (!done.ok) return show(req, { invitations: `The invitation${of} was not revoked: ${done.error}`, status: done.status });
  return redirect("/console/org", `Invitation${of} revoked.`);
}

async function memberNamed(req: PageRequest): Promise<OrgMember | undefined> {
  const { members } = await req.rpc.org.listOrgMembers({});
  return members.find((m) => m.id === req.params.userId);
}

function noSuchMember(): PageResult {
  return page("Not found", html`<p>This person is not a member of your organisation (any more).</p><p><a href="/console/org">Back to the members</a></p>`, { section: "org", status: 404 });
}

async function changeRole(req: PageRequest): Promise<PageResult> {
  const member = await memberNamed(req);
  if (!member) return noSuchMember();
  const role = req.form.get("role") ?? "";
  const done = await tryInline(() => req.rpc.org.updateMemberRole({ userId: member.id, role }));
  if (!done.ok) return show(req, { members: `The role of ${member.email} was not changed: ${done.error}`, status: done.status });
  return redirect("/console/org", `${member.email} is now ${done.value.member?.role ?? role}.`);
}

async function confirmRemoval(req: PageRequest, error?: string, status?: number): Promise<PageResult> {
  const member = await memberNamed(req);
  if (!member) return noSuchMember();
  const yourself = member.id === req.user?.id;
  return page(
    `Remove ${member.email}?`,
    html`<p class="crumbs"><a href="/console/org">Organisation</a></p>
${alert(error)}
${formTag(
  req,
  `/console/org/members/${member.id}/remove`,
  html`<p class="warning">${yourself ? "You are about to remove yourself: you lose access to this organisation at once." : html`<strong>${who(member)}</strong>, ${member.role}, loses access to this organisation at once: their sessions and personal API keys are revoked.`} Secrets they shared can no longer be read through their shares.</p>
<div class="actions">${submit(`Remove ${member.email}`, "danger")} <a href="/console/org">Cancel</a></div>`,
  { className: "panel", label: `Remove ${member.email}` },
)}`,
    { section: "org", status: error ? (status ?? 400) : 200 },
  );
}

async function remove(req: PageRequest): Promise<PageResult> {
  const member = await memberNamed(req);
  if (!member) return noSuchMember();
  const done = await tryInline(() => req.rpc.org.removeMember({ userId: member.id }));
  if (!done.ok) return confirmRemoval(req, `${member.email} was not removed: ${done.error}`, done.status);
  return redirect("/console/org", `${member.email} was removed from the organisation.`);
}

export const orgRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/org", handle: (req) => show(req) },
  { method: "POST", pattern: "/console/org/invitations", handle: invite },
  { method: "POST", pattern: "/console/org/invitations/revoke", handle: revokeInvitation },
  { method: "POST", pattern: "/console/org/members/:userId/role", handle: changeRole },
  { method: "GET", pattern: "/console/org/members/:userId/remove", handle: (req) => confirmRemoval(req) },
  { method: "POST", pattern: "/console/org/members/:userId/remove", handle: remove },
  ...ipRuleRoutes,
  ...settingsRoutes,
];
