// "Who can read this path?": a GET form on a vault's policies page and the answer of
// CheckPathAccess — every member and agent that could, why (vault owner, or which policies), and
// whether policy conditions (IP allowlist, time window) decide at request time.
import type { CheckPathAccessResponse, Policy } from "../../../../gen/ts/clawkeep/v1/vaults_pb.js";
import { attempt } from "../api-errors.js";
import { alert, badge, code, emptyState, html, join, table, type Html } from "../html.js";
import type { PageRequest } from "../page.js";

const PERMISSIONS = ["read", "write", "delete"] as const;

export interface PathCheck {
  html: Html;
  /** The API refused the question (a malformed path): the page answers 400. */
  failed?: number;
}

function policyLabel(id: string, policies: ReadonlyMap<string, Policy>): Html {
  const policy = policies.get(id);
  return policy ? html`<a href="#policy-${id}">${policy.secretPathPattern}</a> <span class="muted">(${policy.effect || "allow"}, ${policy.permissions.join(", ")})</span>` : code(id);
}

function answer(result: CheckPathAccessResponse, policies: ReadonlyMap<string, Policy>): Html {
  const verb = result.permission === "read" ? "read" : result.permission === "write" ? "write" : "delete";
  if (result.principals.length === 0) {
    return emptyState(`Nobody can ${verb} ${result.path}.`, "Add a policy below that grants a member or an agent this path, or check another path.");
  }
  return html`<p>${result.principals.length} can ${verb} <code>${result.path}</code>:</p>
${table(result.principals, [
  { label: "Who", cell: (p) => html`${p.displayName} ${badge(p.principalType === "agent" ? "agent" : "member")}` },
  {
    label: "Because",
    cell: (p) => (p.reason === "owner" ? "they own the vault: no policy is consulted" : join(p.policyIds.map((id) => html`${policyLabel(id, policies)}`), html`<br>`.value)),
  },
  { label: "Conditions", cell: (p) => (p.conditional ? badge("only when conditions hold", "warn") : badge("always", "ok")) },
])}`;
}

/** The check form, and its answer when a path was asked. */
export async function pathCheck(req: PageRequest, vaultId: string, policies: readonly Policy[]): Promise<PathCheck> {
  const path = (req.query.get("path") ?? "").trim();
  const asked = req.query.get("permission") ?? "read";
  const permission = (PERMISSIONS as readonly string[]).includes(asked) ? asked : "read";
  const form = html`<form method="get" action="/console/vaults/${vaultId}/policies" class="inline" aria-label="Who can use this path?">
<label>Secret path <input name="path" value="${path}" placeholder="api-keys/stripe" required></label>
<label>Permission <select name="permission">${PERMISSIONS.map((p) => html`<option value="${p}"${p === permission ? html` selected` : ""}>${p}</option>`)}</select></label>
<button type="submit">Check</button></form>`;
  if (!path) return { html: html`${form}<p class="muted">Name a path to see every member and agent that could use it, and which policies let them.</p>` };
  const checked = await attempt(() => req.rpc.vaults.checkPathAccess({ vaultId, path, permission }));
  if (!checked.ok) return { html: html`${form}${alert(checked.error)}`, failed: checked.status };
  const byId = new Map(policies.map((p) => [p.id, p]));
  return { html: html`${form}<div role="region" aria-label="Who can use this path">${answer(checked.value, byId)}</div>` };
}
