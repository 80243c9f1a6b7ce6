// Personal API keys (1ck_...): a human's long-lived credential for scripts and SDKs. Shown once,
// stored as a keyed hash. Usable directly as a Bearer, or exchanged once for a JWT that lives
// 24 h (capped by the key's expiry) and dies with the key.
import type { DataSource } from "typeorm";
import { apiKeyKind, generateApiKey, hashApiKey } from "../../crypto/api-keys.js";
import type { JwtKeys } from "../../crypto/jwt-keys.js";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import { isUuid } from "../ids.js";
import { activeApiKeyByHash, activeApiKeyById, apiKeysOfUser, insertApiKey, revokeApiKey, touchApiKey, type ActiveApiKey, type ApiKeyRecord } from "./api-key-store.js";
import type { CredentialVerifier, Principal } from "./principal.js";

export const API_KEY_TOKEN_TTL_SECONDS = 24 * 3600;
const SCOPE = /^[A-Za-z0-9:*._-]{1,64}$/;

export interface ApiKeyInfo {
  id: string;
  name: string;
  keyPrefix: string;
  scopes: string[];
  isActive: boolean;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

export class PersonalApiKeys implements CredentialVerifier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly jwtKeys: JwtKeys,
    private readonly audit: AuditLog,
    private readonly pepper: Buffer,
  ) {}

  async create(principal: Principal, input: { name: string; scopes: string[]; expiresAt?: Date }, ip: string): Promise<{ key: string; info: ApiKeyInfo }> {
    const name = input.name.trim();
    if (name.length < 1 || name.length > 100) throw new DomainError("invalid_argument", "name must be 1 to 100 characters");
    const bad = input.scopes.find((s) => !SCOPE.test(s));
    if (bad !== undefined) throw new DomainError("invalid_argument", `scope "${bad.slice(0, 64)}" must be 1 to 64 of A-Z a-z 0-9 : * . _ -`);
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new DomainError("invalid_argument", "expires_at must be in the future");
    const { key, prefix } = generateApiKey("1ck");
    const info = await this.dataSource.transaction(async (manager) => {
      const row = await insertApiKey(manager, {
        userId: principal.id,
        name,
        keyPrefix: prefix,
        keyHash: hashApiKey(this.pepper, key),
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresAt ?? null,
      });
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "api_key.create",
        resource: { type: "api_key", id: row.id },
        details: { name, key_prefix: prefix, scopes: row.scopes },
        ip,
      });
      return toInfo(row);
    });
    return { key, info };
  }

  async list(principal: Principal): Promise<ApiKeyInfo[]> {
    return (await apiKeysOfUser(this.dataSource, principal.id)).map(toInfo);
  }

  async revoke(principal: Principal, keyId: string, ip: string): Promise<void> {
    if (!isUuid(keyId)) throw new DomainError("invalid_argument", "key_id must be the UUID of one of your API keys");
    await this.dataSource.transaction(async (manager) => {
      if (!(await revokeApiKey(manager, keyId, principal.id))) throw new DomainError("not_found", `no API key ${keyId} among yours`);
      await this.audit.append(manager, { orgId: principal.orgId, actor: { type: "user", id: principal.id }, action: "api_key.revoke", resource: { type: "api_key", id: keyId }, ip });
    });
  }

  /** Trades a key for a JWT; the key itself stays valid. */
  async exchange(apiKey: string, ip: string): Promise<{ accessToken: string; expiresIn: number }> {
    const found = await this.resolve(apiKey);
    if (!found) throw new DomainError("unauthenticated", "the API key is not valid, has expired or was revoked");
    const untilExpiry = found.expiresAt ? Math.floor((found.expiresAt.getTime() - Date.now()) / 1000) : API_KEY_TOKEN_TTL_SECONDS;
    const expiresIn = Math.max(1, Math.min(API_KEY_TOKEN_TTL_SECONDS, untilExpiry));
    const accessToken = await this.jwtKeys.sign(
      { sub: `user:${found.principal.id}`, org: found.principal.orgId, role: found.principal.role, akid: found.keyId, scopes: found.principal.scopes },
      expiresIn,
    );
    await this.dataSource.transaction((manager) =>
      this.audit.append(manager, { orgId: found.principal.orgId, actor: { type: "user", id: found.principal.id }, action: "api_key.exchange", resource: { type: "api_key", id: found.keyId }, ip }),
    );
    return { accessToken, expiresIn };
  }

  /** The raw key used directly as a Bearer credential. */
  async verify(credential: string): Promise<Principal | undefined> {
    return (await this.resolve(credential))?.principal;
  }

  /** Whether the key behind an exchanged token is still usable, with the caller it names. */
  async principalForKeyId(keyId: string, userId: string): Promise<Principal | undefined> {
    if (!isUuid(keyId) || !isUuid(userId)) return undefined;
    const row = await activeApiKeyById(this.dataSource, keyId, userId);
    return row ? principalOf(row) : undefined;
  }

  private async resolve(apiKey: string): Promise<{ principal: Principal; keyId: string; expiresAt: Date | null } | undefined> {
    if (apiKeyKind(apiKey) !== "1ck") return undefined;
    const row = await activeApiKeyByHash(this.dataSource, hashApiKey(this.pepper, apiKey));
    if (!row) return undefined;
    // Recording use costs a write, so it is kept to about one per key per minute.
    await touchApiKey(this.dataSource, row.id);
    return { principal: principalOf(row), keyId: row.id, expiresAt: row.expires_at ? new Date(row.expires_at) : null };
  }
}

function principalOf(row: ActiveApiKey): Principal {
  return { type: "user", id: row.user_id, orgId: row.org_id, role: row.role, ...(row.scopes.length > 0 ? { scopes: row.scopes } : {}) };
}

function toInfo(row: ApiKeyRecord): ApiKeyInfo {
  const expiresAt = row.expires_at ? new Date(row.expires_at) : null;
  return {
    id: row.id,
    name: row.name,
    keyPrefix: row.key_prefix,
    scopes: row.scopes,
    isActive: row.revoked_at === null && (expiresAt === null || expiresAt.getTime() > Date.now()),
    createdAt: new Date(row.created_at),
    expiresAt,
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at) : null,
  };
}
