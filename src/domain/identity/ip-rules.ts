// An organisation's IP rules: allow and deny ranges that every authenticated call of its users and
// agents must pass (deny wins; once any allow rule exists, an address must match one). Everyone in
// the organisation may list them — they constrain every member, and a member who is refused should
// be able to see why — but only owners and admins create or delete them.
//
// Lock-out protection: a change after which the caller's own current address would be refused is
// itself refused (409), so an admin cannot cut off the very session that could undo the mistake.
// It protects the caller only; locking out other addresses is what the rules are for.
import type { DataSource, EntityManager } from "typeorm";
import type { EventBus } from "../../events/bus.js";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import { isUuid } from "../ids.js";
import { CidrSet, formatCidr, normalizeIp, parseCidr } from "../net/ip.js";
import { deleteIpRule, insertIpRule, ipRulesOf, lockedIpRulesOf, notifyIpRuleChange, type IpRuleRow } from "./ip-rule-store.js";
import type { Principal } from "./principal.js";
import { requireOrgManager } from "./org-roles.js";

export { IP_RULES_CHANNEL } from "./ip-rule-store.js";

export type IpRuleType = "allow" | "deny";

export interface IpRule {
  id: string;
  orgId: string;
  ruleType: IpRuleType;
  /** Canonical "address/prefix"; a bare address was stored as /32 or /128. */
  cidr: string;
  label: string;
  appliesTo: string;
  createdBy: string;
  createdAt: Date;
}

export interface NewIpRule {
  ruleType: string;
  cidr: string;
  label?: string;
  appliesTo?: string;
}

/** Bus topic of rule changes (payload-free: the organisation is the event's org_id). */
export const IP_RULES_TOPIC = "ip_rule.change";

export const MAX_LABEL_LENGTH = 200;
const MAX_APPLIES_TO_LENGTH = 200;

/** How a change reaches this instance's enforcement (ip-rule-gate.ts) without any delay. */
export interface IpRuleChangeHooks {
  /** Called after a change committed, so this instance's next request sees it. */
  changed(orgId: string): void;
}

export class IpRules {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly bus: EventBus,
    private readonly hooks: IpRuleChangeHooks,
  ) {}

  async list(principal: Principal): Promise<IpRule[]> {
    return (await ipRulesOf(this.dataSource.manager, principal.orgId)).map(toIpRule);
  }

  async create(principal: Principal, input: NewIpRule, ip: string): Promise<IpRule> {
    assertManager(principal);
    const ruleType = parseRuleType(input.ruleType);
    const cidr = formatCidr(parseCidr(input.cidr, "cidr"));
    const label = boundedText("label", input.label ?? "", MAX_LABEL_LENGTH);
    const appliesTo = boundedText("applies_to", input.appliesTo ?? "", MAX_APPLIES_TO_LENGTH);
    const rule = await this.dataSource.transaction(async (manager) => {
      const existing = await lockedIpRulesOf(manager, principal.orgId);
      if (existing.some((r) => r.rule_type === ruleType && r.cidr === cidr)) {
        throw new DomainError("conflict", `your organisation already has a ${ruleType} rule for ${cidr}`);
      }
      assertCallerStillAdmitted([...existing, { rule_type: ruleType, cidr }], ip, `this ${ruleType} rule`);
      const row = await insertIpRule(manager, { org_id: principal.orgId, rule_type: ruleType, cidr, label, applies_to: appliesTo, created_by: principal.id });
      await this.recordChange(manager, principal, "ip_rule.create", row, ip);
      return row;
    });
    this.hooks.changed(principal.orgId);
    return toIpRule(rule);
  }

  async delete(principal: Principal, ruleId: string, ip: string): Promise<void> {
    assertManager(principal);
    if (!isUuid(ruleId)) throw new DomainError("invalid_argument", "rule_id must be a UUID");
    await this.dataSource.transaction(async (manager) => {
      const existing = await lockedIpRulesOf(manager, principal.orgId);
      // A rule of another organisation is indistinguishable from no rule.
      const target = existing.find((r) => r.id === ruleId);
      if (!target) throw new DomainError("not_found", `no IP rule ${ruleId} in your organisation`);
      assertCallerStillAdmitted(existing.filter((r) => r.id !== ruleId), ip, "deleting this rule");
      await deleteIpRule(manager, ruleId);
      await this.recordChange(manager, principal, "ip_rule.delete", target, ip);
    });
    this.hooks.changed(principal.orgId);
  }

  private async recordChange(manager: EntityManager, principal: Principal, action: "ip_rule.create" | "ip_rule.delete", rule: IpRuleRow, ip: string): Promise<void> {
    await this.audit.append(manager, {
      orgId: principal.orgId,
      actor: { type: "user", id: principal.id },
      action,
      resource: { type: "ip_rule", id: rule.id },
      details: { rule_type: rule.rule_type, cidr: rule.cidr, label: rule.label },
      ip,
    });
    await this.bus.publish(manager, IP_RULES_TOPIC, {}, principal.orgId);
    await notifyIpRuleChange(manager);
  }
}

/** An organisation's rules, ready to match addresses against. */
export interface CompiledIpRules {
  allow: CidrSet;
  deny: CidrSet;
}

export type IpVerdict = { admitted: true } | { admitted: false; reason: "denied" | "not_allowed" };

export function compileIpRules(rules: { rule_type: string; cidr: string }[]): CompiledIpRules {
  const of = (type: IpRuleType) => new CidrSet(rules.filter((r) => r.rule_type === type).map((r) => parseCidr(r.cidr)));
  return { allow: of("allow"), deny: of("deny") };
}

/** Deny wins; with any allow rule, the address must match one. An unknown address matches nothing. */
export function ipVerdict(rules: CompiledIpRules, address: string): IpVerdict {
  if (rules.deny.contains(address)) return { admitted: false, reason: "denied" };
  if (rules.allow.size > 0 && !rules.allow.contains(address)) return { admitted: false, reason: "not_allowed" };
  return { admitted: true };
}

/** The address as shown in error messages. */
export function shownAddress(address: string): string {
  return address ? normalizeIp(address) : "(unknown)";
}

function assertCallerStillAdmitted(rules: { rule_type: string; cidr: string }[], ip: string, change: string): void {
  const verdict = ipVerdict(compileIpRules(rules), ip);
  if (verdict.admitted) return;
  const why = verdict.reason === "denied" ? "a deny rule would match it" : "no allow rule would match it";
  throw new DomainError(
    "conflict",
    `${change} would lock you out: your own address ${shownAddress(ip)} would be refused (${why}); add an allow rule for your address first`,
  );
}

function assertManager(principal: Principal): void {
  requireOrgManager(principal, "only owners and admins manage IP rules");
}

function parseRuleType(raw: string): IpRuleType {
  if (raw !== "allow" && raw !== "deny") throw new DomainError("invalid_argument", `rule_type must be "allow" or "deny", got "${(raw ?? "").slice(0, 32)}"`);
  return raw;
}

function boundedText(field: string, value: string, max: number): string {
  const length = [...value].length;
  if (length > max) throw new DomainError("invalid_argument", `${field} must be at most ${max} characters, got ${length}`);
  return value;
}

function toIpRule(row: IpRuleRow): IpRule {
  return {
    id: row.id,
    orgId: row.org_id,
    ruleType: row.rule_type,
    cidr: row.cidr,
    label: row.label,
    appliesTo: row.applies_to,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
  };
}
