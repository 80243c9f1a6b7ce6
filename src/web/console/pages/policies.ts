// The policies of a vault: who may read, write or delete which secret paths. The list (with each
// principal shown by email or agent name), creating one with the principal chosen from the
// organisation's members and agents, editing what a policy allows, deleting it, and the
// "who can use this path?" check (path-access.ts) above them.
import type { JsonObject } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Policy } from "../../../../gen/ts/clawkeep/v1/vaults_pb.js";
import { attempt } from "../api-errors.js";
import { alert, badge, code, emptyState, html, paged, table, when, type Html } from "../html.js";
import { field, formTag, page, redirect, select, submit, textArea, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { pathCheck } from "./path-access.js";

const PERMISSIONS = ["read", "write", "delete"] as const;

interface People {
  members: { id: string; email: string; role: string }[];
  agents: { id: string; name: string; isActive: boolean }[];
}

/** The organisation's members and agents, for naming principals and choosing one. */
async function peopleOf(req: PageRequest): Promise<People> {
  const [members, agents] = await Promise.all([attempt(() => req.rpc.org.listOrgMembers({})), attempt(() => req.rpc.agents.listAgents({}))]);
  return {
    members: members.ok ? members.value.members.map((m) => ({ id: m.id, email: m.email, role: m.role })) : [],
    agents: agents.ok ? agents.value.agents.map((a) => ({ id: a.id, name: a.name, isActive: a.isActive })) : [],
  };
}

function principalName(policy: Pick<Policy, "principalType" | "principalId">, people: People): Html {
  if (policy.principalType === "agent") {
    const agent = people.agents.find((a) => a.id === policy.principalId);
    return agent ? html`<a href="/console/agents/${agent.id}">${agent.name}</a> ${badge("agent")}` : html`${code(policy.principalId)} ${badge("deleted agent", "bad")}`;
  }
  const member = people.members.find((m) => m.id === policy.principalId);
  return member ? html`${member.email} ${badge("member")}` : html`${code(policy.principalId)} ${badge("former member", "bad")}`;
}

function principalSelect(people: People, selected?: string): Html {
  const option = (value: string, text: string) => html`<option value="${value}"${value === selected ? html` selected` : ""}>${text}</option>`;
  return html`<div class="field"><label>Who
<select name="principal" required><option value="">Choose a member or an agent…</option>
<optgroup label="Agents">${people.agents.map((a) => option(`agent:${a.id}`, `${a.name}${a.isActive ? "" : " (inactive)"}`))}</optgroup>
<optgroup label="Members">${people.members.map((m) => option(`user:${m.id}`, `${m.email} (${m.role})`))}</optgroup>
</select></label><small>Agents are listed by name, members by email.</small></div>`;
}

interface PolicyValues {
  principal?: string;
  pattern?: string;
  permissions: string[];
  effect: string;
  priority: string;
  expires: string;
  conditions: string;
}

const EMPTY: PolicyValues = { permissions: ["read"], effect: "allow", priority: "0", expires: "", conditions: "" };

function valuesOf(policy: Policy): PolicyValues {
  return {
    principal: `${policy.principalType}:${policy.principalId}`,
    pattern: policy.secretPathPattern,
    permissions: policy.permissions,
    effect: policy.effect || "allow",
    priority: String(policy.priority),
    expires: policy.expiresAt ? timestampDate(policy.expiresAt).toISOString().slice(0, 16) : "",
    conditions: policy.conditions && Object.keys(policy.conditions).length > 0 ? JSON.stringify(policy.conditions, null, 2) : "",
  };
}

function postedValues(req: PageRequest): PolicyValues {
  return {
    principal: req.form.get("principal") ?? "",
    pattern: (req.form.get("secret_path_pattern") ?? "").trim(),
    permissions: req.form.getAll("permission"),
    effect: req.form.get("effect") ?? "allow",
    priority: (req.form.get("priority") ?? "").trim(),
    expires: req.form.get("expires_at") ?? "",
    conditions: (req.form.get("conditions") ?? "").trim(),
  };
}

/** The fields both forms share: what the policy allows, and when. */
function ruleFields(v: PolicyValues, editing: boolean): Html {
  return html`<fieldset><legend>Permissions</legend>${PERMISSIONS.map(
    (p) => html`<label><input type="checkbox" name="permission" value="${p}"${v.permissions.includes(p) ? html` checked` : ""}> ${p}</label>`,
  )}</fieldset>
${select("Effect", "effect", [["allow", "allow"], ["deny", "deny: refuses even where another policy allows"]], v.effect)}
${field("Priority", "priority", { type: "number", value: v.priority, hint: "0 or more. Among matching policies the highest priority decides; at equal priority deny wins." })}
${field("Expires at (optional)", "expires_at", { type: "datetime-local", value: v.expires, hint: editing ? "UTC. An expiry can be moved, not removed." : "UTC. Empty: never." })}
${textArea("Conditions (optional, JSON)", "conditions", {
  value: v.conditions,
  rows: 3,
  hint: editing
    ? 'All must hold. Empty removes every condition. E.g. {"ip_allowlist": ["10.0.0.0/8"]} or {"time_window": {"after": "08:00", "before": "20:00", "timezone": "Europe/Berlin"}}.'
    : 'All must hold. E.g. {"ip_allowlist": ["10.0.0.0/8"]} or {"time_window": {"after": "08:00", "before": "20:00", "timezone": "Europe/Berlin"}}.',
})}`;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function parseRule(v: PolicyValues): Parsed<{ priority?: number; expiresAt?: Timestamp; conditions?: JsonObject }> {
  if (v.priority !== "" && !/^-?\d{1,9}$/.test(v.priority)) return { ok: false, error: "Priority must be a whole number." };
  let expiresAt: Timestamp | undefined;
  if (v.expires) {
    const date = new Date(`${v.expires}Z`);
    if (Number.isNaN(date.getTime())) return { ok: false, error: `Expiry: "${v.expires}" is not a date and time.` };
    expiresAt = timestampFromDate(date);
  }
  let conditions: JsonObject | undefined;
  if (v.conditions) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v.conditions);
    } catch {
      return { ok: false, error: 'Conditions must be JSON, such as {"ip_allowlist": ["10.0.0.0/8"]}.' };
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return { ok: false, error: "Conditions must be a JSON object (in braces)." };
    conditions = parsed as JsonObject;
  }
  return { ok: true, value: { priority: v.priority === "" ? undefined : Number(v.priority), expiresAt, conditions } };
}

function conditionSummary(policy: Policy): Html {
  const keys = Object.keys(policy.conditions ?? {});
  return keys.length === 0 ? html`<span class="muted">none</span>` : html`<code title="${JSON.stringify(policy.conditions)}">${keys.join(", ")}</code>`;
}

async function list(req: PageRequest, error?: { message: string; status: number; values: PolicyValues }): Promise<PageResult> {
  const vaultId = req.params.vaultId;
  const { vault } = await req.rpc.vaults.getVault({ vaultId });
  const listed = await attempt(() => req.rpc.vaults.listPolicies({ vaultId }));
  const policies = listed.ok ? listed.value.policies : [];
  const [people, check] = await Promise.all([peopleOf(req), pathCheck(req, vaultId, policies)]);
  const base = `/console/vaults/${vaultId}/policies`;
  const { rows, pager } = paged(policies, req.query, base, { path: req.query.get("path") ?? undefined, permission: req.query.get("permission") ?? undefined });
  const listing = !listed.ok
    ? alert(listed.error)
    : policies.length === 0
      ? emptyState("This vault has no policies.", "Nobody but the vault's owner can use its secrets. Add a policy below to let an agent or a member read or write paths in it.")
      : html`${table(rows, [
          { label: "Who", cell: (p) => html`<span id="policy-${p.id}">${principalName(p, people)}</span>` },
          { label: "Paths", cell: (p) => code(p.secretPathPattern) },
          { label: "May", cell: (p) => p.permissions.join(", ") },
          { label: "Effect", cell: (p) => (p.effect === "deny" ? badge("deny", "bad") : badge("allow", "ok")) },
          { label: "Priority", cell: (p) => p.priority, numeric: true },
          { label: "Conditions", cell: conditionSummary },
          { label: "Expires", cell: (p) => (p.expiresAt ? when(p.expiresAt) : html`<span class="muted">never</span>`) },
          {
            label: "",
            cell: (p) => html`<a href="${base}/${p.id}">Edit</a> · <form method="post" action="${base}/${p.id}/delete" data-confirm="Delete this policy? Whoever it lets in loses that access on their next request."><input type="hidden" name="csrf" value="${req.csrf}"><button type="submit" class="link">Delete</button></form>`,
          },
        ])}${pager}`;
  const v = error?.values ?? EMPTY;
  return page(
    `Policies of "${vault?.name ?? ""}"`,
    html`<p class="crumbs"><a href="/console/vaults">Vaults</a> / <a href="/console/vaults/${vaultId}">${vault?.name ?? ""}</a></p>
<p>By default nobody but the vault's owner can use its secrets. Each policy lets a member or an agent read, write or delete the secret paths that match its pattern. Changes apply to the very next request.</p>
<h2>Who can use a path?</h2>
${check.html}
<h2>Policies</h2>
${listing}
<h2>Add a policy</h2>
${alert(error?.message)}
${formTag(
  req,
  base,
  html`${principalSelect(people, v.principal)}
${field("Secret paths", "secret_path_pattern", { required: true, value: v.pattern, placeholder: "api-keys/**", hint: "A glob: * matches one path segment, ** any number, e.g. api-keys/*, api-keys/**, prod/db, or ** for the whole vault." })}
${ruleFields(v, false)}
<div class="actions">${submit("Add policy")}</div>`,
  { className: "stack panel", label: "Add a policy" },
)}`,
    { section: "vaults", status: error ? error.status : check.failed ?? 200 },
  );
}

async function create(req: PageRequest): Promise<PageResult> {
  const values = postedValues(req);
  const [principalType, principalId] = (values.principal ?? "").split(":", 2);
  if (!principalId) return list(req, { message: "Choose who the policy is for: a member or an agent.", status: 400, values });
  const rule = parseRule(values);
  if (!rule.ok) return list(req, { message: rule.error, status: 400, values });
  const created = await attempt(() =>
    req.rpc.vaults.createPolicy({
      vaultId: req.params.vaultId,
      secretPathPattern: values.pattern,
      principalType,
      principalId,
      permissions: values.permissions,
      effect: values.effect,
      ...rule.value,
    }),
  );
  if (!created.ok) return list(req, { message: created.error, status: created.status, values });
  return redirect(`/console/vaults/${req.params.vaultId}/policies`, `Policy on "${created.value.policy?.secretPathPattern ?? values.pattern}" added; it applies from the next request.`);
}

/** The policy of this vault the URL names; undefined when the vault has none with that id. */
async function findPolicy(req: PageRequest): Promise<Policy | undefined> {
  const { policies } = await req.rpc.vaults.listPolicies({ vaultId: req.params.vaultId });
  return policies.find((p) => p.id === req.params.policyId);
}

function policyGone(req: PageRequest): PageResult {
  return page(
    "Not found",
    html`<p>This vault has no policy ${code(req.params.policyId)}. It may have been deleted.</p><p><a href="/console/vaults/${req.params.vaultId}/policies">Back to the vault's policies</a></p>`,
    { section: "vaults", status: 404 },
  );
}

async function edit(req: PageRequest, error?: { message: string; status: number; values: PolicyValues }): Promise<PageResult> {
  const vaultId = req.params.vaultId;
  const { vault } = await req.rpc.vaults.getVault({ vaultId });
  const policy = await findPolicy(req);
  if (!policy) return policyGone(req);
  const people = await peopleOf(req);
  const base = `/console/vaults/${vaultId}/policies`;
  const v = error?.values ?? valuesOf(policy);
  return page(
    "Edit policy",
    html`<p class="crumbs"><a href="/console/vaults">Vaults</a> / <a href="/console/vaults/${vaultId}">${vault?.name ?? ""}</a> / <a href="${base}">Policies</a></p>
<div class="panel"><p>For ${principalName(policy, people)} on ${code(policy.secretPathPattern)}, created ${when(policy.createdAt)}.</p>
<p class="muted">Who and which paths are fixed; to change them, add a new policy and delete this one.</p></div>
${alert(error?.message)}
${formTag(req, `${base}/${policy.id}`, html`${ruleFields(v, true)}<div class="actions">${submit("Save policy")}</div>`, { className: "stack panel", label: "Edit policy" })}
<h2>Delete</h2>
${formTag(
  req,
  `${base}/${policy.id}/delete`,
  html`<p class="warning">Whoever this policy lets in loses that access on their next request.</p><div class="actions">${submit("Delete policy", "danger")}</div>`,
  { className: "panel", label: "Delete this policy" },
)}`,
    { section: "vaults", status: error ? error.status : 200 },
  );
}

async function update(req: PageRequest): Promise<PageResult> {
  const values = postedValues(req);
  // UpdatePolicy keeps the current permissions when given none: say so rather than ignore the change.
  if (values.permissions.length === 0) return edit(req, { message: "Tick at least one permission; to take all access away, delete the policy.", status: 400, values });
  const rule = parseRule(values);
  if (!rule.ok) return edit(req, { message: rule.error, status: 400, values });
  if (!(await findPolicy(req))) return policyGone(req);
  const saved = await attempt(() =>
    req.rpc.vaults.updatePolicy({
      vaultId: req.params.vaultId,
      policyId: req.params.policyId,
      permissions: values.permissions,
      effect: values.effect,
      priority: rule.value.priority,
      expiresAt: rule.value.expiresAt,
      // An emptied box removes every condition ({}); absent would keep them.
      conditions: rule.value.conditions ?? {},
    }),
  );
  if (!saved.ok) return edit(req, { message: saved.error, status: saved.status, values });
  return redirect(`/console/vaults/${req.params.vaultId}/policies`, `Policy on "${saved.value.policy?.secretPathPattern ?? ""}" saved; it applies from the next request.`);
}

async function remove(req: PageRequest): Promise<PageResult> {
  const policy = await findPolicy(req);
  if (!policy) return policyGone(req);
  const deleted = await attempt(() => req.rpc.vaults.deletePolicy({ vaultId: req.params.vaultId, policyId: policy.id }));
  if (!deleted.ok) return edit(req, { message: deleted.error, status: deleted.status, values: valuesOf(policy) });
  return redirect(`/console/vaults/${req.params.vaultId}/policies`, `Policy on "${policy.secretPathPattern}" deleted.`);
}

export const policyRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/vaults/:vaultId/policies", handle: (req) => list(req) },
  { method: "POST", pattern: "/console/vaults/:vaultId/policies", handle: create },
  { method: "GET", pattern: "/console/vaults/:vaultId/policies/:policyId", handle: (req) => edit(req) },
  { method: "POST", pattern: "/console/vaults/:vaultId/policies/:policyId", handle: update },
  { method: "POST", pattern: "/console/vaults/:vaultId/policies/:policyId/delete", handle: remove },
];
