// Organisation-wide settings that owners and admins choose. Today one: whether the API key of a
// self-enrolled agent is also handed to the agent through its claim after approval, or only
// emailed to the approving human.
import type { DataSource, EntityManager } from "typeorm";
import { rowsOf } from "../../db/rows.js";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import type { Principal } from "./principal.js";

export interface OrgSettings {
  /** An approved self-enrolled agent may collect its own API key (ClaimEnrollment). */
  agentKeyClaim: boolean;
}

export class OrgSettingsStore {
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
    if (principal.type !== "user" || (principal.role !== "owner" && principal.role !== "admin")) {
      throw new DomainError("permission_denied", "only an organisation owner or admin can change its settings");
    }
    if (changes.agentKeyClaim === undefined) return this.get(principal);
    return this.dataSource.transaction(async (manager) => {
      const [row] = rowsOf<{ agent_key_claim: boolean }>(
        await manager.query(`UPDATE "clawkeep_orgs" SET "agent_key_claim" = $2 WHERE "id" = $1 RETURNING "agent_key_claim"`, [principal.orgId, changes.agentKeyClaim]),
      );
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "org.settings_update",
        resource: { type: "org", id: principal.orgId },
        details: { agent_key_claim: row.agent_key_claim },
        ip,
      });
      return { agentKeyClaim: row.agent_key_claim };
    });
  }
}

/** The settings of an organisation, read through the caller's transaction when it has one. */
export async function orgSettingsOf(manager: EntityManager, orgId: string): Promise<OrgSettings> {
  const [row]: { agent_key_claim: boolean }[] = await manager.query(`SELECT "agent_key_claim" FROM "clawkeep_orgs" WHERE "id" = $1`, [orgId]);
  if (!row) throw new DomainError("not_found", `organisation ${orgId} not found`);
  return { agentKeyClaim: row.agent_key_claim };
}
