// The IP rules table and every statement on it: clawkeep_ip_rules, an organisation's allow and
// deny ranges. ip-rules.ts asks it for changes (serialised by a lock on the organisation's row in
// clawkeep_orgs), ip-rule-gate.ts for the rules it caches.
import type { DataSource, EntityManager } from "typeorm";
import { columnList, defineTable } from "../../db/table.js";
import type { IpRuleType } from "./ip-rules.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_ip_rules. */
export interface IpRuleRow {
  id: string;
  org_id: string;
  rule_type: IpRuleType;
  /** Canonical "address/prefix". */
  cidr: string;
  label: string;
  applies_to: string;
  /** Not a foreign key: a rule outlives the person who made it. */
  created_by: string;
  created_at: Date;
}

export const IP_RULES = defineTable<IpRuleRow>("clawkeep_ip_rules", {
  id: true,
  org_id: true,
  rule_type: true,
  cidr: true,
  label: true,
  applies_to: true,
  created_by: true,
  created_at: true,
});

const COLUMNS = columnList(IP_RULES);

/**
 * Bare NOTIFY channel, sent in the same transaction as each change: instances drop their cached
 * rules the moment it commits, without waiting to read the bus event (see ip-rule-gate.ts).
 */
export const IP_RULES_CHANNEL = "clawkeep_ip_rules";

/** Every rule of the organisation, oldest first. */
export function ipRulesOf(q: Queryable, orgId: string): Promise<IpRuleRow[]> {
  return q.query(`SELECT ${COLUMNS} FROM "clawkeep_ip_rules" WHERE "org_id" = $1 ORDER BY "created_at", "id"`, [orgId]);
}

/** Every rule of the organisation, with the organisation row locked so that changes queue up. */
export async function lockedIpRulesOf(manager: EntityManager, orgId: string): Promise<IpRuleRow[]> {
  await manager.query(`SELECT 1 FROM "clawkeep_orgs" WHERE "id" = $1 FOR UPDATE`, [orgId]);
  return ipRulesOf(manager, orgId);
}

export async function insertIpRule(manager: EntityManager, rule: Pick<IpRuleRow, "org_id" | "rule_type" | "cidr" | "label" | "applies_to" | "created_by">): Promise<IpRuleRow> {
  const [row]: IpRuleRow[] = await manager.query(
    `INSERT INTO "clawkeep_ip_rules" ("org_id", "rule_type", "cidr", "label", "applies_to", "created_by")
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [rule.org_id, rule.rule_type, rule.cidr, rule.label, rule.applies_to, rule.created_by],
  );
  return row;
}

export async function deleteIpRule(manager: EntityManager, ruleId: string): Promise<void> {
  await manager.query(`DELETE FROM "clawkeep_ip_rules" WHERE "id" = $1`, [ruleId]);
}

/** Sends the bare change NOTIFY on IP_RULES_CHANNEL; delivered when the transaction commits. */
export async function notifyIpRuleChange(manager: EntityManager): Promise<void> {
  await manager.query(`SELECT pg_notify($1, '')`, [IP_RULES_CHANNEL]);
}
