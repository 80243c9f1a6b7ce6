// An agent's signing keys, one active key per chain family (the ethereum key signs on every
// configured EVM chain): address, version, state, and the balance on each configured chain.
// Creating, rotating and deactivating go through IntentService; the private halves never leave
// the server.
import type { Chain, SigningKey } from "../../../../gen/ts/clawkeep/v1/intents_pb.js";
import { attempt } from "../api-errors.js";
import { alert, badge, code, emptyState, html, table, when, type Html } from "../html.js";
import { formTag, page, redirect, select, submit, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { agentHeader, agentPath, loadAgent } from "./agent-frame.js";
import { balancesOf, familyOf } from "./signing-key-balance.js";

/** The key families to offer, each with the configured chains its key signs on (only EVM so far). */
function familyOptions(chains: readonly Chain[]): (readonly [string, string])[] {
  const names = chains.filter((c) => familyOf(c) === "ethereum").map((c) => c.displayName || c.name);
  return [["ethereum", names.length > 0 ? `Ethereum / EVM: signs on ${names.join(", ")}` : "Ethereum / EVM (no chain is configured on this server yet)"]];
}

async function show(req: PageRequest, error?: { message: string; status: number }): Promise<PageResult> {
  const agent = await loadAgent(req);
  const [{ keys }, chains] = await Promise.all([req.rpc.intents.listSigningKeys({ agentId: agent.id }), attempt(() => req.rpc.intents.listChains({}))]);
  const configured = chains.ok ? chains.value.chains : [];
  const balances = await balancesOf(req, agent.id, keys, configured);
  const base = agentPath(agent.id, "/signing-keys");
  const sorted = [...keys].sort((a, b) => a.chain.localeCompare(b.chain) || b.keyVersion - a.keyVersion);
  const actions = (k: SigningKey): Html | "" =>
    k.isActive
      ? html`${formTag(req, `${base}/${encodeURIComponent(k.chain)}/rotate`, html`<button type="submit" class="link">Rotate</button>`, { label: `Rotate the ${k.chain} key` })}
 · <form method="post" action="${base}/${encodeURIComponent(k.chain)}/deactivate" data-confirm="Deactivate the ${k.chain} signing key? The agent can no longer sign on ${k.chain} chains."><input type="hidden" name="csrf" value="${req.csrf}"><button type="submit" class="link">Deactivate</button></form>`
      : "";
  const listing =
    keys.length === 0
      ? emptyState("This agent has no signing key.", "Create one below: Clawkeep makes the key, keeps its private half sealed, and signs the agent's transactions with it under its guardrails.")
      : table(sorted, [
          { label: "Chain", cell: (k) => k.chain },
          { label: "Address", cell: (k) => (k.address ? code(k.address) : html`<span class="muted">—</span>`) },
          { label: "Version", cell: (k) => k.keyVersion, numeric: true },
          { label: "State", cell: (k) => (k.isActive ? badge("active", "ok") : badge("retired")) },
          { label: "Created", cell: (k) => when(k.createdAt) },
          { label: "Rotated", cell: (k) => (k.rotatedAt ? when(k.rotatedAt) : html`<span class="muted">—</span>`) },
          { label: "Balance", cell: (k) => balances.get(k.id) ?? html`<span class="muted">—</span>` },
          { label: "", cell: actions },
        ]);
  const activeFamilies = new Set(keys.filter((k) => k.isActive).map((k) => k.chain));
  const options = familyOptions(configured).filter(([family]) => !activeFamilies.has(family));
  const create =
    options.length === 0
      ? html`<p class="muted">The agent has an active key for every chain family this server signs for. Rotate a key to replace it.</p>`
      : formTag(
          req,
          base,
          html`${select("Chain", "chain", options)}
<p class="muted">The address is derived from the new key. Send funds to it before the agent transacts.</p>
<div class="actions">${submit("Create signing key")}</div>`,
          { className: "stack panel", label: "Create a signing key" },
        );
  return page(
    `Signing keys of "${agent.name}"`,
    html`${agentHeader(agent, "signing-keys")}
${agent.intentsApiEnabled ? "" : html`<p class="warning">The Intents API is off for this agent: its keys sign nothing until it is enabled under <a href="${agentPath(agent.id, "/guardrails")}">Guardrails</a>.</p>`}
${alert(error?.message)}
${listing}
<h2>Create a signing key</h2>
${create}`,
    { section: "agents", status: error ? error.status : 200 },
  );
}

function chainOf(req: PageRequest): string {
  return req.params.chain ?? req.form.get("chain") ?? "";
}

async function create(req: PageRequest): Promise<PageResult> {
  const chain = chainOf(req);
  const made = await attempt(() => req.rpc.intents.createSigningKey({ agentId: req.params.agentId, chain }));
  if (!made.ok) return show(req, { message: made.error, status: made.status });
  const address = made.value.signingKey?.address;
  return redirect(agentPath(req.params.agentId, "/signing-keys"), `The ${chain} signing key is made${address ? `; its address is ${address}` : ""}.`);
}

async function rotate(req: PageRequest): Promise<PageResult> {
  const chain = chainOf(req);
  const rotated = await attempt(() => req.rpc.intents.rotateSigningKey({ agentId: req.params.agentId, chain }));
  if (!rotated.ok) return show(req, { message: rotated.error, status: rotated.status });
  const key = rotated.value.signingKey;
  return redirect(
    agentPath(req.params.agentId, "/signing-keys"),
    `The ${chain} key is now version ${key?.keyVersion ?? "?"} at ${key?.address ?? "a new address"}; funds at the old address stay there.`,
  );
}

async function deactivate(req: PageRequest): Promise<PageResult> {
  const chain = chainOf(req);
  const done = await attempt(() => req.rpc.intents.deactivateSigningKey({ agentId: req.params.agentId, chain }));
  if (!done.ok) return show(req, { message: done.error, status: done.status });
  return redirect(agentPath(req.params.agentId, "/signing-keys"), `The ${chain} signing key is deactivated; it signs nothing more.`);
}

export const signingKeyRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/agents/:agentId/signing-keys", handle: (req) => show(req) },
  { method: "POST", pattern: "/console/agents/:agentId/signing-keys", handle: create },
  { method: "POST", pattern: "/console/agents/:agentId/signing-keys/:chain/rotate", handle: rotate },
  { method: "POST", pattern: "/console/agents/:agentId/signing-keys/:chain/deactivate", handle: deactivate },
];
