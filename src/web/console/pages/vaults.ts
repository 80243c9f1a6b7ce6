// Vaults: the list, creating one, one vault's secrets (by path prefix, paged by the API's
// cursor), and deleting a vault with a confirmation that names it.
import { attempt } from "../api-errors.js";
import { alert, code, emptyState, facts, href, html, paged, table, when } from "../html.js";
import { field, formTag, page, redirect, submit, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { newVersionForm, putSecretFromForm } from "./secrets.js";

const SECRETS_PER_PAGE = 50;

async function list(req: PageRequest, error?: string): Promise<PageResult> {
  const { vaults } = await req.rpc.vaults.listVaults({});
  const { rows, pager } = paged(vaults, req.query, "/console/vaults");
  const listing =
    vaults.length === 0
      ? emptyState("No vaults yet.", "A vault holds secrets under paths such as api-keys/stripe. Create one below, then add secrets and grant agents access with policies.")
      : html`${table(rows, [
          { label: "Name", cell: (v) => html`<a href="/console/vaults/${v.id}">${v.name}</a>` },
          { label: "Description", cell: (v) => v.description || html`<span class="muted">—</span>` },
          { label: "Created", cell: (v) => when(v.createdAt) },
        ])}${pager}`;
  return page(
    "Vaults",
    html`${listing}
<h2>Create a vault</h2>
${alert(error)}
${formTag(req, "/console/vaults", html`${field("Name", "name", { required: true, placeholder: "production" })}${field("Description", "description")}${submit("Create vault")}`, { className: "inline", label: "Create a vault" })}`,
    { section: "vaults", status: error ? 400 : 200 },
  );
}

async function create(req: PageRequest): Promise<PageResult> {
  const created = await attempt(() => req.rpc.vaults.createVault({ name: req.form.get("name") ?? "", description: req.form.get("description") ?? "" }));
  if (!created.ok) return list(req, created.error);
  return redirect(`/console/vaults/${created.value.vault?.id ?? ""}`, `Vault "${created.value.vault?.name ?? ""}" created.`);
}

async function show(req: PageRequest, errors: { put?: string; remove?: string } = {}): Promise<PageResult> {
  const vaultId = req.params.vaultId;
  const { vault } = await req.rpc.vaults.getVault({ vaultId });
  const prefix = req.query.get("prefix") ?? "";
  const cursor = req.query.get("cursor") ?? "";
  const listed = await attempt(() => req.rpc.vaults.listSecrets({ vaultId, prefix, limit: SECRETS_PER_PAGE, cursor }));
  const secrets = listed.ok ? listed.value.secrets : [];
  const nextCursor = listed.ok ? listed.value.nextCursor : "";
  const base = `/console/vaults/${vaultId}`;
  const secretList = !listed.ok
    ? alert(listed.error)
    : secrets.length === 0
      ? emptyState(prefix ? `No secrets under "${prefix}".` : "This vault holds no secrets yet.", "Add one with the form below; its value is encrypted before it is stored.")
      : html`${table(secrets, [
          { label: "Path", cell: (s) => html`<a href="${href(`${base}/secret`, { path: s.path })}">${s.path}</a>` },
          { label: "Type", cell: (s) => s.type },
          { label: "Version", cell: (s) => s.version, numeric: true },
          { label: "Expires", cell: (s) => (s.expiresAt ? when(s.expiresAt) : html`<span class="muted">never</span>`) },
          { label: "Updated", cell: (s) => when(s.createdAt) },
        ])}
<nav class="pager" aria-label="Pages">${cursor ? html`<a href="${href(base, { prefix })}">← First page</a>` : ""}${nextCursor ? html`<a href="${href(base, { prefix, cursor: nextCursor })}">Next →</a>` : ""}</nav>`;
  return page(
    `Vault "${vault?.name ?? ""}"`,
    html`<p class="crumbs"><a href="/console/vaults">Vaults</a></p>
<div class="panel">${facts([
      ["Id", code(vaultId)],
      ["Description", vault?.description || "—"],
      ["Created", when(vault?.createdAt)],
    ])}
<div class="actions"><a href="${base}/policies">Policies: who can read what →</a></div></div>
<h2>Secrets</h2>
<form method="get" action="${base}" class="inline" aria-label="Filter by path prefix"><label>Path prefix <input name="prefix" value="${prefix}" placeholder="api-keys/"></label><button type="submit">Filter</button>${prefix ? html`<a href="${base}">Clear</a>` : ""}</form>
${secretList}
<h2>Add a secret</h2>
${newVersionForm(req, vaultId, { error: errors.put, action: `${base}/secrets` })}
<h2>Delete this vault</h2>
${alert(errors.remove)}
${formTag(
  req,
  `${base}/delete`,
  html`<p class="warning">Deleting a vault deletes every secret in it and every policy on it. Agents lose access at once. This cannot be undone.</p>
${field(`Type the vault's name, "${vault?.name ?? ""}", to confirm`, "confirm_name", { required: true, autocomplete: "off" })}
<div class="actions">${submit("Delete vault", "danger")}</div>`,
  { className: "stack panel", label: "Delete this vault" },
)}`,
    { section: "vaults", status: errors.put || errors.remove ? 400 : 200 },
  );
}

async function remove(req: PageRequest): Promise<PageResult> {
  const vaultId = req.params.vaultId;
  const { vault } = await req.rpc.vaults.getVault({ vaultId });
  if ((req.form.get("confirm_name") ?? "") !== vault?.name) return show(req, { remove: `The name you typed is not "${vault?.name ?? ""}"; the vault was not deleted.` });
  const deleted = await attempt(() => req.rpc.vaults.deleteVault({ vaultId }));
  if (!deleted.ok) return show(req, { remove: deleted.error });
  return redirect("/console/vaults", `Vault "${vault.name}" deleted.`);
}

async function putFirst(req: PageRequest): Promise<PageResult> {
  const saved = await putSecretFromForm(req);
  if (!saved.ok) return show(req, { put: saved.error });
  return redirect(href(`/console/vaults/${req.params.vaultId}/secret`, { path: saved.path }), `Version ${saved.version} of "${saved.path}" saved.`);
}

export const vaultRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/vaults", handle: (req) => list(req) },
  { method: "POST", pattern: "/console/vaults", handle: create },
  { method: "GET", pattern: "/console/vaults/:vaultId", handle: (req) => show(req) },
  { method: "POST", pattern: "/console/vaults/:vaultId/delete", handle: remove },
  { method: "POST", pattern: "/console/vaults/:vaultId/secrets", handle: putFirst },
];
