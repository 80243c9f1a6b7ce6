// What every page of one agent shares: loading the agent (another organisation's id is the API's
// not-found, which the console turns into the 404 page), the crumbs, and the tabs between the
// agent's pages. Also the small form helpers those pages share.
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Agent } from "../../../../gen/ts/clawkeep/v1/agents_pb.js";
import { badge, html, type Html } from "../html.js";
import type { PageRequest } from "../page.js";

export type AgentTab = "overview" | "settings" | "guardrails" | "signing-keys" | "transactions";

const TABS: readonly [AgentTab, string, string][] = [
  ["overview", "Overview", ""],
  ["settings", "Settings", "/settings"],
  ["guardrails", "Guardrails", "/guardrails"],
  ["signing-keys", "Signing keys", "/signing-keys"],
  ["transactions", "Transactions", "/transactions"],
];

export function agentPath(agentId: string, tail = ""): string {
  return `/console/agents/${encodeURIComponent(agentId)}${tail}`;
}

/** The agent the page is about, as the API shows it to the signed-in person. */
export async function loadAgent(req: PageRequest): Promise<Agent> {
  const { agent } = await req.rpc.agents.getAgent({ agentId: req.params.agentId });
  if (!agent) throw new Error("GetAgent answered without an agent");
  return agent;
}

export function statusBadge(agent: Pick<Agent, "isActive">): Html {
  return agent.isActive ? badge("active", "ok") : badge("inactive", "bad");
}

/** Crumbs and the tabs of the agent's pages, the current one marked. */
export function agentHeader(agent: Agent, current: AgentTab): Html {
  return html`<p class="crumbs"><a href="/console/agents">Agents</a> / ${agent.name} ${statusBadge(agent)}</p>
<nav class="actions" aria-label="This agent">${TABS.map(([tab, label, tail]) =>
    tab === current ? html`<strong aria-current="page">${label}</strong>` : html`<a href="${agentPath(agent.id, tail)}">${label}</a>`,
  )}</nav>`;
}

/** A list typed one per line (or comma-separated): trimmed, empty entries dropped. */
export function listOf(text: string | null): string[] {
  return (text ?? "")
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** A labelled checkbox, posted as "on" when ticked; the hint beside the label, as page.ts places hints. */
export function checkbox(label: string, name: string, checked: boolean, hint?: string, value = "on"): Html {
  const box = html`<label><input type="checkbox" name="${name}" value="${value}"${checked ? html` checked` : ""}> ${label}</label>`;
  return hint ? html`<div class="field">${box}<small>${hint}</small></div>` : box;
}

/** A datetime-local value (UTC) as a timestamp; undefined when empty, an error sentence when bad. */
export function timestampOf(text: string, label: string): { ok: true; value?: Timestamp } | { ok: false; error: string } {
  if (text === "") return { ok: true };
  const date = new Date(`${text}Z`);
  if (Number.isNaN(date.getTime())) return { ok: false, error: `${label}: "${text}" is not a date and time.` };
  return { ok: true, value: timestampFromDate(date) };
}
