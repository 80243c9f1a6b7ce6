// Access policies: storage and management. Their rows live in policy-store.ts; what a set of
// policies decides is policy/evaluate.ts. Only a vault's owner and org owners/admins manage its
// policies, and every change is audited in its own transaction; a change applies from the next
// request on, because policies are read per request.
import type { DataSource, EntityManager } from "typeorm";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { isUuid } from "../ids.js";
import { conditionsToJson, parseConditions } from "./policy/conditions.js";
import { validatePattern } from "./policy/glob.js";
import { PERMISSIONS, type Effect, type Permission, type PolicyRule, type PrincipalType } from "./policy/types.js";
import { decideAccess } from "./access-decision.js";
import { validateSecretPath, type SecretType } from "./secret-rules.js";
import { latestEnabledVersion, liveSecretId } from "./secret-store.js";
import { refusesSigningKeyRead } from "./secrets.js";
import { deletePolicy, insertPolicy, policiesOfVault, policyForUpdate, updatePolicy, type Policy } from "./policy-store.js";
import type { VaultCache } from "./vault-cache.js";
import type { VaultAccess, Vaults } from "./vaults.js";

export type { Policy } from "./policy-store.js";

/** What this module asks of the modules that own people and agents. */
export interface PolicyPrincipals {
  isMember(q: DataSource | EntityManager, orgId: string, userId: string): Promise<boolean>;
  isLiveAgent(q: DataSource | EntityManager, orgId: string, agentId: string): Promise<boolean>;
  /**
   * Every member of the organisation (by join date) and every agent that can act now (active, not
   * deleted, not expired; by creation), each as the principal it acts as.
   */
  orgPrincipals(q: DataSource | EntityManager, orgId: string): Promise<OrgPrincipal[]>;
}

/** A member or agent of the organisation, as it would act, with the name people know it by. */
export interface OrgPrincipal {
  principal: Principal;
  /** A member's email, an agent's name. */
  displayName: string;
}

/** One principal that could use a path (CheckPathAccess), and why. */
export interface PathAccessGrant {
  principalType: PrincipalType;
  principalId: string;
  displayName: string;
  /** "owner": vault ownership bypasses policies; "policy": the policies in policyIds decide. */
  reason: "owner" | "policy";
  policyIds: string[];
  /** The access depends on policy conditions (ip_allowlist, time_window) evaluated at request time. */
  conditional: boolean;
}

export interface CreatePolicyInput {
  secretPathPattern: string;
  principalType: string;
  principalId: string;
  permissions: string[];
  conditions?: Record<string, unknown>;
  expiresAt?: Date;
  effect: string;
  priority?: number;
}

/** Absent fields keep their value; `conditions: {}` removes every condition. */
export interface UpdatePolicyInput {
  permissions: string[];
  conditions?: Record<string, unknown>;
  expiresAt?: Date;
  effect?: string;
  priority?: number;
}

type Queryable = DataSource | EntityManager;

export class Policies {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vaults: Vaults,
    private readonly cache: VaultCache,
    private readonly audit: AuditLog,
    private readonly principals: PolicyPrincipals,
  ) {}

  /** Runs a change of the vault's policies in a transaction that announces it to every instance. */
  private async changing<T>(principal: Principal, vaultId: string, change: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const result = await change(manager);
        await this.cache.announce(manager, vaultId, principal.orgId);
        return result;
      });
    } finally {
      this.cache.forget(vaultId);
    }
  }

  async create(principal: Principal, vaultId: string, input: CreatePolicyInput, ip: string): Promise<Policy> {
    const valid = validatePolicy(input);
    try {
      return await this.dataSource.transaction((manager) => this.createWithin(manager, principal, vaultId, valid, ip));
    } finally {
      this.cache.forget(vaultId);
    }
  }

  /**
   * Creates a policy inside the caller's transaction and announces it to every instance; the
   * caller calls `forget(vaultId)` once that transaction has ended. `input` comes from
   * `validatePolicy`.
   */
  async createWithin(manager: EntityManager, principal: Principal, vaultId: string, input: ValidPolicyInput, ip: string): Promise<Policy> {
    await this.managedVault(manager, principal, vaultId);
    await this.assertPrincipalInOrg(manager, principal.orgId, input.principalType, input.principalId);
    const policy = await insertPolicy(manager, vaultId, { ...input, conditions: conditionsToJson(input.conditions) }, principal);
    await this.audit.append(manager, { ...this.auditOf(principal, policy), action: "policy.create", ip });
    await this.cache.announce(manager, vaultId, principal.orgId);
    return policy;
  }

  /** Drops this instance's cached policies of the vault; after a transaction that used `createWithin`. */
  forget(vaultId: string): void {
    this.cache.forget(vaultId);
  }

  async list(principal: Principal, vaultId: string): Promise<Policy[]> {
    await this.managedVault(this.dataSource, principal, vaultId);
    return policiesOfVault(this.dataSource, vaultId);
  }

  /**
   * Who of the organisation could do `permission` on `path` in the vault, by the decision the
   * secret operations make (decideAccess over Vaults.access); for those who may list the vault's
   * policies. Conditions depend on the request, so each principal is decided twice: with every
   * conditional deny applying and no conditional allow (if that allows, access is unconditional),
   * then with every conditional allow applying and no conditional deny (if only that allows, access
   * is conditional). Anyone neither decision allows is left out.
   */
  async whoCan(principal: Principal, vaultId: string, path: string, rawPermission: string): Promise<PathAccessGrant[]> {
    validateSecretPath(path);
    const permission = parsePermission(rawPermission || "read");
    await this.managedVault(this.dataSource, principal, vaultId);
    const now = new Date();
    // What a read of the path's current secret refuses by its type alone (secrets.ts): an Intents
    // API agent never reads a private_key or ssh_key secret, whatever its policies say.
    const type = permission === "read" ? await currentSecretType(this.dataSource, vaultId, path) : undefined;
    const grants: PathAccessGrant[] = [];
    for (const { principal: candidate, displayName } of await this.principals.orgPrincipals(this.dataSource, principal.orgId)) {
      let access: VaultAccess;
      try {
        access = await this.vaults.access(this.dataSource, candidate, vaultId);
      } catch (error) {
        // Not bound to the vault, or no relation to it at all: no access, as for a read.
        if (error instanceof DomainError && (error.kind === "not_found" || error.kind === "permission_denied")) continue;
        throw error;
      }
      if (type !== undefined && refusesSigningKeyRead(candidate, type)) continue;
      const decide = (policies: PolicyRule[]) => decideAccess(candidate, { isOwner: access.isOwner, policies }, path, permission, "", now);
      const always = decide(worstCase(access.policies));
      const favourable = decide(bestCase(access.policies));
      if (!always.allowed && !favourable.allowed) continue;
      const base = { principalType: candidate.type, principalId: candidate.id, displayName };
      if (favourable.reason === "owner") {
        grants.push({ ...base, reason: "owner", policyIds: [], conditional: false });
        continue;
      }
      // The deciding allow whatever the conditions, and the one when they are favourable.
      const policyIds = [always, favourable].flatMap((d) => (d.allowed && d.reason === "policy" ? [d.policy.id] : []));
      grants.push({ ...base, reason: "policy", policyIds: [...new Set(policyIds)], conditional: !always.allowed });
    }
    return grants;
  }

  async update(principal: Principal, vaultId: string, policyId: string, input: UpdatePolicyInput, ip: string): Promise<Policy> {
    if (!isUuid(policyId)) throw new DomainError("invalid_argument", "policy_id must be a UUID");
    const permissions = input.permissions.length > 0 ? parsePermissions(input.permissions) : undefined;
    const effect = input.effect === undefined ? undefined : parseEffect(input.effect);
    const priority = input.priority === undefined ? undefined : parsePriority(input.priority);
    const conditions = input.conditions === undefined ? undefined : parseConditions(input.conditions);
    const expiresAt = input.expiresAt === undefined ? undefined : parseExpiry(input.expiresAt);
    return this.changing(principal, vaultId, async (manager) => {
      await this.managedVault(manager, principal, vaultId);
      const current = await policyForUpdate(manager, vaultId, policyId);
      if (!current) throw policyNotFound(policyId, vaultId);
      const policy = await updatePolicy(manager, policyId, {
        permissions: permissions ?? current.permissions,
        effect: effect ?? current.effect,
        priority: priority ?? current.priority,
        conditions: conditions === undefined ? current.conditions : conditionsToJson(conditions),
        expiresAt: expiresAt === undefined ? current.expires_at : expiresAt,
      });
      const changed = Object.keys(input).filter((key) => (key === "permissions" ? input.permissions.length > 0 : input[key as keyof UpdatePolicyInput] !== undefined));
      const base = this.auditOf(principal, policy);
      await this.audit.append(manager, { ...base, action: "policy.update", details: { ...base.details, changed }, ip });
      return policy;
    });
  }

  async delete(principal: Principal, vaultId: string, policyId: string, ip: string): Promise<void> {
    if (!isUuid(policyId)) throw new DomainError("invalid_argument", "policy_id must be a UUID");
    await this.changing(principal, vaultId, async (manager) => {
      await this.managedVault(manager, principal, vaultId);
      const deleted = await deletePolicy(manager, vaultId, policyId);
      if (!deleted) throw policyNotFound(policyId, vaultId);
      await this.audit.append(manager, { ...this.auditOf(principal, deleted), action: "policy.delete", ip });
    });
  }

  /** A policy may only name someone of the vault's own organisation. */
  private async assertPrincipalInOrg(q: Queryable, orgId: string, type: PrincipalType, id: string): Promise<void> {
    const found = type === "user" ? await this.principals.isMember(q, orgId, id) : await this.principals.isLiveAgent(q, orgId, id);
    if (!found) throw new DomainError("invalid_argument", `principal_id ${id} is not a ${type} of your organisation`);
  }

  private async managedVault(q: Queryable, principal: Principal, vaultId: string): Promise<void> {
    const access = await this.vaults.access(q, principal, vaultId, q === this.dataSource ? {} : { lock: "share" });
    if (!access.canManage) throw new DomainError("permission_denied", "only the vault's owner or an organisation owner or admin can manage its policies");
  }

  private auditOf(principal: Principal, policy: Policy) {
    return {
      orgId: principal.orgId,
      actor: { type: principal.type, id: principal.id },
      resource: { type: "policy", id: policy.id },
      details: {
        vault_id: policy.vaultId,
        principal_type: policy.principalType,
        principal_id: policy.principalId,
        secret_path_pattern: policy.pattern,
        permissions: policy.permissions,
        effect: policy.effect,
        priority: policy.priority,
      },
    };
  }
}

/** CreatePolicyInput after its checks. */
export interface ValidPolicyInput {
  pattern: string;
  principalType: PrincipalType;
  principalId: string;
  permissions: Permission[];
  effect: Effect;
  priority: number;
  conditions: ReturnType<typeof parseConditions>;
  expiresAt: Date | null;
}

/** Checks everything about a new policy that needs no database; each failure is a 400 naming the field. */
export function validatePolicy(input: CreatePolicyInput): ValidPolicyInput {
  validatePattern(input.secretPathPattern);
  const principalType = parsePrincipalType(input.principalType);
  if (!isUuid(input.principalId)) throw new DomainError("invalid_argument", "principal_id must be the UUID of a user or agent");
  return {
    pattern: input.secretPathPattern,
    principalType,
    principalId: input.principalId,
    permissions: parsePermissions(input.permissions),
    effect: parseEffect(input.effect || "allow"),
    priority: parsePriority(input.priority ?? 0),
    conditions: parseConditions(input.conditions),
    expiresAt: parseExpiry(input.expiresAt),
  };
}

function policyNotFound(policyId: string, vaultId: string): DomainError {
  return new DomainError("not_found", `policy ${policyId} not found in vault ${vaultId}`);
}

function parsePrincipalType(raw: string): PrincipalType {
  if (raw !== "user" && raw !== "agent") throw new DomainError("invalid_argument", `principal_type must be "user" or "agent", got "${raw.slice(0, 32)}"`);
  return raw;
}

/** The type of the path's live secret's latest enabled version; undefined when there is none. */
async function currentSecretType(q: Queryable, vaultId: string, path: string): Promise<SecretType | undefined> {
  const secretId = await liveSecretId(q, vaultId, path);
  return secretId === undefined ? undefined : (await latestEnabledVersion(q, secretId))?.type;
}

function hasConditions(policy: PolicyRule): boolean {
  return policy.conditions.ipAllowlist !== undefined || policy.conditions.timeWindow !== undefined;
}

function withoutConditions(policy: PolicyRule): PolicyRule {
  return hasConditions(policy) ? { ...policy, conditions: {} } : policy;
}

/** Conditions at their least favourable: conditional denies always apply, conditional allows never. */
function worstCase(policies: readonly PolicyRule[]): PolicyRule[] {
  return policies.filter((policy) => policy.effect === "deny" || !hasConditions(policy)).map(withoutConditions);
}

/** Conditions at their most favourable: conditional allows always apply, conditional denies never. */
function bestCase(policies: readonly PolicyRule[]): PolicyRule[] {
  return policies.filter((policy) => policy.effect === "allow" || !hasConditions(policy)).map(withoutConditions);
}

function parsePermission(raw: string): Permission {
  if (!(PERMISSIONS as readonly string[]).includes(raw)) throw new DomainError("invalid_argument", `permission must be one of ${PERMISSIONS.join(", ")}, got "${raw.slice(0, 32)}"`);
  return raw as Permission;
}

function parsePermissions(raw: string[]): Permission[] {
  if (raw.length === 0) throw new DomainError("invalid_argument", `permissions must name at least one of ${PERMISSIONS.join(", ")}`);
  const bad = raw.find((p) => !(PERMISSIONS as readonly string[]).includes(p));
  if (bad !== undefined) throw new DomainError("invalid_argument", `permission "${bad.slice(0, 32)}" is not one of ${PERMISSIONS.join(", ")}`);
  return PERMISSIONS.filter((p) => raw.includes(p));
}

function parseEffect(raw: string): Effect {
  if (raw !== "allow" && raw !== "deny") throw new DomainError("invalid_argument", `effect must be "allow" or "deny", got "${raw.slice(0, 32)}"`);
  return raw;
}

function parsePriority(raw: number): number {
  if (!Number.isInteger(raw) || raw < 0) throw new DomainError("invalid_argument", `priority must be 0 or more, got ${raw}`);
  return raw;
}

function parseExpiry(expiresAt: Date | undefined): Date | null {
  if (!expiresAt) return null;
  if (expiresAt.getTime() <= Date.now()) throw new DomainError("invalid_argument", "expires_at must be in the future");
  return expiresAt;
}
