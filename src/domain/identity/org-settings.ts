// Organisation-wide settings that owners and admins choose: whether the API key of a self-enrolled
// agent is also handed to the agent through its claim after approval, or only emailed to the
// approving human; and whether every Intents API transaction is simulated before it is signed.
import type { DataSource, EntityManager } from "typeorm";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import { orgSettingsRow, setAgentKeyClaim, setIntentsRequireSimulation } from "./identity-store.js";
import type { Principal } from "./principal.js";
import { requireOrgManager } from "./org-roles.js";

export interface OrgSettings {
  /** An approved self-enrolled agent may collect its own API key (ClaimEnrollment). */
  agentKeyClaim: boolean;
  /** Every transaction of the organisation's agents is simulated first (as with simulate_first). */
  intentsRequireSimulation: boolean;
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
    if (changes.agentKeyClaim === undefined && changes.intentsRequireSimulation === undefined) return this.get(principal);
    return this.dataSource.transaction(async (manager) => {
      const details: Record<string, boolean> = {};
      if (changes.agentKeyClaim !== undefined) details.agent_key_claim = await setAgentKeyClaim(manager, principal.orgId, changes.agentKeyClaim);
      if (changes.intentsRequireSimulation !== undefined) {
        details.intents_require_simulation = await setIntentsRequireSimulation(manager, principal.orgId, changes.intentsRequireSimulation);
      }
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "org.settings_update",
        resource: { type: "org", id: principal.orgId },
        details,
        ip,
      });
      return orgSettingsOf(manager, principal.orgId);
    });
  }
}

/** The settings of an organisation, read through the caller's transaction when it has one. */
export async function orgSettingsOf(manager: EntityManager, orgId: string): Promise<OrgSettings> {
  const row = await orgSettingsRow(manager, orgId);
  if (row === undefined) throw new DomainError("not_found", `organisation ${orgId} not found`);
  return { agentKeyClaim: row.agent_key_claim, intentsRequireSimulation: row.intents_require_simulation };
}
