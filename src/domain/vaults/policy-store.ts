// The policies table and every statement on it: clawkeep_policies, who may do what on which
// paths of a vault.
import type { DataSource, EntityManager } from "typeorm";
import { rowsOf } from "../../db/rows.js";
import { columnList, defineTable } from "../../db/table.js";
import { parseConditions } from "./policy/conditions.js";
import type { Effect, Permission, PolicyRule, PrincipalType } from "./policy/types.js";

type Queryable = DataSource | EntityManager;

export interface Policy extends PolicyRule {
  vaultId: string;
  createdBy: string;
  createdByType: "user" | "agent";
  createdAt: Date;
}

/** A row of clawkeep_policies. */
export interface PolicyRow {
  id: string;
  vault_id: string;
  principal_type: PrincipalType;
  principal_id: string;
  secret_path_pattern: string;
  permissions: Permission[];
  effect: Effect;
  priority: number;
  conditions: Record<string, unknown>;
  expires_at: Date | null;
  created_by: string;
  created_by_type: "user" | "agent";
  created_at: Date;
  updated_at: Date;
}

export const POLICIES = defineTable<PolicyRow>("clawkeep_policies", {
  id: true,
  vault_id: true,
  principal_type: true,
  principal_id: true,
  secret_path_pattern: true,
  permissions: true,
  effect: true,
  priority: true,
  conditions: true,
  expires_at: true,
  created_by: true,
  created_by_type: true,
  created_at: true,
  updated_at: true,
});

const COLUMNS = columnList(POLICIES);

/** What a policy is made of; `conditions` as stored (JSON). */
export interface PolicyFields {
  principalType: PrincipalType;
  principalId: string;
  pattern: string;
  permissions: Permission[];
  effect: Effect;
  priority: number;
  conditions: Record<string, unknown>;
  expiresAt: Date | null;
}

export async function insertPolicy(manager: EntityManager, vaultId: string, fields: PolicyFields, createdBy: { id: string; type: "user" | "agent" }): Promise<Policy> {
  const [row]: PolicyRow[] = await manager.query(
    `INSERT INTO "clawkeep_policies" ("vault_id", "principal_type", "principal_id", "secret_path_pattern", "permissions", "effect", "priority",
       "conditions", "expires_at", "created_by", "created_by_type")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
    [vaultId, fields.principalType, fields.principalId, fields.pattern, fields.permissions, fields.effect, fields.priority, JSON.stringify(fields.conditions), fields.expiresAt, createdBy.id, createdBy.type],
  );
  return toPolicy(row);
}

export async function policiesOfVault(q: Queryable, vaultId: string): Promise<Policy[]> {
  const rows: PolicyRow[] = await q.query(`SELECT ${COLUMNS} FROM "clawkeep_policies" WHERE "vault_id" = $1 ORDER BY "created_at", "id"`, [vaultId]);
  return rows.map(toPolicy);
}

/** The policy of the vault, locked for a change. */
export async function policyForUpdate(manager: EntityManager, vaultId: string, policyId: string): Promise<PolicyRow | undefined> {
  const [row]: PolicyRow[] = await manager.query(`SELECT ${COLUMNS} FROM "clawkeep_policies" WHERE "id" = $1 AND "vault_id" = $2 FOR UPDATE`, [policyId, vaultId]);
  return row;
}

export async function updatePolicy(
  manager: EntityManager,
  policyId: string,
  fields: Pick<PolicyFields, "permissions" | "effect" | "priority" | "conditions" | "expiresAt">,
): Promise<Policy> {
  const [row] = rowsOf<PolicyRow>(
    await manager.query(
      `UPDATE "clawkeep_policies" SET "permissions" = $2, "effect" = $3, "priority" = $4, "conditions" = $5, "expires_at" = $6, "updated_at" = now()
       WHERE "id" = $1 RETURNING ${COLUMNS}`,
      [policyId, fields.permissions, fields.effect, fields.priority, JSON.stringify(fields.conditions), fields.expiresAt],
    ),
  );
  return toPolicy(row);
}

/** Deletes the policy of the vault; the deleted policy, or undefined when there was none. */
export async function deletePolicy(manager: EntityManager, vaultId: string, policyId: string): Promise<Policy | undefined> {
  const [row] = rowsOf<PolicyRow>(await manager.query(`DELETE FROM "clawkeep_policies" WHERE "id" = $1 AND "vault_id" = $2 RETURNING ${COLUMNS}`, [policyId, vaultId]));
  return row && toPolicy(row);
}

export function toPolicy(row: PolicyRow): Policy {
  return {
    id: row.id,
    vaultId: row.vault_id,
    principalType: row.principal_type,
    principalId: row.principal_id,
    pattern: row.secret_path_pattern,
    permissions: row.permissions,
    effect: row.effect,
    priority: row.priority,
    // Stored conditions were validated on the way in; parsing again gives the evaluator its shape.
    conditions: parseConditions(row.conditions),
    expiresAt: row.expires_at ? new Date(row.expires_at) : null,
    createdBy: row.created_by,
    createdByType: row.created_by_type,
    createdAt: new Date(row.created_at),
  };
}
