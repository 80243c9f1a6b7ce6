// One secret: its versions, a new version, disabling a version, deleting it, and revealing its
// value. Reading a value is an explicit POST ("Reveal") that goes through GetSecret, so it is
// audited and limited exactly like an API read; the value is rendered into that one answer
// (no-store) and never into a URL, a redirect or a cookie.
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { SECRET_TYPES } from "../../../domain/vaults/secret-rules.js";
import { attempt } from "../api-errors.js";
import { alert, badge, code, emptyState, facts, href, html, table, when, type Html } from "../html.js";
import { field, formTag, page, redirect, select, submit, textArea, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";

/** The form that stores a new version (or the first) of a secret. The value is never pre-filled. */
export function newVersionForm(req: PageRequest, vaultId: string, options: { action: string; path?: string; type?: string; error?: string }): Html {
  const pathField = options.path
    ? html`<input type="hidden" name="path" value="${options.path}">`
    : field("Path", "path", { required: true, placeholder: "api-keys/stripe", hint: "Letters, digits and . _ - / ; folders are separated by /." });
  return html`${alert(options.error)}
${formTag(
  req,
  options.action,
  html`${pathField}
${select("Type", "type", SECRET_TYPES.map((t) => [t, t] as const), options.type ?? "api_key")}
${textArea("Value", "value", { required: true, rows: 4, secret: true, hint: "Typed or pasted; stored encrypted. It is never shown again unless someone reveals it, and every reveal is audited." })}
${field("Expires at (optional)", "expires_at", { type: "datetime-local", hint: "UTC. After this moment reads are refused." })}
${field("Maximum reads (optional)", "max_access_count", { type: "number", hint: "After this many reads the secret answers 410 Gone." })}
<div class="actions">${submit(options.path ? "Save new version" : "Add secret")}</div>`,
  { className: "stack panel", label: options.path ? "New version" : "Add a secret" },
)}`;
}

/** Stores the posted version through PutSecret; a bad field comes back as the API's sentence. */
export async function putSecretFromForm(req: PageRequest): Promise<{ ok: true; path: string; version: number } | { ok: false; error: string }> {
  const path = req.form.get("path") ?? "";
  const expires = req.form.get("expires_at") ?? "";
  const maxReads = req.form.get("max_access_count") ?? "";
  let expiresAt: Timestamp | undefined;
  if (expires) {
    const date = new Date(`${expires}Z`);
    if (Number.isNaN(date.getTime())) return { ok: false, error: `"${expires}" is not a date and time.` };
    expiresAt = timestampFromDate(date);
  }
  if (maxReads && !/^\d{1,9}$/.test(maxReads)) return { ok: false, error: "Maximum reads must be a whole number." };
  const saved = await attempt(() =>
    req.rpc.vaults.putSecret({
      vaultId: req.params.vaultId,
      path,
      type: req.form.get("type") ?? "",
      value: req.form.get("value") ?? "",
      expiresAt,
      maxAccessCount: maxReads ? Number(maxReads) : undefined,
    }),
  );
  if (!saved.ok) return saved;
  return { ok: true, path: saved.value.secret?.path ?? path, version: saved.value.secret?.version ?? 0 };
}

function secretPath(req: PageRequest): string {
  return req.query.get("path") ?? req.form.get("path") ?? "";
}

async function show(req: PageRequest, extra: { error?: string; revealed?: { version: number; value: string } } = {}): Promise<PageResult> {
  const vaultId = req.params.vaultId;
  const path = secretPath(req);
  const { vault } = await req.rpc.vaults.getVault({ vaultId });
  const { versions } = await req.rpc.vaults.listSecretVersions({ vaultId, path });
  const newest = [...versions].sort((a, b) => b.version - a.version);
  const current = newest.find((v) => !v.isDisabled) ?? newest[0];
  const base = `/console/vaults/${vaultId}/secret`;
  const hiddenPath = html`<input type="hidden" name="path" value="${path}">`;
  const history =
    newest.length === 0
      ? emptyState("No versions.", "Save a version below.")
      : table(newest, [
          { label: "Version", cell: (v) => v.version, numeric: true },
          { label: "Type", cell: (v) => v.type },
          { label: "Saved", cell: (v) => when(v.createdAt) },
          { label: "Expires", cell: (v) => (v.expiresAt ? when(v.expiresAt) : html`<span class="muted">never</span>`) },
          { label: "State", cell: (v) => (v.isDisabled ? badge("disabled", "bad") : v === current ? badge("current", "ok") : badge("older")) },
          {
            label: "",
            cell: (v) =>
              v.isDisabled
                ? ""
                : html`${formTag(req, `${base}/reveal`, html`${hiddenPath}<input type="hidden" name="version" value="${v.version}"><button type="submit" class="link">Reveal</button>`)}
 · ${formTag(req, `${base}/disable`, html`${hiddenPath}<input type="hidden" name="version" value="${v.version}"><button type="submit" class="link">Disable</button>`)}`,
          },
        ]);
  const revealed = extra.revealed
    ? html`<div class="once" role="region" aria-label="Revealed value"><p><strong>Version ${extra.revealed.version}</strong> · this read was written to the audit log.</p>
<pre class="value" id="revealed-value">${extra.revealed.value}</pre><button type="button" data-copy="#revealed-value" hidden>Copy</button></div>`
    : "";
  return page(
    path,
    html`<p class="crumbs"><a href="/console/vaults">Vaults</a> / <a href="/console/vaults/${vaultId}">${vault?.name ?? ""}</a></p>
${alert(extra.error)}
<div class="panel">${facts([
      ["Vault", vault?.name ?? ""],
      ["Path", code(path)],
      ["Type", current?.type ?? "—"],
      ["Current version", current ? String(current.version) : "—"],
    ])}
<div class="actions">${formTag(req, `${base}/reveal`, html`${hiddenPath}${submit("Reveal value", "plain")}`)}<a href="${href("/console/shares/new", { vault: vaultId, path })}">Share…</a></div></div>
${revealed}
<h2>Versions</h2>
${history}
<h2>New version</h2>
${newVersionForm(req, vaultId, { action: `${base}/versions`, path, type: current?.type })}
<h2>Delete</h2>
${formTag(
  req,
  `${base}/delete`,
  html`${hiddenPath}<p class="warning">Deleting removes every version of this secret. Agents reading it get not-found.</p><div class="actions">${submit("Delete secret", "danger")}</div>`,
  { className: "panel", label: "Delete this secret" },
)}`,
    { section: "vaults", status: extra.error ? 400 : 200 },
  );
}

async function reveal(req: PageRequest): Promise<PageResult> {
  const vaultId = req.params.vaultId;
  const path = secretPath(req);
  const version = Number.parseInt(req.form.get("version") ?? "", 10);
  const read = await attempt(async () => {
    if (Number.isInteger(version) && version > 0) return (await req.rpc.vaults.getSecretVersion({ vaultId, path, version })).secret;
    return (await req.rpc.vaults.getSecret({ vaultId, path })).secret;
  });
  if (!read.ok) return show(req, { error: `The value was not revealed: ${read.error}` });
  return show(req, { revealed: { version: read.value?.version ?? 0, value: read.value?.value ?? "" } });
}

async function newVersion(req: PageRequest): Promise<PageResult> {
  const saved = await putSecretFromForm(req);
  if (!saved.ok) return show(req, { error: saved.error });
  return redirect(href(`/console/vaults/${req.params.vaultId}/secret`, { path: saved.path }), `Version ${saved.version} of "${saved.path}" saved.`);
}

async function disable(req: PageRequest): Promise<PageResult> {
  const path = secretPath(req);
  const version = Number.parseInt(req.form.get("version") ?? "", 10);
  const done = await attempt(() => req.rpc.vaults.disableSecretVersion({ vaultId: req.params.vaultId, path, version: Number.isInteger(version) ? version : 0 }));
  if (!done.ok) return show(req, { error: done.error });
  return redirect(href(`/console/vaults/${req.params.vaultId}/secret`, { path }), `Version ${version} of "${path}" disabled; it can no longer be read.`);
}

async function remove(req: PageRequest): Promise<PageResult> {
  const path = secretPath(req);
  const done = await attempt(() => req.rpc.vaults.deleteSecret({ vaultId: req.params.vaultId, path }));
  if (!done.ok) return show(req, { error: done.error });
  return redirect(`/console/vaults/${req.params.vaultId}`, `Secret "${path}" deleted.`);
}

export const secretRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/vaults/:vaultId/secret", handle: (req) => show(req) },
  { method: "POST", pattern: "/console/vaults/:vaultId/secret/reveal", handle: reveal },
  { method: "POST", pattern: "/console/vaults/:vaultId/secret/versions", handle: newVersion },
  { method: "POST", pattern: "/console/vaults/:vaultId/secret/disable", handle: disable },
  { method: "POST", pattern: "/console/vaults/:vaultId/secret/delete", handle: remove },
];
