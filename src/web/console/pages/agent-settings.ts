// An agent's settings (UpdateAgent without the guardrails): name, description, vault binding,
// scopes, token lifetime and expiries. Every field the form shows is named in update_mask, so an
// emptied field is cleared (no expiry, the server's default lifetime, no scopes).
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Agent } from "../../../../gen/ts/clawkeep/v1/agents_pb.js";
import { attempt } from "../api-errors.js";
import { alert, html } from "../html.js";
import { field, formTag, page, redirect, submit, textArea, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { agentHeader, agentPath, checkbox, listOf, loadAgent, timestampOf } from "./agent-frame.js";

const FIELDS = ["name", "description", "vault_ids", "scopes", "token_ttl_seconds", "api_key_expires_at", "expires_at"];

interface Values {
  name: string;
  description: string;
  vaultIds: string[];
  scopes: string;
  ttl: string;
  keyExpires: string;
  expires: string;
}

const local = (ts: Agent["expiresAt"]) => (ts ? timestampDate(ts).toISOString().slice(0, 16) : "");

function valuesOf(agent: Agent): Values {
  return {
    name: agent.name,
    description: agent.description,
    vaultIds: agent.vaultIds,
    scopes: agent.scopes.join("\n"),
    ttl: agent.tokenTtlSeconds === undefined ? "" : String(agent.tokenTtlSeconds),
    keyExpires: local(agent.apiKeyExpiresAt),
    expires: local(agent.expiresAt),
  };
}

async function show(req: PageRequest, error?: { message: string; status: number; values: Values }): Promise<PageResult> {
  const agent = await loadAgent(req);
  const { vaults } = await req.rpc.vaults.listVaults({});
  const v = error?.values ?? valuesOf(agent);
  const choosable = vaults.filter((vault) => !vault.name.startsWith("__") || v.vaultIds.includes(vault.id));
  return page(
    `Settings of "${agent.name}"`,
    html`${agentHeader(agent, "settings")}
${alert(error?.message)}
${formTag(
  req,
  agentPath(agent.id, "/settings"),
  html`${field("Name", "name", { required: true, value: v.name })}
${field("Description", "description", { value: v.description })}
<fieldset><legend>Vault access</legend>${choosable.length === 0 ? html`<p class="muted">No vaults yet.</p>` : choosable.map((vault) => checkbox(vault.name, "vault_id", v.vaultIds.includes(vault.id), undefined, vault.id))}
<small>Ticked vaults are the only ones the agent can use. None ticked: the vaults' policies alone decide.</small></fieldset>
${textArea("Scopes", "scopes", { value: v.scopes, rows: 2, hint: "One per line: path globs such as api-keys/** or vaults:read. Empty: no ceiling." })}
${field("Token lifetime in seconds", "token_ttl_seconds", { type: "number", value: v.ttl, hint: "1 to 86400. Empty: the server default, 3600." })}
${field("API key expires at", "api_key_expires_at", { type: "datetime-local", value: v.keyExpires, hint: "UTC. Empty: never. A time in the past stops the key and revokes the agent's tokens now." })}
${field("Agent expires at", "expires_at", { type: "datetime-local", value: v.expires, hint: "UTC. Empty: never." })}
<div class="actions">${submit("Save settings")}</div>`,
  { className: "stack panel", label: "Agent settings" },
)}`,
    { section: "agents", status: error ? error.status : 200 },
  );
}

async function save(req: PageRequest): Promise<PageResult> {
  const values: Values = {
    name: req.form.get("name") ?? "",
    description: req.form.get("description") ?? "",
    vaultIds: req.form.getAll("vault_id"),
    scopes: req.form.get("scopes") ?? "",
    ttl: (req.form.get("token_ttl_seconds") ?? "").trim(),
    keyExpires: req.form.get("api_key_expires_at") ?? "",
    expires: req.form.get("expires_at") ?? "",
  };
  if (values.ttl && !/^\d{1,9}$/.test(values.ttl)) return show(req, { message: "The token lifetime must be a whole number of seconds.", status: 400, values });
  const keyExpires = timestampOf(values.keyExpires, "API key expiry");
  if (!keyExpires.ok) return show(req, { message: keyExpires.error, status: 400, values });
  const expires = timestampOf(values.expires, "Agent expiry");
  if (!expires.ok) return show(req, { message: expires.error, status: 400, values });
  const saved = await attempt(() =>
    req.rpc.agents.updateAgent({
      agentId: req.params.agentId,
      updateMask: { paths: FIELDS },
      name: values.name,
      description: values.description,
      vaultIds: values.vaultIds,
      scopes: listOf(values.scopes),
      tokenTtlSeconds: values.ttl ? Number(values.ttl) : undefined,
      apiKeyExpiresAt: keyExpires.value,
      expiresAt: expires.value,
    }),
  );
  if (!saved.ok) return show(req, { message: saved.error, status: saved.status, values });
  return redirect(agentPath(req.params.agentId, "/settings"), `Settings of "${saved.value.agent?.name ?? values.name}" saved.`);
}

export const agentSettingRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/agents/:agentId/settings", handle: (req) => show(req) },
  { method: "POST", pattern: "/console/agents/:agentId/settings", handle: save },
];
