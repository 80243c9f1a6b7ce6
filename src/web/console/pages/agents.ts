// Agents: the organisation's list, registering one (its API key shown once, in the answer), and
// one agent's overview: facts, today's activity, deactivate / reactivate, a new API key, delete.
import type { Agent } from "../../../../gen/ts/clawkeep/v1/agents_pb.js";
import { attempt } from "../api-errors.js";
import { alert, code, emptyState, facts, html, join, paged, table, when, type Html } from "../html.js";
import { field, formTag, page, redirect, submit, textArea, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { agentHeader, agentPath, checkbox, listOf, loadAgent, statusBadge, timestampOf } from "./agent-frame.js";
import { keyOnce, rotateForm } from "./agent-keys.js";

const NONE = html`<span class="muted">—</span>`;

async function list(req: PageRequest): Promise<PageResult> {
  const { agents } = await req.rpc.agents.listAgents({});
  const { rows, pager } = paged(agents, req.query, "/console/agents");
  const listing =
    agents.length === 0
      ? emptyState(
          "No agents yet.",
          html`An agent is a program that reads secrets with its own API key. <a href="/console/agents/new">Register one</a> here and hand it the key yourself, or let the agent ask to join: it calls <code>POST /v1/agents/enroll</code> and its request waits under <a href="/console/enrollments">Enrollments</a> for you to allow. Either way it reads nothing until a vault's policies grant it access.`,
        )
      : html`${table(rows, [
          { label: "Name", cell: (a) => html`<a href="${agentPath(a.id)}">${a.name}</a>` },
          { label: "Status", cell: (a) => statusBadge(a) },
          { label: "Auth", cell: (a) => a.authMethod },
          { label: "Last activity", cell: (a) => (a.lastActiveAt ? when(a.lastActiveAt) : html`<span class="muted">never</span>`) },
          { label: "Created", cell: (a) => when(a.createdAt) },
        ])}${pager}`;
  return page("Agents", html`<div class="actions"><a href="/console/agents/new">Register an agent →</a></div>${listing}`, { section: "agents" });
}

interface RegisterValues {
  name?: string;
  description?: string;
  vaultIds?: string[];
  ttl?: string;
  scopes?: string;
  keyExpires?: string;
  intents?: boolean;
}

async function registerForm(req: PageRequest, error?: string, status = 400, values: RegisterValues = {}): Promise<PageResult> {
  const { vaults } = await req.rpc.vaults.listVaults({});
  const choosable = vaults.filter((v) => !v.name.startsWith("__"));
  const vaultChoice =
    choosable.length === 0
      ? html`<p class="muted">No vaults yet: the agent's access comes from the policies you add to vaults later.</p>`
      : html`<fieldset><legend>Vault access (optional)</legend>${choosable.map((v) => checkbox(v.name, "vault_id", values.vaultIds?.includes(v.id) ?? false, undefined, v.id))}
<small>Binds the agent to these vaults: it can use no others. Leave all unticked to let the vaults' policies alone decide. Either way a policy must grant each path.</small></fieldset>`;
  return page(
    "Register an agent",
    html`<p class="crumbs"><a href="/console/agents">Agents</a></p>
${alert(error)}
${formTag(
  req,
  "/console/agents",
  html`${field("Name", "name", { required: true, value: values.name, placeholder: "billing-bot" })}
${field("Description (optional)", "description", { value: values.description })}
${vaultChoice}
${field("Token lifetime in seconds (optional)", "token_ttl_seconds", { type: "number", value: values.ttl, hint: "How long each token the agent gets for its key lives, 1 to 86400. Empty: the server default, 3600." })}
${textArea("Scopes (optional)", "scopes", { value: values.scopes, rows: 2, hint: "One per line: path globs such as api-keys/** or vaults:read. A ceiling on what policies can grant; empty means no ceiling." })}
${field("API key expires at (optional)", "api_key_expires_at", { type: "datetime-local", value: values.keyExpires, hint: "UTC. Empty: the key never expires." })}
${checkbox("Uses the Intents API (signs transactions through Clawkeep)", "intents_api_enabled", values.intents ?? false, "Guardrails and signing keys are set on the agent's page afterwards.")}
<div class="actions">${submit("Register agent")}</div>`,
  { className: "stack panel", label: "Register an agent" },
)}`,
    { section: "agents", status: error ? status : 200 },
  );
}

async function register(req: PageRequest): Promise<PageResult> {
  const values: RegisterValues = {
    name: req.form.get("name") ?? "",
    description: req.form.get("description") ?? "",
    vaultIds: req.form.getAll("vault_id"),
    ttl: (req.form.get("token_ttl_seconds") ?? "").trim(),
    scopes: req.form.get("scopes") ?? "",
    keyExpires: req.form.get("api_key_expires_at") ?? "",
    intents: req.form.get("intents_api_enabled") === "on",
  };
  if (values.ttl && !/^\d{1,9}$/.test(values.ttl)) return registerForm(req, "The token lifetime must be a whole number of seconds.", 400, values);
  const keyExpires = timestampOf(values.keyExpires ?? "", "API key expiry");
  if (!keyExpires.ok) return registerForm(req, keyExpires.error, 400, values);
  const created = await attempt(() =>
    req.rpc.agents.createAgent({
      name: values.name,
      description: values.description,
      vaultIds: values.vaultIds,
      tokenTtlSeconds: values.ttl ? Number(values.ttl) : undefined,
      scopes: listOf(values.scopes ?? ""),
      apiKeyExpiresAt: keyExpires.value,
      intentsApiEnabled: values.intents,
    }),
  );
  if (!created.ok) return registerForm(req, created.error, created.status, values);
  const agent = created.value.agent;
  const id = agent?.id ?? "";
  // The key is in this answer only: no redirect, so it never reaches a URL, a cookie or a log.
  return page(
    `Agent "${agent?.name ?? ""}" registered`,
    html`<p class="crumbs"><a href="/console/agents">Agents</a></p>
${keyOnce(id, created.value.apiKey)}
<h2>Next</h2>
<p>The agent can read nothing yet. Grant it paths in a vault's policies (<a href="/console/vaults">Vaults</a> → a vault → Policies)${agent?.intentsApiEnabled ? ", and give it a signing key on its page" : ""}.</p>
<p><a href="${agentPath(id)}">Go to the agent's page →</a></p>`,
    { section: "agents", status: 201 },
  );
}

/** Who a user id is, by email, when the signed-in person may list the organisation's members. */
async function peopleById(req: PageRequest): Promise<Map<string, string>> {
  const listed = await attempt(() => req.rpc.org.listOrgMembers({}));
  return new Map(listed.ok ? listed.value.members.map((m) => [m.id, m.email]) : []);
}

function listOrNone(items: readonly (string | Html)[]): Html {
  return items.length === 0 ? NONE : join(items.map((item) => html`${item}`), ", ");
}

function spendToday(agent: Agent): Html {
  const byChain = Object.entries(agent.txSpentTodayByChain).filter(([, value]) => value !== "" && value !== "0");
  return html`${agent.txSpentToday || "0"} spent · ${agent.txCountToday} transaction${agent.txCountToday === 1 ? "" : "s"}${byChain.length > 0 ? html` (${join(byChain.map(([chain, value]) => html`${chain}: ${value}`), ", ")})` : ""}`;
}

/** The overview; `errors` puts the API's sentence above the form it concerns, the page answering `httpStatus`. */
async function overview(req: PageRequest, errors: { activation?: string; remove?: string; rotate?: string; httpStatus?: number } = {}): Promise<PageResult> {
  const agent = await loadAgent(req);
  const [people, vaults] = await Promise.all([peopleById(req), attempt(() => req.rpc.vaults.listVaults({}))]);
  const vaultNames = new Map(vaults.ok ? vaults.value.vaults.map((v) => [v.id, v.name]) : []);
  const base = agentPath(agent.id);
  const statusForm = agent.isActive
    ? formTag(
        req,
        `${base}/status`,
        html`<input type="hidden" name="is_active" value="false"><p>Deactivating stops the agent at once: its key cannot be exchanged and every token it holds is revoked. You can reactivate it later.</p><div class="actions">${submit("Deactivate agent", "danger")}</div>`,
        { className: "panel", label: "Deactivate" },
      )
    : formTag(
        req,
        `${base}/status`,
        html`<input type="hidden" name="is_active" value="true"><p>This agent is inactive: its key is refused. Reactivating lets it exchange its current key again.</p><div class="actions">${submit("Reactivate agent")}</div>`,
        { className: "panel", label: "Reactivate" },
      );
  return page(
    `Agent "${agent.name}"`,
    html`${agentHeader(agent, "overview")}
<div class="panel">${facts([
      ["Id", code(agent.id)],
      ["Status", statusBadge(agent)],
      ["Description", agent.description || NONE],
      ["Created by", people.get(agent.createdBy) ?? code(agent.createdBy)],
      ["Created", when(agent.createdAt)],
      ["Last activity", agent.lastActiveAt ? when(agent.lastActiveAt) : "never"],
      ["Auth method", agent.authMethod],
      ["Scopes", agent.scopes.length > 0 ? listOrNone(agent.scopes.map((s) => code(s))) : html`<span class="muted">none: policies alone decide</span>`],
      [
        "Vaults",
        agent.vaultIds.length > 0
          ? listOrNone(agent.vaultIds.map((id) => html`<a href="/console/vaults/${id}">${vaultNames.get(id) ?? id}</a>`))
          : html`<span class="muted">not bound: the vaults' policies decide</span>`,
      ],
      ["Token lifetime", agent.tokenTtlSeconds !== undefined ? `${agent.tokenTtlSeconds} s` : "server default (3600 s)"],
      ["API key expires", agent.apiKeyExpiresAt ? when(agent.apiKeyExpiresAt) : "never"],
      ["Agent expires", agent.expiresAt ? when(agent.expiresAt) : "never"],
      ["Intents API", agent.intentsApiEnabled ? "enabled" : "off"],
      ["Today", spendToday(agent)],
      ["Ed25519 public key", agent.sshPublicKey ? code(agent.sshPublicKey) : NONE],
      ["P-256 ECDH public key", agent.ecdhPublicKey ? code(agent.ecdhPublicKey) : NONE],
    ])}</div>
<h2>Status</h2>
${alert(errors.activation)}
${statusForm}
<h2>API key</h2>
${alert(errors.rotate)}
${rotateForm(req, agent.id)}
<h2>Delete this agent</h2>
${alert(errors.remove)}
${formTag(
  req,
  `${base}/delete`,
  html`<p class="warning">Deleting the agent stops its key and every token at once, for good. Its policies stay until you delete them; its audit trail is kept.</p>
${field(`Type the agent's name, "${agent.name}", to confirm`, "confirm_name", { required: true, autocomplete: "off" })}
<div class="actions">${submit("Delete agent", "danger")}</div>`,
  { className: "stack panel", label: "Delete this agent" },
)}`,
    { section: "agents", status: errors.activation || errors.remove || errors.rotate ? (errors.httpStatus ?? 400) : 200 },
  );
}

async function setStatus(req: PageRequest): Promise<PageResult> {
  const isActive = req.form.get("is_active") === "true";
  const changed = await attempt(() => req.rpc.agents.updateAgent({ agentId: req.params.agentId, isActive, updateMask: { paths: ["is_active"] } }));
  if (!changed.ok) return overview(req, { activation: changed.error, httpStatus: changed.status });
  const name = changed.value.agent?.name ?? "";
  return redirect(agentPath(req.params.agentId), isActive ? `Agent "${name}" is active again.` : `Agent "${name}" deactivated; its tokens were revoked.`);
}

async function rotate(req: PageRequest): Promise<PageResult> {
  const rotated = await attempt(() => req.rpc.agents.rotateAgentKey({ agentId: req.params.agentId }));
  if (!rotated.ok) return overview(req, { rotate: `The key was not rotated: ${rotated.error}`, httpStatus: rotated.status });
  const agent = rotated.value.agent;
  const id = agent?.id ?? req.params.agentId;
  return page(
    `New API key for "${agent?.name ?? ""}"`,
    html`<p class="crumbs"><a href="/console/agents">Agents</a> / <a href="${agentPath(id)}">${agent?.name ?? ""}</a></p>
<p>The old key no longer works, and every token the agent held was revoked. Give the agent this key.</p>
${keyOnce(id, rotated.value.apiKey)}
<p><a href="${agentPath(id)}">Done: back to the agent →</a></p>`,
    { section: "agents" },
  );
}

async function remove(req: PageRequest): Promise<PageResult> {
  const agent = await loadAgent(req);
  if ((req.form.get("confirm_name") ?? "") !== agent.name) return overview(req, { remove: `The name you typed is not "${agent.name}"; the agent was not deleted.` });
  const deleted = await attempt(() => req.rpc.agents.deleteAgent({ agentId: agent.id }));
  if (!deleted.ok) return overview(req, { remove: deleted.error, httpStatus: deleted.status });
  return redirect("/console/agents", `Agent "${agent.name}" deleted; its key and tokens no longer work.`);
}

export const agentRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/agents", handle: list },
  { method: "GET", pattern: "/console/agents/new", handle: (req) => registerForm(req) },
  { method: "POST", pattern: "/console/agents", handle: register },
  { method: "GET", pattern: "/console/agents/:agentId", handle: (req) => overview(req) },
  { method: "POST", pattern: "/console/agents/:agentId/status", handle: setStatus },
  { method: "POST", pattern: "/console/agents/:agentId/rotate-key", handle: rotate },
  { method: "POST", pattern: "/console/agents/:agentId/delete", handle: remove },
];
