// Enrollment requests: the organisation's pending list, and the review page where a human allows
// or denies one. The review is also where approval_url and the emailed Allow/Deny links lead
// (/enroll/{id}?token=… redirects here), so there is one review, not a copy of it.
import type { Enrollment } from "../../../../gen/ts/clawkeep/v1/agents_pb.js";
import { attempt } from "../api-errors.js";
import { alert, badge, code, emptyState, facts, href, html, PAGE_SIZE, table, when, type Html } from "../html.js";
import { formTag, page, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";

const STATUSES = ["pending", "approved", "claimed", "denied", "expired"] as const;

function statusBadge(status: string) {
  return badge(status, status === "pending" ? "warn" : status === "denied" || status === "expired" ? "bad" : "ok");
}

async function list(req: PageRequest): Promise<PageResult> {
  const asked = req.query.get("status") ?? "pending";
  const status = (STATUSES as readonly string[]).includes(asked) || asked === "all" ? asked : "pending";
  // Paged by the API (it answers at most 200 at a time): one more than a page says whether a next page exists.
  const askedPage = Number.parseInt(req.query.get("page") ?? "1", 10);
  const pageNumber = Number.isInteger(askedPage) && askedPage > 0 ? Math.min(askedPage, 10_000) : 1;
  const listed = await req.rpc.agents.listEnrollments({ status: status === "all" ? "" : status, limit: PAGE_SIZE + 1, offset: (pageNumber - 1) * PAGE_SIZE });
  const enrollments = listed.enrollments.slice(0, PAGE_SIZE);
  const rows = enrollments;
  const more = listed.enrollments.length > PAGE_SIZE;
  const pager =
    pageNumber > 1 || more
      ? html`<nav class="pager" aria-label="Pages">${pageNumber > 1 ? html`<a href="${href("/console/enrollments", { status, page: pageNumber - 1 })}">← Previous</a>` : ""}<span>Page ${pageNumber}</span>${more ? html`<a href="${href("/console/enrollments", { status, page: pageNumber + 1 })}">Next →</a>` : ""}</nav>`
      : html``;
  const filter = html`<nav class="actions" aria-label="Filter by status">${["pending", "approved", "claimed", "denied", "expired", "all"].map((s) =>
    s === status ? html`<strong>${s}</strong>` : html`<a href="${href("/console/enrollments", { status: s })}">${s}</a>`,
  )}</nav>`;
  const listing =
    enrollments.length === 0
      ? emptyState(
          status === "pending" ? "No enrollment is waiting for you." : `No ${status === "all" ? "" : `${status} `}enrollments.`,
          html`An agent enrolls itself with <code>POST /v1/agents/enroll</code>; its request appears here, and in the email sent to the address it named, for you to allow or deny.`,
        )
      : html`${table(rows, [
          { label: "Agent", cell: (e) => html`<a href="/console/enrollments/${e.id}">${e.name}</a>` },
          { label: "Status", cell: (e) => statusBadge(e.status) },
          { label: "From", cell: (e) => e.sourceIp || "—" },
          { label: "Requested", cell: (e) => when(e.createdAt) },
          { label: "Expires", cell: (e) => (e.status === "pending" ? when(e.expiresAt) : "—") },
          { label: "", cell: (e) => (e.status === "pending" ? html`<a href="/console/enrollments/${e.id}">Review →</a>` : "") },
        ])}${pager}`;
  return page("Enrollment requests", html`${filter}${listing}`, { section: "enrollments" });
}

function enrollmentFacts(e: Enrollment) {
  return facts([
    ["Agent name", e.name],
    ["Description", e.description || "—"],
    ["Asked to notify", e.humanEmail || "— (anyone with the link who is signed in)"],
    ["Requested from", e.sourceIp || "—"],
    ["Requested", when(e.createdAt)],
    ["Expires", when(e.expiresAt)],
    ["Status", statusBadge(e.status)],
    ...(e.agentId ? [["Agent", html`<a href="/console/agents/${e.agentId}">${code(e.agentId)}</a>`] as [string, Html]] : []),
  ]);
}

function approvalToken(req: PageRequest): string {
  return req.query.get("token") ?? req.form.get("token") ?? "";
}

async function review(req: PageRequest, error?: string): Promise<PageResult> {
  const token = approvalToken(req);
  const enrollmentId = req.params.enrollmentId;
  const { enrollment } = await req.rpc.agents.getEnrollment({ enrollmentId, approvalToken: token });
  if (!enrollment) throw new Error("GetEnrollment answered without an enrollment");
  const decision = req.query.get("decision") === "allow" || req.query.get("decision") === "deny" ? req.query.get("decision") : "";
  const action = href(`/console/enrollments/${enrollmentId}`, { token, decision: decision ?? "" });
  const where = enrollment.humanEmail ? "Allowing adds this agent to the organisation it asked to join." : "Allowing adds this agent to your organisation.";
  const decide =
    enrollment.status === "pending"
      ? html`<p>${where} It gets an API key, emailed to you, and no access to any vault until you grant it with policies.</p>
${formTag(
  req,
  action,
  html`<input type="hidden" name="token" value="${token}"><div class="actions">
<button type="submit" name="choice" value="allow" class="primary${decision === "allow" ? " chosen" : ""}"${decision === "allow" ? html` autofocus` : ""}>Allow</button>
<button type="submit" name="choice" value="deny" class="danger${decision === "deny" ? " chosen" : ""}"${decision === "deny" ? html` autofocus` : ""}>Deny</button></div>`,
  { label: "Decide" },
)}`
      : html`<p><strong>This request is ${enrollment.status}.</strong> Nothing is left to decide.</p>`;
  return page(
    `Agent "${enrollment.name}" asks to be enrolled`,
    html`<p class="crumbs"><a href="/console/enrollments">Enrollment requests</a></p>${alert(error)}<div class="panel">${enrollmentFacts(enrollment)}</div>${decide}`,
    { section: "enrollments", status: error ? 409 : 200 },
  );
}

async function decide(req: PageRequest): Promise<PageResult> {
  const enrollmentId = req.params.enrollmentId;
  const token = approvalToken(req);
  const choice = req.form.get("choice");
  if (choice === "allow") {
    const done = await attempt(() => req.rpc.agents.approveEnrollment({ enrollmentId, approvalToken: token, vaultIds: [], policies: [] }));
    if (!done.ok) return review(req, done.error);
    const { agent, enrollment } = done.value;
    return page(
      `Agent "${enrollment?.name ?? ""}" allowed`,
      html`<p>The agent <a href="/console/agents/${agent?.id ?? ""}">${code(agent?.id ?? "")}</a> now belongs to your organisation. Its API key was emailed to ${req.user?.email ?? "you"}. It can read nothing until you grant it access to vaults with policies.</p>
<p><a href="/console/vaults">Grant access in a vault's policies →</a></p>`,
      { section: "enrollments" },
    );
  }
  if (choice === "deny") {
    const done = await attempt(() => req.rpc.agents.denyEnrollment({ enrollmentId, approvalToken: token, reason: "" }));
    if (!done.ok) return review(req, done.error);
    return page(`Agent "${done.value.enrollment?.name ?? ""}" denied`, html`<p>No agent was created. The request cannot be used again.</p><p><a href="/console/enrollments">Back to enrollment requests</a></p>`, { section: "enrollments" });
  }
  return review(req, "Choose Allow or Deny: the form did not say which.");
}

export const enrollmentRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/enrollments", handle: list },
  { method: "GET", pattern: "/console/enrollments/:enrollmentId", handle: (req) => review(req) },
  { method: "POST", pattern: "/console/enrollments/:enrollmentId", handle: decide },
];
