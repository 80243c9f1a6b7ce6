// Creating a share of one secret: with a member, an agent, an email address or anyone with the
// link, for a while and for a number of reads. The secret page links here with its vault and path
// filled in. A link share's URL is the whole credential: it is shown once, in the answer of the
// POST, and never again (the lists do not show it).
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { alert, code, emptyState, facts, html, when } from "../html.js";
import { field, formTag, page, redirect, select, submit, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { directory } from "./directory.js";
import { tryInline } from "./inline.js";

const RECIPIENT_TYPES = [
  ["user", "A member of your organisation"],
  ["agent", "An agent of your organisation"],
  ["external_email", "Someone by email address (they read it once they have an account)"],
  ["anyone_with_link", "Anyone with the link"],
] as const;

const LIFETIMES = [
  ["1", "1 hour"],
  ["24", "1 day"],
  ["168", "7 days"],
  ["720", "30 days"],
  ["2160", "90 days"],
  ["8760", "1 year (the longest allowed)"],
] as const;

function value(req: PageRequest, name: string, fallback = ""): string {
  return req.form.get(name) ?? req.query.get(name) ?? fallback;
}

async function form(req: PageRequest, error?: string, status = 400): Promise<PageResult> {
  const [{ vaults }, dir] = await Promise.all([req.rpc.vaults.listVaults({}), directory(req)]);
  if (vaults.length === 0) {
    return page(
      "Share a secret",
      html`<p class="crumbs"><a href="/console/shares">Shares</a></p>${alert(error)}${emptyState("You have no vault to share from.", html`A share hands out one secret of a vault you can read. <a href="/console/vaults">Create a vault</a> and add a secret first.`)}`,
      { section: "shares", status: error ? status : 200 },
    );
  }
  const others = dir.members.filter((m) => m.id !== req.user?.id);
  const vaultId = value(req, "vault");
  const memberOptions = others.length > 0 ? others.map((m) => [m.id, m.displayName ? `${m.email} (${m.displayName})` : m.email] as const) : [["", "No other members yet"] as const];
  const agentOptions = dir.agents.length > 0 ? dir.agents.map((a) => [a.id, a.name] as const) : [["", "No agents yet"] as const];
  return page(
    "Share a secret",
    html`<p class="crumbs"><a href="/console/shares">Shares</a></p>
<p class="muted">A share lets its recipient read the latest version of one secret, for as long and as often as you allow, and only while you can still read it yourself. Every read is audited; you can revoke it at any time.</p>
${alert(error)}
${formTag(
  req,
  "/console/shares/new",
  html`<div class="grid2">${select("Vault", "vault", vaults.map((v) => [v.id, v.name] as const), vaultId)}
${field("Secret path", "path", { required: true, value: value(req, "path"), placeholder: "api-keys/stripe" })}</div>
${select("Share with", "recipient_type", RECIPIENT_TYPES, value(req, "recipient_type", "user"))}
<div class="grid2">${select("Member (when sharing with a member)", "recipient_user", memberOptions, value(req, "recipient_user"))}
${select("Agent (when sharing with an agent)", "recipient_agent", agentOptions, value(req, "recipient_agent"))}</div>
${field("Email address (when sharing by email)", "email", { type: "email", value: value(req, "email"), hint: "They are emailed a link, and read the secret once they sign up with this address." })}
<div class="grid2">${select("Expires after", "expires_in_hours", LIFETIMES, value(req, "expires_in_hours", "24"))}
${field("…or expires at (optional)", "expires_at", { type: "datetime-local", value: value(req, "expires_at"), hint: "UTC; wins over the choice beside it." })}</div>
<div class="grid2">${field("Maximum reads (optional)", "max_access_count", { type: "number", value: value(req, "max_access_count"), hint: "Empty means any number of reads until it expires." })}
${field("Passphrase (optional)", "passphrase", { type: "password", autocomplete: "new-password", hint: "The recipient must type it to read; tell them another way." })}</div>
<div class="actions">${submit("Create share")}</div>`,
  { className: "stack panel", label: "Share a secret" },
)}`,
    { section: "shares", status: error ? status : 200 },
  );
}

async function create(req: PageRequest): Promise<PageResult> {
  const recipientType = req.form.get("recipient_type") ?? "";
  const maxReads = (req.form.get("max_access_count") ?? "").trim();
  if (maxReads && !/^\d{1,9}$/.test(maxReads)) return form(req, "Maximum reads must be a whole number.");
  const lifetime = req.form.get("expires_in_hours") ?? "";
  if (!/^\d{1,6}$/.test(lifetime)) return form(req, "Choose how long the share lasts.");
  const hours = Number(lifetime);
  const at = (req.form.get("expires_at") ?? "").trim();
  let expiresAt: Timestamp | undefined;
  if (at) {
    const date = new Date(`${at}Z`);
    if (Number.isNaN(date.getTime())) return form(req, `"${at}" is not a date and time.`);
    expiresAt = timestampFromDate(date);
  }
  const path = (req.form.get("path") ?? "").trim();
  const created = await tryInline(() =>
    req.rpc.shares.createShare({
      vaultId: req.form.get("vault") ?? "",
      secretPath: path,
      recipientType,
      recipientId: recipientType === "user" ? req.form.get("recipient_user") ?? "" : recipientType === "agent" ? req.form.get("recipient_agent") ?? "" : "",
      email: recipientType === "external_email" ? req.form.get("email") ?? "" : "",
      expiresAt,
      expiresInHours: expiresAt ? undefined : hours,
      maxAccessCount: maxReads ? Number(maxReads) : undefined,
      passphrase: req.form.get("passphrase") ?? "",
    }),
  );
  if (!created.ok) return form(req, `The share was not created: ${created.error}`, created.status);
  const share = created.value.share;
  if (share?.recipientType !== "anyone_with_link") {
    return redirect("/console/shares", `"${path}" shared with ${share?.recipientEmail ?? "the agent"} until ${when(share?.expiresAt)}.`);
  }
  return page(
    "Link created",
    html`<p class="crumbs"><a href="/console/shares">Shares</a></p>
<div class="once" role="region" aria-label="Share link"><p><strong>Copy this link now: it is not shown again.</strong> Anyone who has it can read "${path}"${req.form.get("passphrase") ? " with the passphrase" : ""} until it expires or is revoked.</p>
<pre class="value" id="share-url">${share.shareUrl}</pre><button type="button" data-copy="#share-url" hidden>Copy</button></div>
<div class="panel">${facts([
      ["Secret", code(path)],
      ["Expires", when(share.expiresAt)],
      ["Maximum reads", share.maxAccessCount === undefined ? "unlimited" : String(share.maxAccessCount)],
    ])}</div>
<p><a href="/console/shares">Back to shares</a></p>`,
    { section: "shares" },
  );
}

export const shareCreateRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/shares/new", handle: (req) => form(req) },
  { method: "POST", pattern: "/console/shares/new", handle: create },
];
