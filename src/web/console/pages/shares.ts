// Shares: what others shared with me (inbound: accept, decline, read) and what I shared (outbound:
// access counts, revoke). Reading a share is an explicit POST that goes through AccessShare, so it
// is counted and audited exactly like an API access; the value is rendered into that one answer
// (no-store) and never into a URL, a redirect or a cookie. Share ids travel in form fields, not in
// URLs: a link share's id is all a reader needs.
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { SharedSecret, ShareListItem } from "../../../../gen/ts/clawkeep/v1/sharing_pb.js";
import { alert, badge, emptyState, html, paged, table, when, type Html } from "../html.js";
import { field, formTag, page, redirect, submit, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { confirmingForm } from "./confirm-form.js";
import { directory, type Directory } from "./directory.js";
import { tryInline } from "./inline.js";
import { shareCreateRoutes } from "./share-new.js";

const RECIPIENTS: Record<string, string> = {
  creator: "the agent's creator",
  user: "a member",
  agent: "an agent",
  external_email: "an email address",
  anyone_with_link: "anyone with the link",
};

function recipient(s: ShareListItem, agents: Map<string, Html>): Html | string {
  if (s.recipientType === "anyone_with_link") return html`<span class="muted">anyone with the link</span>`;
  if (s.recipientType === "agent") return agents.get(s.id) ?? RECIPIENTS.agent;
  return s.recipientEmail ? s.recipientEmail : RECIPIENTS[s.recipientType] ?? s.recipientType;
}

function accesses(s: ShareListItem): string {
  return s.maxAccessCount === undefined ? `${s.accessCount}` : `${s.accessCount} / ${s.maxAccessCount}`;
}

function status(s: ShareListItem, inbound: boolean): Html {
  if (s.isExpired) return badge(s.maxAccessCount !== undefined && s.accessCount >= s.maxAccessCount ? "used up" : "expired", "bad");
  if (!s.isAccepted) return badge(inbound ? "waiting for you" : "not accepted yet", "warn");
  return badge(s.recipientType === "anyone_with_link" ? "active" : "accepted", "ok");
}

/**
 * What the share lists leave out, from the share.create events of the audit log: who sent each
 * inbound share, and which agent an outbound share is for. One query, over the time the shown
 * rows were created in; a share whose event this organisation's log does not hold (one sent from
 * another organisation) stays unknown.
 */
async function creations(req: PageRequest, dir: Directory, rows: readonly ShareListItem[]): Promise<{ sender: Map<string, Html>; agent: Map<string, Html> }> {
  const sender = new Map<string, Html>();
  const agent = new Map<string, Html>();
  const times = rows.map((s) => (s.createdAt ? timestampDate(s.createdAt).getTime() : NaN)).filter((t) => Number.isFinite(t));
  if (times.length === 0) return { sender, agent };
  const from = timestampFromDate(new Date(Math.min(...times) - 60_000));
  const to = timestampFromDate(new Date(Math.max(...times) + 60_000));
  const found = await tryInline(() => req.rpc.audit.queryAuditEvents({ action: "share.create", from, to, limit: 1000 }));
  if (!found.ok) return { sender, agent };
  for (const e of found.value.events) {
    sender.set(e.resourceId, dir.name(e.actorType, e.actorId));
    const agentId = e.details?.recipient_agent_id;
    if (typeof agentId === "string") agent.set(e.resourceId, dir.name("agent", agentId));
  }
  return { sender, agent };
}

function shareIdField(id: string): Html {
  return html`<input type="hidden" name="share_id" value="${id}">`;
}

interface Extra {
  error?: string;
  status?: number;
  /** The share whose read failed: offer its passphrase. */
  retry?: string;
  revealed?: SharedSecret;
}

async function list(req: PageRequest, extra: Extra = {}): Promise<PageResult> {
  const [{ shares: inbound }, { shares: outbound }, dir] = await Promise.all([
    req.rpc.shares.listInboundShares({}),
    req.rpc.shares.listOutboundShares({}),
    directory(req),
  ]);
  // Two lists on one page, each with its own page number: ?page= for inbound, ?out= for outbound.
  const inPage = paged(inbound, req.query, "/console/shares", { out: req.query.get("out") ?? undefined });
  const outPage = paged(outbound, req.query, "/console/shares", { page: req.query.get("page") ?? undefined }, { param: "out" });
  const created = await creations(req, dir, [...inPage.rows, ...outPage.rows]);

  const inboundList =
    inbound.length === 0
      ? emptyState("Nothing has been shared with you.", "When a member or one of your agents shares a secret with you, it appears here for you to accept and read.")
      : html`${table(inPage.rows, [
          { label: "From", cell: (s) => created.sender.get(s.id) ?? html`<span class="muted">unknown</span>` },
          { label: "Secret", cell: (s) => html`<code>${s.secretPath}</code>` },
          { label: "Status", cell: (s) => status(s, true) },
          { label: "Expires", cell: (s) => when(s.expiresAt) },
          { label: "Reads", cell: (s) => accesses(s), numeric: true },
          { label: "", cell: (s) => inboundActions(req, s) },
        ])}${inPage.pager}`;

  const outboundList =
    outbound.length === 0
      ? emptyState("You have not shared anything.", html`Open a secret in one of your <a href="/console/vaults">vaults</a> and choose Share, or <a href="/console/shares/new">create a share</a> here.`)
      : html`${table(outPage.rows, [
          { label: "Secret", cell: (s) => html`<code>${s.secretPath}</code>` },
          { label: "Recipient", cell: (s) => recipient(s, created.agent) },
          { label: "Reads", cell: (s) => accesses(s), numeric: true },
          { label: "Created", cell: (s) => when(s.createdAt) },
          { label: "Expires", cell: (s) => when(s.expiresAt) },
          { label: "Status", cell: (s) => status(s, false) },
          {
            label: "",
            cell: (s) =>
              confirmingForm(req, "/console/shares/revoke", `Revoke the share of ${s.secretPath}? Its recipient loses access at once.`, html`${shareIdField(s.id)}<button type="submit" class="link">Revoke</button>`, `Revoke the share of ${s.secretPath}`),
          },
        ])}${outPage.pager}`;

  return page(
    "Shares",
    html`<div class="actions"><a href="/console/shares/new">Share a secret →</a></div>
${alert(extra.error)}${retryForm(req, extra.retry)}${revealed(extra.revealed)}
<h2>Shared with you</h2>
${inboundList}
<h2>Shared by you</h2>
${outboundList}`,
    { section: "shares", status: extra.status ?? (extra.error ? 400 : 200) },
  );
}

function inboundActions(req: PageRequest, s: ShareListItem): Html {
  if (s.isExpired) return html``;
  const id = shareIdField(s.id);
  if (!s.isAccepted) {
    return html`${formTag(req, "/console/shares/accept", html`${id}<button type="submit" class="link">Accept</button>`)}
 · ${formTag(req, "/console/shares/decline", html`${id}<button type="submit" class="link">Decline</button>`)}`;
  }
  return html`${formTag(req, "/console/shares/read", html`${id}<button type="submit" class="link">Read</button>`)}
 · ${formTag(req, "/console/shares/decline", html`${id}<button type="submit" class="link">Decline</button>`)}`;
}

function retryForm(req: PageRequest, shareId: string | undefined): Html {
  if (!shareId) return html``;
  return formTag(
    req,
    "/console/shares/read",
    html`${shareIdField(shareId)}${field("Passphrase, if the sender set one", "passphrase", { type: "password", autocomplete: "off" })}${submit("Read with passphrase", "plain")}`,
    { className: "inline", label: "Read with a passphrase" },
  );
}

function revealed(secret: SharedSecret | undefined): Html {
  if (!secret) return html``;
  const times = secret.accessCount === 1 ? "once" : `${secret.accessCount} times`;
  const reads = secret.maxAccessCount === undefined ? `read ${times} so far` : `read ${times} of the ${secret.maxAccessCount} allowed`;
  return html`<div class="once" role="region" aria-label="Shared value"><p><strong>${secret.path}</strong> (${secret.type}) · ${reads}; this read was written to the audit log.</p>
<pre class="value" id="shared-value">${secret.value}</pre><button type="button" data-copy="#shared-value" hidden>Copy</button></div>`;
}

async function accept(req: PageRequest): Promise<PageResult> {
  const shareId = req.form.get("share_id") ?? "";
  const done = await tryInline(() => req.rpc.shares.acceptShare({ shareId }));
  if (!done.ok) return list(req, { error: `The share was not accepted: ${done.error}`, status: done.status });
  return redirect("/console/shares", "Share accepted; you can read it now.");
}

async function decline(req: PageRequest): Promise<PageResult> {
  const shareId = req.form.get("share_id") ?? "";
  const done = await tryInline(() => req.rpc.shares.declineShare({ shareId }));
  if (!done.ok) return list(req, { error: `The share was not declined: ${done.error}`, status: done.status });
  return redirect("/console/shares", "Share declined; it can no longer be read.");
}

async function read(req: PageRequest): Promise<PageResult> {
  const shareId = req.form.get("share_id") ?? "";
  const passphrase = req.form.get("passphrase") ?? "";
  const done = await tryInline(() => req.rpc.shares.accessShare({ shareId, passphrase: passphrase || undefined }));
  if (!done.ok) return list(req, { error: `The share was not read: ${done.error}`, status: done.status, retry: shareId });
  return list(req, { revealed: done.value.sharedSecret });
}

async function revoke(req: PageRequest): Promise<PageResult> {
  const shareId = req.form.get("share_id") ?? "";
  const done = await tryInline(() => req.rpc.shares.revokeShare({ shareId }));
  if (!done.ok) return list(req, { error: `The share was not revoked: ${done.error}`, status: done.status });
  return redirect("/console/shares", "Share revoked; its recipient can no longer read it.");
}

export const shareRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/shares", handle: (req) => list(req) },
  { method: "POST", pattern: "/console/shares/accept", handle: accept },
  { method: "POST", pattern: "/console/shares/decline", handle: decline },
  { method: "POST", pattern: "/console/shares/read", handle: read },
  { method: "POST", pattern: "/console/shares/revoke", handle: revoke },
  ...shareCreateRoutes,
];
