// Agent scopes: a ceiling on what policies can grant, never a grant of their own.
//
// 1Claw documents scopes two ways: path globs checked against secret paths ("api-keys/**"), and
// coarse strings in its examples ("vaults:read"). Clawkeep accepts both:
// - a path glob (no ":") caps the paths: one of them must match;
// - "<resource>:<action>" with resource vaults, secrets or * and action read, write, delete or *
//   caps the operations: one of them must allow the permission;
// - "*" allows everything. No scopes means no ceiling: the policies alone decide (default deny).
import { DomainError } from "../errors.js";
import { matchesPattern, validatePattern } from "../vaults/policy/glob.js";
import type { Permission } from "../vaults/policy/types.js";

const ACTION_SCOPE = /^([a-z_]+|\*):(read|write|delete|\*)$/;
const VAULT_RESOURCES = new Set(["vaults", "secrets", "*"]);
const MAX_SCOPES = 100;

export function validateScopes(scopes: string[]): string[] {
  if (scopes.length > MAX_SCOPES) throw new DomainError("invalid_argument", `at most ${MAX_SCOPES} scopes are allowed, got ${scopes.length}`);
  for (const scope of scopes) {
    if (scope === "*" || ACTION_SCOPE.test(scope)) continue;
    if (scope.includes(":")) {
      throw new DomainError("invalid_argument", `scope "${scope.slice(0, 64)}" must be a path glob such as api-keys/** or <resource>:<action> such as vaults:read`);
    }
    try {
      validatePattern(scope);
    } catch (error) {
      if (error instanceof DomainError) throw new DomainError("invalid_argument", `scope "${scope.slice(0, 64)}" is not a valid path glob: ${error.detail}`);
      throw error;
    }
  }
  return [...new Set(scopes)];
}

/** Whether the scopes leave room for `permission` on `path`. */
export function scopesAllow(scopes: readonly string[], path: string, permission: Permission): boolean {
  if (scopes.length === 0 || scopes.includes("*")) return true;
  const actions = scopes.filter((scope) => scope.includes(":"));
  const globs = scopes.filter((scope) => !scope.includes(":"));
  if (globs.length > 0 && !globs.some((glob) => matchesPattern(glob, path))) return false;
  if (actions.length > 0) {
    return actions.some((scope) => {
      const [, resource, action] = ACTION_SCOPE.exec(scope) ?? [];
      return VAULT_RESOURCES.has(resource) && (action === "*" || action === permission);
    });
  }
  return true;
}

/**
 * Whether the scopes leave room for `permission` on a vault itself (creating one is a write,
 * deleting one a delete): action scopes cap it like any operation; path globs cap secret paths
 * only, so they leave vault operations to the policies and ownership rules.
 */
export function scopesAllowVaultOperation(scopes: readonly string[], permission: Permission): boolean {
  const actions = scopes.filter((scope) => scope === "*" || scope.includes(":"));
  if (actions.length === 0 || actions.includes("*")) return true;
  return actions.some((scope) => {
    const [, resource, action] = ACTION_SCOPE.exec(scope) ?? [];
    return VAULT_RESOURCES.has(resource) && (action === "*" || action === permission);
  });
}
