// Agents' signing keys: secp256k1 keys made on the server, the private half sealed as a
// private_key secret in the organisation's __agent-keys vault at
// agents/{agent_id}/chains/{chain}/private_key (each rotation a new version of it), the public
// half and address in signing-key-store.ts. Humans who may manage the agent create, rotate and
// deactivate; lists show public parts only. The private half is opened only by `withAccount`,
// for the length of one signing call.
import type { DataSource, EntityManager } from "typeorm";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Hex } from "viem";
import type { AuditLog } from "../audit/audit-log.js";
import type { Agents } from "../agents/agents.js";
import { DomainError } from "../errors.js";
import { canManageAgent } from "../identity/org-roles.js";
import type { Principal } from "../identity/principal.js";
import type { Secrets } from "../vaults/secrets.js";
import { ensureAgentKeysVault } from "../vaults/vault-store.js";
import { KEY_FAMILIES, SUPPORTED_FAMILIES } from "./chains.js";
import { activeSigningKey, insertSigningKey, latestKeyVersion, retireSigningKey, signingKeysOf, type SigningKeyRow } from "./signing-key-store.js";

export interface SigningKeyInfo {
  id: string;
  agentId: string;
  chain: string;
  curve: string;
  publicKey: string;
  address: string;
  keyVersion: number;
  isActive: boolean;
  createdAt: Date;
  rotatedAt: Date | null;
}

/** PostgreSQL's SQLSTATE for a unique violation: another active key was made at the same moment. */
const UNIQUE_VIOLATION = "23505";

/** A key that signs for an agent: its address, and the key itself for the length of one call. */
export interface Signer {
  address: Hex;
  agentId: string;
  /** Where the key lives in a vault (no secret). */
  path: string;
  withAccount<T>(manager: EntityManager, use: (account: PrivateKeyAccount) => Promise<T>): Promise<T>;
}

/** A secp256k1 private key as stored (64 hex digits, 0x optional); the refusal never shows it. */
function accountOf(plaintext: Buffer, path: string): PrivateKeyAccount {
  const text = plaintext.toString("utf8").trim();
  const hex = text.startsWith("0x") ? text : `0x${text}`;
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new DomainError("invalid_argument", `the private_key secret at "${path}" is not a secp256k1 key of 64 hex digits`);
  try {
    return privateKeyToAccount(hex as Hex);
  } catch {
    throw new DomainError("invalid_argument", `the private_key secret at "${path}" is not a valid secp256k1 key`);
  }
}

export function signingKeyPath(agentId: string, chain: string): string {
  return `agents/${agentId}/chains/${chain}/private_key`;
}

export class SigningKeys {
  constructor(
    private readonly dataSource: DataSource,
    private readonly agents: Agents,
    private readonly secrets: Secrets,
    private readonly audit: AuditLog,
  ) {}

  async create(principal: Principal, agentId: string, chain: string, ip: string): Promise<SigningKeyInfo> {
    const family = checkFamily(chain);
    await this.managedAgent(principal, agentId);
    return this.conflictAs409(agentId, family, () =>
      this.dataSource.transaction(async (manager) => {
        if (await activeSigningKey(manager, agentId, family)) {
          throw new DomainError("conflict", `agent ${agentId} already has an active ${family} signing key; rotate it instead`);
        }
        const row = await this.makeKey(manager, principal.orgId, agentId, family, (await latestKeyVersion(manager, agentId, family)) + 1);
        await this.audit.append(manager, {
          orgId: principal.orgId,
          actor: { type: "user", id: principal.id },
          action: "signing_key.create",
          resource: { type: "signing_key", id: row.id },
          details: { agent_id: agentId, chain: family, address: row.address, key_version: row.key_version },
          ip,
        });
        return toInfo(row);
      }),
    );
  }

  /** A new key version replaces the active one, which is deactivated (kept for the audit trail). */
  async rotate(principal: Principal, agentId: string, chain: string, ip: string): Promise<SigningKeyInfo> {
    const family = checkFamily(chain);
    await this.managedAgent(principal, agentId);
    return this.conflictAs409(agentId, family, () =>
      this.dataSource.transaction(async (manager) => {
        const current = await activeSigningKey(manager, agentId, family, true);
        if (!current) throw new DomainError("not_found", `agent ${agentId} has no active ${family} signing key to rotate`);
        await retireSigningKey(manager, current.id);
        const row = await this.makeKey(manager, principal.orgId, agentId, family, current.key_version + 1);
        await this.audit.append(manager, {
          orgId: principal.orgId,
          actor: { type: "user", id: principal.id },
          action: "signing_key.rotate",
          resource: { type: "signing_key", id: row.id },
          details: { agent_id: agentId, chain: family, address: row.address, key_version: row.key_version, previous_key_id: current.id },
          ip,
        });
        return toInfo(row);
      }),
    );
  }

  async deactivate(principal: Principal, agentId: string, chain: string, ip: string): Promise<void> {
    const family = checkFamily(chain);
    await this.managedAgent(principal, agentId);
    await this.dataSource.transaction(async (manager) => {
      const current = await activeSigningKey(manager, agentId, family, true);
      if (!current) throw new DomainError("not_found", `agent ${agentId} has no active ${family} signing key`);
      await retireSigningKey(manager, current.id);
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "signing_key.deactivate",
        resource: { type: "signing_key", id: current.id },
        details: { agent_id: agentId, chain: family, address: current.address, key_version: current.key_version },
        ip,
      });
    });
  }

  /** Public parts of every key version of the agent; the agent itself or humans of its organisation. */
  async list(principal: Principal, agentId: string): Promise<SigningKeyInfo[]> {
    await this.agents.get(principal, agentId);
    return (await signingKeysOf(this.dataSource, agentId)).map(toInfo);
  }

  /** The agent's active key for a family, for the callers of `list`; 404 when it has none. */
  async activeFor(principal: Principal, agentId: string, family: string): Promise<SigningKeyInfo> {
    await this.agents.get(principal, agentId);
    const row = await activeSigningKey(this.dataSource, agentId, family);
    if (!row) throw new DomainError("not_found", `agent ${agentId} has no active ${family} signing key`);
    return toInfo(row);
  }

  /** The agent's active key for a family (public parts and where its private half is); 400 when it has none. */
  async active(agentId: string, family: string): Promise<SigningKeyRow> {
    const row = await activeSigningKey(this.dataSource, agentId, family);
    if (!row) {
      throw new DomainError(
        "invalid_argument",
        `agent ${agentId} has no active ${family} signing key; a human of its organisation creates one with POST /v1/agents/${agentId}/signing-keys {"chain":"${family}"}`,
      );
    }
    return row;
  }

  /** The agent's provisioned key for a family, as a signer. */
  async provisioned(agentId: string, family: string): Promise<Signer> {
    const key = await this.active(agentId, family);
    return this.signerAt(key.vault_id, key.secret_path, key.secret_version, key.address as Hex, key.agent_id);
  }

  /**
   * A private_key secret the agent names itself (signing_key_path), when its own policies let it
   * read it: its address is learnt by opening it once, here, after the guardrails passed.
   */
  async named(principal: Principal, path: string, ip: string): Promise<Signer> {
    const { vaultId, version } = await this.secrets.locateSigningKey(principal, path, ip);
    const address = await this.secrets.useAsSystem(this.dataSource.manager, vaultId, path, version, (plaintext) => accountOf(plaintext, path).address);
    return this.signerAt(vaultId, path, version, address, principal.id);
  }

  private signerAt(vaultId: string, path: string, version: number, address: Hex, agentId: string): Signer {
    return {
      address,
      agentId,
      path,
      // The private key exists for the length of `use` (one signing call): never logged, returned or put in an error.
      withAccount: (manager, use) =>
        this.secrets.useAsSystem(manager, vaultId, path, version, async (plaintext) => {
          const account = accountOf(plaintext, path);
          if (account.address !== address) throw new DomainError("conflict", `the key at "${path}" changed while this transaction was prepared; try again`);
          return use(account);
        }),
    };
  }

  private async makeKey(manager: EntityManager, orgId: string, agentId: string, family: string, version: number): Promise<SigningKeyRow> {
    const privateKey = generatePrivateKey();
    const account = privateKeyToAccount(privateKey);
    const vaultId = await ensureAgentKeysVault(manager, orgId);
    const path = signingKeyPath(agentId, family);
    const stored = await this.secrets.writeAsSystem(manager, vaultId, path, "private_key", privateKey);
    return insertSigningKey(manager, {
      org_id: orgId,
      agent_id: agentId,
      chain: family,
      curve: "secp256k1",
      public_key: account.publicKey,
      address: account.address,
      key_version: version,
      vault_id: vaultId,
      secret_path: path,
      secret_version: stored.version,
    });
  }

  /** The agent, when the caller is a human who may manage it (its creator or an owner/admin). */
  private async managedAgent(principal: Principal, agentId: string): Promise<void> {
    if (principal.type !== "user") throw new DomainError("permission_denied", "only a human of the organisation manages signing keys");
    const agent = await this.agents.get(principal, agentId);
    if (!canManageAgent(principal, agent.createdBy)) {
      throw new DomainError("permission_denied", "only the agent's creator or an organisation owner or admin manages its signing keys");
    }
  }

  private async conflictAs409<T>(agentId: string, family: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new DomainError("conflict", `agent ${agentId}'s ${family} signing key was changed by another request at the same time; try again`);
      }
      throw error;
    }
  }
}

function checkFamily(chain: string): string {
  const family = chain.trim().toLowerCase();
  if (!(KEY_FAMILIES as readonly string[]).includes(family)) {
    throw new DomainError("invalid_argument", `chain must be one of ${KEY_FAMILIES.join(", ")}, got "${chain.slice(0, 40)}"`);
  }
  if (!SUPPORTED_FAMILIES.has(family)) throw new DomainError("invalid_argument", `${family} signing keys are not supported yet; ethereum keys sign for every EVM chain`);
  return family;
}

function toInfo(row: SigningKeyRow): SigningKeyInfo {
  return {
    id: row.id,
    agentId: row.agent_id,
    chain: row.chain,
    curve: row.curve,
    publicKey: row.public_key,
    address: row.address,
    keyVersion: row.key_version,
    isActive: row.is_active,
    createdAt: new Date(row.created_at),
    rotatedAt: row.rotated_at ? new Date(row.rotated_at) : null,
  };
}
