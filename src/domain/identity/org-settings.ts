// Organisation-wide settings that owners and admins choose. Today one: whether the API key of a
// self-enrolled agent is also handed to the agent through its claim after approval, or only
// emailed to the approving human.
import type { DataSource, EntityManager } from "typeorm";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import { agentKeyClaimOf, setAgentKeyClaim } from "./identity-store.js";
import type { Principal } from "./principal.js";
import { requireOrgManager } from "./org-roles.js";

export interface OrgSettings {
  /** An approved self-enrolled agent may collect its own API key (ClaimEnrollment). */
  agentKeyClaim: boolean;
}

export class OrgSettingsEditor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
  ) {}

  get(principal: Principal): Promise<OrgSettings> {
    if (principal.type !== "user") throw new DomainError("permission_denied", "only people read organisation settings");
    return orgSettingsOf(this.dataSource.manager, principal.orgId);
  }

  /** Changes the given settings; owners and admins only. */
  async update(principal: Principal, changes: Partial<OrgSettings>, ip: string): Promise<OrgSettings> {
    requireOrgManager(principal, "only an organisation owner or admin can change its settings");
    const wanted = changes.agentKeyClaim;
    if (wanted === undefined) return this.get(principal);
    return this.dataSource.transaction(async (manager) => {
      const agentKeyClaim = await setAgentKeyClaim(manager, principal.orgId, wanted);
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "org.settings_update",
        resource: { type: "org", id: principal.orgId },
        details: { agent_key_claim: agentKeyClaim },
        ip,
      });
      return { agentKeyClaim };
    });
  }
}

/** The settings of an organisation, read through the caller's transaction when it has one. */
export async function orgSettingsOf(manager: EntityManager, orgId: string): Promise<OrgSettings> {
  const agentKeyClaim = await agentKeyClaimOf(manager, orgId);
  if (agentKeyClaim === undefined) throw new DomainError("not_found", `organisation ${orgId} not found`);
  return { agentKeyClaim };
}
