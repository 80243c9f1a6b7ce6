// An agent's transaction guardrails (the Intents fields of UpdateAgent) and what it spent today.
// The form names every field it shows in update_mask, so an emptied field is cleared (no limit);
// the API validates each one and its sentence is shown above the form.
import type { Agent } from "../../../../gen/ts/clawkeep/v1/agents_pb.js";
import { attempt } from "../api-errors.js";
import { alert, facts, html, join, type Html } from "../html.js";
import { field, formTag, page, redirect, submit, textArea, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { agentHeader, agentPath, checkbox, listOf, loadAgent } from "./agent-frame.js";

/** The fields this form edits, by wire name (update_mask paths). */
const FIELDS = ["intents_api_enabled", "tx_to_allowlist", "tx_max_value", "tx_daily_limit", "tx_allowed_chains", "tx_max_per_day", "tx_token_allowlist", "tx_known_tokens_only"];

interface Values {
  intents: boolean;
  to: string;
  maxValue: string;
  dailyLimit: string;
  chains: string;
  maxPerDay: string;
  tokens: string;
  knownOnly: boolean;
}

function valuesOf(agent: Agent): Values {
  return {
    intents: agent.intentsApiEnabled,
    to: agent.txToAllowlist.join("\n"),
    maxValue: agent.txMaxValue ?? "",
    dailyLimit: agent.txDailyLimit ?? "",
    chains: agent.txAllowedChains.join("\n"),
    maxPerDay: agent.txMaxPerDay === undefined ? "" : String(agent.txMaxPerDay),
    tokens: agent.txTokenAllowlist.join("\n"),
    knownOnly: agent.txKnownTokensOnly,
  };
}

function postedValues(req: PageRequest): Values {
  const text = (name: string) => (req.form.get(name) ?? "").trim();
  return {
    intents: req.form.get("intents_api_enabled") === "on",
    to: text("tx_to_allowlist"),
    maxValue: text("tx_max_value"),
    dailyLimit: text("tx_daily_limit"),
    chains: text("tx_allowed_chains"),
    maxPerDay: text("tx_max_per_day"),
    tokens: text("tx_token_allowlist"),
    knownOnly: req.form.get("tx_known_tokens_only") === "on",
  };
}

function today(agent: Agent): Html {
  const byChain = Object.entries(agent.txSpentTodayByChain);
  return facts([
    ["Spent today", `${agent.txSpentToday || "0"}${agent.txDailyLimit ? ` of ${agent.txDailyLimit}` : ""}`],
    ["By chain family", byChain.length === 0 ? "—" : join(byChain.map(([chain, value]) => html`${chain}: ${value}`), ", ")],
    ["Transactions today", `${agent.txCountToday}${agent.txMaxPerDay !== undefined ? ` of ${agent.txMaxPerDay}` : ""}`],
    ["Chains with a signing key", agent.signingChains.length === 0 ? "none" : agent.signingChains.join(", ")],
  ]);
}

async function show(req: PageRequest, error?: { message: string; status: number; values: Values }): Promise<PageResult> {
  const agent = await loadAgent(req);
  const chains = await attempt(() => req.rpc.intents.listChains({}));
  const configured = chains.ok ? chains.value.chains.map((c) => c.name) : [];
  const v = error?.values ?? valuesOf(agent);
  return page(
    `Guardrails of "${agent.name}"`,
    html`${agentHeader(agent, "guardrails")}
<p>Clawkeep checks these limits before it signs anything for the agent. An empty field means no limit. Amounts are decimal, in the chain's native unit (ETH).</p>
<div class="panel">${today(agent)}</div>
<h2>Edit guardrails</h2>
${alert(error?.message)}
${formTag(
  req,
  agentPath(agent.id, "/guardrails"),
  html`${checkbox("Intents API enabled", "intents_api_enabled", v.intents, "The agent may have transactions signed. It also can no longer read private keys directly.")}
${field("Maximum value per transaction", "tx_max_value", { value: v.maxValue, placeholder: "0.5" })}
${field("Daily limit", "tx_daily_limit", { value: v.dailyLimit, placeholder: "2", hint: "Summed over the last UTC day, per chain family." })}
${field("Maximum transactions per day", "tx_max_per_day", { type: "number", value: v.maxPerDay, hint: "A whole number, 0 or more." })}
${textArea("Allowed destinations", "tx_to_allowlist", { value: v.to, rows: 3, hint: "Addresses, one per line. Empty: any destination." })}
${textArea("Allowed chains", "tx_allowed_chains", { value: v.chains, rows: 2, hint: configured.length > 0 ? `Chain names, one per line; configured here: ${configured.join(", ")}. Empty: every enabled chain.` : "Chain names, one per line. Empty: every enabled chain." })}
${textArea("Allowed token contracts", "tx_token_allowlist", { value: v.tokens, rows: 2, hint: "Contract addresses, one per line. Empty: any token." })}
${checkbox("Known tokens only", "tx_known_tokens_only", v.knownOnly, "Only tokens of the known-token registry may be used.")}
<div class="actions">${submit("Save guardrails")}</div>`,
  { className: "stack panel", label: "Edit guardrails" },
)}`,
    { section: "agents", status: error ? error.status : 200 },
  );
}

async function save(req: PageRequest): Promise<PageResult> {
  const values = postedValues(req);
  if (values.maxPerDay !== "" && !/^-?\d{1,9}$/.test(values.maxPerDay)) {
    return show(req, { message: "Maximum transactions per day must be a whole number.", status: 400, values });
  }
  const saved = await attempt(() =>
    req.rpc.agents.updateAgent({
      agentId: req.params.agentId,
      updateMask: { paths: FIELDS },
      intentsApiEnabled: values.intents,
      txToAllowlist: listOf(values.to),
      txMaxValue: values.maxValue || undefined,
      txDailyLimit: values.dailyLimit || undefined,
      txAllowedChains: listOf(values.chains),
      txMaxPerDay: values.maxPerDay === "" ? undefined : Number(values.maxPerDay),
      txTokenAllowlist: listOf(values.tokens),
      txKnownTokensOnly: values.knownOnly,
    }),
  );
  if (!saved.ok) return show(req, { message: saved.error, status: saved.status, values });
  return redirect(agentPath(req.params.agentId, "/guardrails"), "Guardrails saved; they apply to the agent's next transaction.");
}

export const agentGuardrailRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/agents/:agentId/guardrails", handle: (req) => show(req) },
  { method: "POST", pattern: "/console/agents/:agentId/guardrails", handle: save },
];
