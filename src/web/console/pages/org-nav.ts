// The organisation area's own navigation, and who in it may manage: the API's rule (owners and
// admins manage members, invitations, IP rules and settings) read from the signed-in person's role,
// so that forms they cannot use are not offered. The API still decides every request.
import { isOrgManager, isOrgRole } from "../../../domain/identity/org-roles.js";
import { html, type Html } from "../html.js";
import type { PageRequest } from "../page.js";

const TABS = [
  ["members", "Members and invitations", "/console/org"],
  ["ip-rules", "IP rules", "/console/org/ip-rules"],
  ["settings", "Settings", "/console/org/settings"],
] as const;

export function orgNav(current: (typeof TABS)[number][0]): Html {
  return html`<nav class="actions" aria-label="Organisation">${TABS.map(([id, label, path]) => (id === current ? html`<strong aria-current="page">${label}</strong>` : html`<a href="${path}">${label}</a>`))}</nav>`;
}

export function canManage(req: PageRequest): boolean {
  const role = req.user?.role ?? "";
  return isOrgRole(role) && isOrgManager({ type: "user", role });
}

/** The roles this person may hand out: only an owner grants the owner role. */
export function grantableRoles(req: PageRequest): (readonly [string, string])[] {
  const roles: (readonly [string, string])[] = [
    ["member", "member"],
    ["admin", "admin"],
  ];
  if (req.user?.role === "owner") roles.push(["owner", "owner"]);
  return roles;
}

export function managersOnly(what: string): Html {
  return html`<p class="muted">Only owners and admins of the organisation ${what}. Your role is member.</p>`;
}
