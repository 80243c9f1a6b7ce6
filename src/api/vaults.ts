// VaultService: proto ↔ the vaults, secrets and policies domain. Thin: every rule lives below.
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { PolicySchema, SecretMetadataSchema, SecretSchema, VaultSchema, VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import type { Policies, Policy } from "../domain/vaults/policies.js";
import { conditionsToJson } from "../domain/vaults/policy/conditions.js";
import type { Secrets, SecretVersionInfo, SecretWithValue } from "../domain/vaults/secrets.js";
import type { Vault, Vaults } from "../domain/vaults/vaults.js";
import { clientAddress, principalOf } from "./call-context.js";

export interface VaultServiceDeps {
  vaults: Vaults;
  secrets: Secrets;
  policies: Policies;
}

export function vaultService({ vaults, secrets, policies }: VaultServiceDeps): ServiceImpl<typeof VaultService> {
  return {
    async createVault(req, ctx) {
      return { vault: toVault(await vaults.create(principalOf(ctx), { name: req.name, description: req.description }, clientAddress(ctx))) };
    },
    async listVaults(_req, ctx) {
      return { vaults: (await vaults.list(principalOf(ctx))).map(toVault) };
    },
    async getVault(req, ctx) {
      return { vault: toVault(await vaults.get(principalOf(ctx), req.vaultId)) };
    },
    async deleteVault(req, ctx) {
      await vaults.delete(principalOf(ctx), req.vaultId, clientAddress(ctx));
      return {};
    },
    async listSecrets(req, ctx) {
      const page = await secrets.list(principalOf(ctx), req.vaultId, { prefix: req.prefix, limit: req.limit, cursor: req.cursor }, clientAddress(ctx));
      return { secrets: page.secrets.map(toSecretMetadata), nextCursor: page.nextCursor };
    },
    async putSecret(req, ctx) {
      const stored = await secrets.put(
        principalOf(ctx),
        req.vaultId,
        req.path,
        { type: req.type, value: req.value, metadata: req.metadata, expiresAt: dateOf(req.expiresAt), maxAccessCount: req.maxAccessCount },
        clientAddress(ctx),
      );
      return { secret: toSecretMetadata(stored) };
    },
    async getSecret(req, ctx) {
      return { secret: toSecret(await secrets.get(principalOf(ctx), req.vaultId, req.path, clientAddress(ctx))) };
    },
    async deleteSecret(req, ctx) {
      await secrets.delete(principalOf(ctx), req.vaultId, req.path, clientAddress(ctx));
      return {};
    },
    async listSecretVersions(req, ctx) {
      return { versions: (await secrets.listVersions(principalOf(ctx), req.vaultId, req.path, clientAddress(ctx))).map(toSecretMetadata) };
    },
    async getSecretVersion(req, ctx) {
      return { secret: toSecret(await secrets.getVersion(principalOf(ctx), req.vaultId, req.path, req.version, clientAddress(ctx))) };
    },
    async disableSecretVersion(req, ctx) {
      await secrets.disableVersion(principalOf(ctx), req.vaultId, req.path, req.version, clientAddress(ctx));
      return {};
    },
    async createPolicy(req, ctx) {
      const policy = await policies.create(
        principalOf(ctx),
        req.vaultId,
        {
          secretPathPattern: req.secretPathPattern,
          principalType: req.principalType,
          principalId: req.principalId,
          permissions: req.permissions,
          conditions: req.conditions,
          expiresAt: dateOf(req.expiresAt),
          effect: req.effect,
          priority: req.priority,
        },
        clientAddress(ctx),
      );
      return { policy: toPolicy(policy) };
    },
    async checkPathAccess(req, ctx) {
      const permission = req.permission || "read";
      const grants = await policies.whoCan(principalOf(ctx), req.vaultId, req.path, permission);
      return {
        vaultId: req.vaultId,
        path: req.path,
        permission,
        principals: grants.map((grant) => ({
          principalType: grant.principalType,
          principalId: grant.principalId,
          displayName: grant.displayName,
          reason: grant.reason,
          policyIds: grant.policyIds,
          conditional: grant.conditional,
        })),
      };
    },
    async listPolicies(req, ctx) {
      return { policies: (await policies.list(principalOf(ctx), req.vaultId)).map(toPolicy) };
    },
    async updatePolicy(req, ctx) {
      const policy = await policies.update(
        principalOf(ctx),
        req.vaultId,
        req.policyId,
        { permissions: req.permissions, conditions: req.conditions, expiresAt: dateOf(req.expiresAt), effect: req.effect, priority: req.priority },
        clientAddress(ctx),
      );
      return { policy: toPolicy(policy) };
    },
    async deletePolicy(req, ctx) {
      await policies.delete(principalOf(ctx), req.vaultId, req.policyId, clientAddress(ctx));
      return {};
    },
  };
}

function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp ? timestampDate(timestamp) : undefined;
}

function toVault(vault: Vault): MessageInitShape<typeof VaultSchema> {
  return {
    id: vault.id,
    name: vault.name,
    description: vault.description,
    createdBy: vault.createdBy,
    createdByType: vault.createdByType,
    createdAt: timestampFromDate(vault.createdAt),
  };
}

function toSecretMetadata(info: SecretVersionInfo): MessageInitShape<typeof SecretMetadataSchema> {
  return {
    id: info.id,
    path: info.path,
    type: info.type,
    version: info.version,
    metadata: info.metadata as JsonObject,
    createdAt: timestampFromDate(info.createdAt),
    expiresAt: info.expiresAt ? timestampFromDate(info.expiresAt) : undefined,
    isDisabled: info.isDisabled,
  };
}

function toSecret(secret: SecretWithValue): MessageInitShape<typeof SecretSchema> {
  return {
    id: secret.id,
    path: secret.path,
    type: secret.type,
    value: secret.value,
    version: secret.version,
    metadata: secret.metadata as JsonObject,
    createdBy: secret.createdBy,
    createdAt: timestampFromDate(secret.createdAt),
    expiresAt: secret.expiresAt ? timestampFromDate(secret.expiresAt) : undefined,
  };
}

function toPolicy(policy: Policy): MessageInitShape<typeof PolicySchema> {
  const conditions = conditionsToJson(policy.conditions);
  return {
    id: policy.id,
    vaultId: policy.vaultId,
    secretPathPattern: policy.pattern,
    principalType: policy.principalType,
    principalId: policy.principalId,
    permissions: policy.permissions,
    conditions: Object.keys(conditions).length > 0 ? (conditions as JsonObject) : undefined,
    expiresAt: policy.expiresAt ? timestampFromDate(policy.expiresAt) : undefined,
    createdBy: policy.createdBy,
    createdByType: policy.createdByType,
    createdAt: timestampFromDate(policy.createdAt),
    effect: policy.effect,
    priority: policy.priority,
  };
}
