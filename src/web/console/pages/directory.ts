// Who an id is: the organisation's members and agents, so that pages can say "alice@example.com"
// or "agent Share Bot" where the API answers with a UUID. Read through the API like everything
// else; when a list cannot be read (the API refused it), ids are shown as they are.
import type { Agent } from "../../../../gen/ts/clawkeep/v1/agents_pb.js";
import type { OrgMember } from "../../../../gen/ts/clawkeep/v1/org_pb.js";
import { attempt } from "../api-errors.js";
import { code, html, type Html } from "../html.js";
import type { PageRequest } from "../page.js";

export interface Directory {
  members: OrgMember[];
  agents: Agent[];
  /** The person or agent behind an actor id, in words; the bare id when unknown. */
  name(type: string, id: string): Html;
}

export async function directory(req: PageRequest): Promise<Directory> {
  const [members, agents] = await Promise.all([
    attempt(() => req.rpc.org.listOrgMembers({})),
    attempt(() => req.rpc.agents.listAgents({})),
  ]);
  const memberList = members.ok ? members.value.members : [];
  const agentList = agents.ok ? agents.value.agents : [];
  const byMember = new Map(memberList.map((m) => [m.id, m]));
  const byAgent = new Map(agentList.map((a) => [a.id, a]));
  return {
    members: memberList,
    agents: agentList,
    name(type, id) {
      if (!id) return html`<span class="muted">${type || "—"}</span>`;
      const member = type !== "agent" ? byMember.get(id) : undefined;
      if (member) return html`<span title="${id}">${member.id === req.user?.id ? `${member.email} (you)` : member.email}</span>`;
      const agent = type !== "user" ? byAgent.get(id) : undefined;
      if (agent) return html`agent <a href="/console/agents/${agent.id}" title="${id}">${agent.name}</a>`;
      return html`${type ? `${type} ` : ""}${code(id)}`;
    },
  };
}
