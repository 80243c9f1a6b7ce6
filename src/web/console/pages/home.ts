// The console's front page: what needs the person's attention (enrollments waiting for a
// decision, shares waiting to be accepted), and for a new organisation the four steps from an
// empty vault to an agent reading a secret.
import { attempt } from "../api-errors.js";
import { html, type Html } from "../html.js";
import { page, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";

async function home(req: PageRequest): Promise<PageResult> {
  // Each count is independent: a member who may not list enrollments still sees the rest.
  const [vaults, agents, pending, inbound] = await Promise.all([
    attempt(() => req.rpc.vaults.listVaults({})),
    attempt(() => req.rpc.agents.listAgents({})),
    attempt(() => req.rpc.agents.listEnrollments({ status: "pending", limit: 100, offset: 0 })),
    attempt(() => req.rpc.shares.listInboundShares({})),
  ]);
  const vaultCount = vaults.ok ? vaults.value.vaults.length : 0;
  const agentCount = agents.ok ? agents.value.agents.filter((a) => a.isActive).length : 0;
  const waiting = pending.ok ? pending.value.enrollments.length : 0;
  const toAccept = inbound.ok ? inbound.value.shares.filter((s) => !s.isAccepted && !s.isExpired).length : 0;

  const attention: Html[] = [];
  if (waiting > 0) attention.push(html`<li><a href="/console/enrollments">${waiting} enrollment request${waiting === 1 ? "" : "s"}</a> waiting for you to allow or deny.</li>`);
  if (toAccept > 0) attention.push(html`<li><a href="/console/shares">${toAccept} share${toAccept === 1 ? "" : "s"}</a> sent to you, waiting to be accepted.</li>`);

  const steps: [boolean, Html][] = [
    [vaultCount > 0, html`<a href="/console/vaults">Create a vault</a> and add a secret to it.`],
    [agentCount > 0, html`<a href="/console/agents">Register an agent</a>, or let one enroll itself and allow it under <a href="/console/enrollments">Enrollments</a>.`],
    [false, html`Grant the agent a policy on the vault (a vault's page → Policies).`],
    [false, html`The agent trades its <code>ocv_</code> key for a token and reads what its policies allow; every read is in the <a href="/console/audit">audit log</a>.`],
  ];
  const gettingStarted =
    vaultCount === 0 || agentCount === 0
      ? html`<h2>Getting started</h2><ol class="panel">${steps.map(([done, text]) => html`<li>${done ? html`<s>${text}</s> ✓` : text}</li>`)}</ol>`
      : "";
  return page(
    "Overview",
    html`${attention.length > 0 ? html`<div class="panel"><h2>Needs your attention</h2><ul>${attention}</ul></div>` : html`<p class="muted">Nothing is waiting for you.</p>`}
<div class="grid2">
<div class="panel"><h2><a href="/console/vaults">Vaults</a></h2><p>${vaultCount} vault${vaultCount === 1 ? "" : "s"}</p></div>
<div class="panel"><h2><a href="/console/agents">Agents</a></h2><p>${agentCount} active agent${agentCount === 1 ? "" : "s"}</p></div>
</div>
${gettingStarted}`,
    { section: "home" },
  );
}

export const homeRoutes: ConsoleRoute[] = [{ method: "GET", pattern: "/console", handle: home }];
