// Secrets and their versions: write, read, list, delete, disable. Their rows live
// in secret-store.ts.
//
// Every operation first decides access (vault visible → policy evaluation), then does its work
// and writes its audit event in one transaction; a read whose audit write fails is refused, and a
// refused access is itself audited. Values are sealed with a fresh data key per version and
// decrypted only inside the transaction that audits the read.
import type { DataSource, EntityManager } from "typeorm";
import type { Keyring } from "../../crypto/keyring.js";
import { failClosed, type AuditEntry, type AuditLog, type BatchedReader } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { decideAccess, decidedBy } from "./access-decision.js";
import type { Decision, Permission } from "./policy/types.js";
import { decodeListCursor, encodeListCursor, parseListLimit } from "./list-cursor.js";
import {
  parseSecretType,
  validateExpiry,
  validateMaxAccessCount,
  validateMetadata,
  validateSecretPath,
  validateValue,
  validateVersion,
  type SecretType,
} from "./secret-rules.js";
import {
  countAccess as countRead,
  disableVersion,
  hasDeletedSecret,
  insertVersion,
  latestEnabledVersion,
  latestPerPath,
  liveSecretId,
  liveVersionAt,
  nextVersion,
  READ_LATEST,
  READ_VERSION,
  secretById,
  secretOfOrg,
  softDeleteSecret,
  versionDisabledForUpdate,
  versionsOf,
  INSERT_VERSION_AUDITED,
  versionValues,
  WRITE_KNOWN_NEXT_VERSION,
  type NewVersion,
  type SecretVersionRow,
} from "./secret-store.js";
import type { VaultAccess, Vaults } from "./vaults.js";
import { WrittenVersions, type WrittenVersion } from "./written-versions.js";

export interface SecretVersionInfo {
  /** The secret's id: stable across versions, new after a delete and re-PUT. */
  id: string;
  path: string;
  type: SecretType;
  version: number;
  metadata: Record<string, unknown>;
  /** "user:<uuid>" or "agent:<uuid>". */
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  isDisabled: boolean;
}

export interface SecretWithValue extends SecretVersionInfo {
  value: string;
}

/** A secret a caller may share: what the share records about it. */
export interface ShareableSecret {
  secretId: string;
  vaultId: string;
  path: string;
  type: SecretType;
}

export interface PutSecretInput {
  type: string;
  value: string;
  metadata?: Record<string, unknown>;
  expiresAt?: Date;
  maxAccessCount?: number;
}

export interface ListSecretsInput {
  prefix: string;
  limit: number;
  cursor: string;
}

/** PostgreSQL's SQLSTATE for a row that names a parent that does not exist (any more). */
const FOREIGN_KEY_VIOLATION = "23503";

/** Secret types an Intents API agent may never read: it signs through the server instead. */
const SIGNING_KEY_TYPES = new Set<SecretType>(["private_key", "ssh_key"]);

/** Rows examined per query while filling a page: listing filters by policy after reading. */
const LIST_BATCH = 500;


/** The AAD of a secret version's value: a ciphertext opens only where it was written. */
export function secretAad(vaultId: string, secretId: string, path: string, version: number): string {
  return JSON.stringify(["clawkeep-secret", vaultId, secretId, path, version]);
}

type VersionInput = { type: SecretType; plaintext: Buffer; metadata: Record<string, unknown>; expiresAt: Date | null; maxAccessCount: number | null; createdBy: string };
type AuditAs = { principal: Principal; ip: string; decision: Decision };

export class Secrets {
  private readonly written = new WrittenVersions();
  /** Reads of a secret's value: concurrent ones go to the database together. */
  private readonly latestReads: BatchedReader<VersionRow>;
  private readonly versionReads: BatchedReader<VersionRow>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly vaults: Vaults,
    private readonly keyring: Keyring,
    private readonly audit: AuditLog,
  ) {
    this.latestReads = audit.batchedReader<VersionRow>(dataSource, READ_LATEST);
    this.versionReads = audit.batchedReader<VersionRow>(dataSource, READ_VERSION);
  }

  async put(principal: Principal, vaultId: string, path: string, input: PutSecretInput, ip: string): Promise<SecretVersionInfo> {
    validateSecretPath(path);
    const type = parseSecretType(input.type);
    const plaintext = validateValue(input.value);
    const metadata = validateMetadata(input.metadata);
    const expiresAt = validateExpiry(input.expiresAt, new Date());
    const maxAccessCount = validateMaxAccessCount(input.maxAccessCount);
    const decision = await this.authorize(principal, vaultId, path, "write", ip);
    const version: VersionInput = { type, plaintext, metadata, expiresAt, maxAccessCount, createdBy: `${principal.type}:${principal.id}` };
    const auditAs = { principal, ip, decision };
    try {
      // In turn with this instance's other writes of the path (see written-versions.ts).
      return await this.written.inTurn(
        vaultId,
        path,
        async (known) =>
          (known && (await this.storeKnownNextVersion(vaultId, path, known, version, auditAs))) ??
          (await this.dataSource.transaction((manager) => this.storeVersion(manager, vaultId, path, version, auditAs))),
      );
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * The next version after the one this instance last wrote at the path, in one statement, when
   * that is still the latest; undefined when it is not (then the locking way decides the number).
   */
  private async storeKnownNextVersion(vaultId: string, path: string, known: WrittenVersion, input: VersionInput, auditAs: AuditAs): Promise<SecretVersionInfo | undefined> {
    const values = this.sealedVersion(vaultId, path, known.secretId, known.version + 1, input);
    const row = await this.audit.write<SecretVersionRow>(this.dataSource.manager, WRITE_KNOWN_NEXT_VERSION, versionValues(values), this.writeEvent(vaultId, path, values, auditAs));
    return row && toInfo(path, row);
  }

  /**
   * Stores a secret the server writes itself (an agent's identity keys) inside the caller's
   * transaction, with no access decision: the caller audits what it did.
   */
  async writeAsSystem(manager: EntityManager, vaultId: string, path: string, type: SecretType, value: string): Promise<SecretVersionInfo> {
    const plaintext = validateValue(value);
    try {
      return await this.storeVersion(manager, vaultId, validateSecretPath(path), { type, plaintext, metadata: {}, expiresAt: null, maxAccessCount: null, createdBy: "system" });
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * Opens one version of a secret the server keeps for itself (an agent's signing key), with no
   * access decision and no audit, through the caller's transaction: the caller decides and audits
   * what it does with it. The value
   * is handed to `use` as bytes that are wiped as soon as `use` returns.
   */
  async useAsSystem<T>(manager: EntityManager, vaultId: string, path: string, version: number, use: (plaintext: Buffer) => Promise<T> | T): Promise<T> {
    const row = await liveVersionAt(manager, vaultId, validateSecretPath(path), version);
    if (!row || row.disabled_at) throw new DomainError("gone", `the key at "${path}" (version ${version}) is no longer stored`);
    const box = { kekVersion: row.kek_version, wrappedDek: row.wrapped_dek, ciphertext: row.ciphertext };
    const plaintext = await this.keyring.openRefreshing(box, secretAad(vaultId, row.secret_id, path, row.version));
    try {
      return await use(plaintext);
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * The private_key secret at `path` that the caller's own policies let it read, in the one vault
   * it can see that holds that path: for signing with it (an Intents API agent names it as its
   * signing_key_path), never to hand out. The decision is audited like a read (secret.read, or
   * secret.access_denied), without the value.
   */
  async locateSigningKey(principal: Principal, path: string, ip: string): Promise<{ vaultId: string; version: number }> {
    validateSecretPath(path);
    const held: { vaultId: string; secretId: string }[] = [];
    for (const vault of await this.vaults.list(principal)) {
      const secretId = await liveSecretId(this.dataSource, vault.id, path);
      if (secretId) held.push({ vaultId: vault.id, secretId });
    }
    if (held.length === 0) throw new DomainError("invalid_argument", `signing_key_path "${path}": no vault you can see holds a secret there`);
    if (held.length > 1) throw new DomainError("invalid_argument", `signing_key_path "${path}" exists in ${held.length} of your vaults; bind the agent to one (vault_ids)`);
    const [{ vaultId, secretId }] = held;
    const decision = await this.authorize(principal, vaultId, path, "read", ip);
    const row = await latestEnabled(this.dataSource.manager, secretId, path);
    if (row.type !== "private_key") throw new DomainError("invalid_argument", `signing_key_path "${path}" is a ${row.type} secret; a signing key must be a private_key secret`);
    refuseExpired(row, path);
    await this.audit.append(this.dataSource.manager, {
      ...this.auditBase(principal, path, ip), action: "secret.read",
      details: { vault_id: vaultId, secret_id: secretId, version: row.version, decided_by: decidedBy(decision) },
    });
    return { vaultId, version: row.version };
  }

  /**
   * Version N+1 of the path (one live row per path: concurrent PUTs serialise on it), sealed, and
   * with `auditAs` its secret.write event in the same statement as the version. The new row's
   * reference to its vault makes a concurrent vault delete wait for this transaction, or, if the
   * delete won, fails it: that is a 404.
   */
  private async storeVersion(manager: EntityManager, vaultId: string, path: string, input: VersionInput, auditAs?: AuditAs): Promise<SecretVersionInfo> {
    const secret = await nextVersion(manager, vaultId, path).catch((error: unknown) => {
      if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) throw new DomainError("not_found", `vault ${vaultId} not found`);
      throw error;
    });
    const values = this.sealedVersion(vaultId, path, secret.id, secret.latest_version, input);
    const row = auditAs
      ? await this.audit.write<SecretVersionRow>(manager, INSERT_VERSION_AUDITED, versionValues(values), this.writeEvent(vaultId, path, values, auditAs))
      : await insertVersion(manager, values);
    // An INSERT … VALUES inserts its row or fails.
    if (!row) throw new Error(`no version of "${path}" was inserted`);
    return toInfo(path, row);
  }

  /** The version's row, its value sealed to exactly that secret, path and version number. */
  private sealedVersion(vaultId: string, path: string, secretId: string, version: number, input: VersionInput): NewVersion {
    const box = this.keyring.seal(input.plaintext, secretAad(vaultId, secretId, path, version));
    return {
      secret_id: secretId,
      version,
      type: input.type,
      metadata: input.metadata,
      created_by: input.createdBy,
      expires_at: input.expiresAt,
      max_access_count: input.maxAccessCount,
      kek_version: box.kekVersion,
      wrapped_dek: box.wrappedDek,
      ciphertext: box.ciphertext,
    };
  }

  private writeEvent(vaultId: string, path: string, values: NewVersion, auditAs: AuditAs): AuditEntry {
    return {
      ...this.auditBase(auditAs.principal, path, auditAs.ip), action: "secret.write",
      details: { vault_id: vaultId, secret_id: values.secret_id, version: values.version, type: values.type, decided_by: decidedBy(auditAs.decision) },
    };
  }

  /** The latest enabled version with its value; counts toward that version's max_access_count. */
  async get(principal: Principal, vaultId: string, path: string, ip: string): Promise<SecretWithValue> {
    validateSecretPath(path);
    const decision = await this.authorize(principal, vaultId, path, "read", ip);
    return this.read(principal, vaultId, path, "latest", decision, ip);
  }

  async getVersion(principal: Principal, vaultId: string, path: string, version: number, ip: string): Promise<SecretWithValue> {
    validateSecretPath(path);
    validateVersion(version);
    const decision = await this.authorize(principal, vaultId, path, "read", ip);
    return this.read(principal, vaultId, path, version, decision, ip);
  }

  /** Metadata of the latest version of each live secret the caller may read, by path. */
  async list(principal: Principal, vaultId: string, input: ListSecretsInput, ip: string): Promise<{ secrets: SecretVersionInfo[]; nextCursor: string }> {
    if (input.prefix.length > 512) throw new DomainError("invalid_argument", "prefix is longer than the longest path (512 characters)");
    const limit = parseListLimit(input.limit);
    let after = decodeListCursor(input.cursor);
    const access = await this.vaults.access(this.dataSource, principal, vaultId);
    const now = new Date();
    const readable = (path: string) => readAllowed(principal, access, path, ip, now);
    // One more than the page, so the cursor is only handed out when another page really exists.
    const wanted = limit === undefined ? Infinity : limit + 1;
    const found: SecretVersionInfo[] = [];
    for (;;) {
      const rows = await latestPerPath(this.dataSource, vaultId, input.prefix, after, LIST_BATCH);
      for (const row of rows) {
        if (found.length < wanted && readable(row.path)) found.push(toInfo(row.path, row));
      }
      if (found.length >= wanted || rows.length < LIST_BATCH) break;
      after = rows[rows.length - 1].path;
    }
    const page = limit === undefined ? found : found.slice(0, limit);
    const nextCursor = limit !== undefined && found.length > limit ? encodeListCursor(page[page.length - 1].path) : "";
    await this.audit.append(this.dataSource.manager, {
      orgId: principal.orgId,
      actor: { type: principal.type, id: principal.id },
      action: "secret.list",
      resource: { type: "vault", id: vaultId },
      details: { prefix: input.prefix, returned: page.length },
      ip,
    });
    return { secrets: page, nextCursor };
  }

  /** Soft-deletes every version; reads answer 410 until a new PUT starts the path again. */
  async delete(principal: Principal, vaultId: string, path: string, ip: string): Promise<void> {
    validateSecretPath(path);
    const decision = await this.authorize(principal, vaultId, path, "delete", ip);
    await this.dataSource.transaction(async (manager) => {
      const secret = await softDeleteSecret(manager, vaultId, path);
      if (!secret) return missingSecret(manager, vaultId, path);
      await this.audit.append(manager, {
        ...this.auditBase(principal, path, ip), action: "secret.delete",
        details: { vault_id: vaultId, secret_id: secret.id, versions: secret.latest_version, decided_by: decidedBy(decision) },
      });
    });
  }

  /** Every version's metadata, oldest first. */
  async listVersions(principal: Principal, vaultId: string, path: string, ip: string): Promise<SecretVersionInfo[]> {
    validateSecretPath(path);
    const decision = await this.authorize(principal, vaultId, path, "read", ip);
    return this.dataSource.transaction(async (manager) => {
      const secret = await liveSecret(manager, vaultId, path);
      const rows = await versionsOf(manager, secret.id);
      await this.audit.append(manager, {
        ...this.auditBase(principal, path, ip), action: "secret.list_versions",
        details: { vault_id: vaultId, secret_id: secret.id, decided_by: decidedBy(decision) },
      });
      return rows.map((row) => toInfo(path, row));
    });
  }

  /** Disables one version (kept, unreadable). Disabling a disabled version changes nothing. */
  async disableVersion(principal: Principal, vaultId: string, path: string, version: number, ip: string): Promise<void> {
    validateSecretPath(path);
    validateVersion(version);
    const decision = await this.authorize(principal, vaultId, path, "write", ip);
    await this.dataSource.transaction(async (manager) => {
      const secret = await liveSecret(manager, vaultId, path);
      const disabled = await versionDisabledForUpdate(manager, secret.id, version);
      if (disabled === undefined) throw new DomainError("not_found", `secret "${path}" has no version ${version}`);
      if (disabled) return;
      await disableVersion(manager, secret.id, version);
      await this.audit.append(manager, {
        ...this.auditBase(principal, path, ip), action: "secret.disable_version",
        details: { vault_id: vaultId, secret_id: secret.id, version, decided_by: decidedBy(decision) },
      });
    });
  }

  /**
   * The hot path: one statement, committing by itself, finds the version and makes its read event
   * durable, and only then is the value decrypted. Reads that arrive while the database is busy
   * share that statement (`latestReads`, `versionReads`). A version with max_access_count
   * counts the read in a transaction with its event.
   */
  private async read(principal: Principal, vaultId: string, path: string, which: "latest" | number, decision: Decision, ip: string): Promise<SecretWithValue> {
    const refusedTypes = principal.agent?.intentsApiEnabled ? [...SIGNING_KEY_TYPES].join(",") : "";
    const entry = { ...this.auditBase(principal, path, ip), action: "secret.read" as const, details: { vault_id: vaultId, decided_by: decidedBy(decision) } };
    const found = await failClosed(() =>
      which === "latest" ? this.latestReads([vaultId, path, refusedTypes], entry) : this.versionReads([vaultId, path, which, refusedTypes], entry),
    );
    if (!found) {
      // Why not, in as many statements as it takes (a deleted secret is 410, a missing one 404).
      if (which === "latest") await latestEnabled(this.dataSource.manager, (await liveSecret(this.dataSource.manager, vaultId, path)).id, path);
      await liveSecret(this.dataSource.manager, vaultId, path);
      throw new DomainError("not_found", `secret "${path}" has no version ${which}`);
    }
    const { row, audited } = found;
    if (!audited) {
      // The statement read the row but did not audit it: say why, or count the read first.
      if (row.disabled_at) throw new DomainError("gone", `version ${row.version} of secret "${path}" is disabled`);
      refuseSigningKeyRead(principal, row.type);
      // Not counted, so the database found it expired (its clock may run a little ahead of ours).
      if (row.max_access_count === null) refuseExpired(row, path, { now: Number.POSITIVE_INFINITY });
      refuseExpired(row, path);
      if (row.max_access_count === null) throw new Error(`secret read of "${path}" was neither audited nor refused`);
      await failClosed(() =>
        this.dataSource.transaction(async (manager) => {
          await countAccess(manager, row, path);
          await this.audit.append(manager, { ...entry, details: { ...entry.details, secret_id: row.secret_id, version: row.version } });
        }),
      );
    }
    return this.open(vaultId, path, row);
  }

  /**
   * The secret a share is about to be made of: the caller must be able to read it now (a refusal
   * is audited like any other). Named by id (POST /v1/secrets/{id}/share) or by vault and path
   * (POST /v1/shares). A secret of another organisation is 404, a deleted one 410.
   */
  async shareable(principal: Principal, ref: { secretId: string } | { vaultId: string; path: string }, ip: string): Promise<ShareableSecret> {
    let vaultId: string;
    let path: string;
    if ("secretId" in ref) {
      const row = await secretOfOrg(this.dataSource, ref.secretId, principal.orgId);
      if (!row) throw new DomainError("not_found", `secret ${ref.secretId} not found`);
      ({ vault_id: vaultId, path } = row);
    } else {
      vaultId = ref.vaultId;
      path = validateSecretPath(ref.path);
    }
    await this.authorize(principal, vaultId, path, "read", ip);
    // The live secret at the path: for an id, that id must still be the live one.
    const secret = await liveSecret(this.dataSource.manager, vaultId, path);
    if ("secretId" in ref && secret.id !== ref.secretId) throw new DomainError("gone", `secret ${ref.secretId} has been deleted`);
    const latest = await latestEnabled(this.dataSource.manager, secret.id, path);
    refuseSigningKeyRead(principal, latest.type);
    return { secretId: secret.id, vaultId, path, type: latest.type };
  }

  /**
   * Reads a shared secret inside the caller's transaction (which audits the access): the latest
   * enabled version, as long as the share's sender could still read it. The sender's standing is
   * decided again now (membership, agent state, binding, scopes and policies, with the address the
   * share was created from), so a share never outlives its sender's own access. The version's
   * expiry and max_access_count apply as to any read. `reader` is the recipient when known: an
   * Intents API agent does not get signing keys through a share either.
   */
  async readShared(
    manager: EntityManager,
    share: { secretId: string | null; sender: Principal | undefined; senderIp: string; reader?: Principal },
  ): Promise<SecretWithValue & { vaultId: string }> {
    if (!share.secretId) throw new DomainError("gone", "the shared secret no longer exists (its vault was deleted)");
    const secret = await secretById(manager, share.secretId);
    if (!secret) throw new DomainError("gone", "the shared secret no longer exists");
    if (secret.deleted_at) throw new DomainError("gone", `the shared secret "${secret.path}" has been deleted`);
    const { vault_id: vaultId, path } = secret;
    if (!share.sender || !(await this.mayRead(manager, share.sender, vaultId, path, share.senderIp))) {
      throw new DomainError("permission_denied", `the share's sender can no longer read "${path}", so the share no longer grants it`);
    }
    const row = await latestEnabled(manager, share.secretId, path);
    refuseSigningKeyRead(share.sender, row.type);
    if (share.reader) refuseSigningKeyRead(share.reader, row.type);
    refuseExpired(row, path);
    if (row.max_access_count !== null) await countAccess(manager, row, path);
    return { ...(await this.open(vaultId, path, row)), vaultId };
  }

  private async mayRead(manager: EntityManager, principal: Principal, vaultId: string, path: string, ip: string): Promise<boolean> {
    let access: VaultAccess;
    try {
      access = await this.vaults.access(manager, principal, vaultId);
    } catch (error) {
      if (error instanceof DomainError && (error.kind === "not_found" || error.kind === "permission_denied")) return false;
      throw error;
    }
    return readAllowed(principal, access, path, ip, new Date());
  }

  private async open(vaultId: string, path: string, row: VersionRow): Promise<SecretWithValue> {
    const box = { kekVersion: row.kek_version, wrappedDek: row.wrapped_dek, ciphertext: row.ciphertext };
    const plaintext = await this.keyring.openRefreshing(box, secretAad(vaultId, row.secret_id, path, row.version));
    const value = plaintext.toString("utf8");
    plaintext.fill(0);
    return { ...toInfo(path, row), value };
  }

  /**
   * Decides `permission` on `path`; a refusal is audited (committing by itself, since the
   * request's work never starts) and answered 403.
   */
  private async authorize(principal: Principal, vaultId: string, path: string, permission: Permission, ip: string): Promise<Decision> {
    const access: VaultAccess = await this.vaults.access(this.dataSource, principal, vaultId);
    const decision = decideAccess(principal, access, path, permission, ip, new Date());
    if (decision.allowed) return decision;
    await this.auditDenial(principal, vaultId, path, permission, decidedBy(decision), ip);
    // The official MCP server re-exchanges its token on this exact wording.
    if (decision.reason === "scopes") throw new DomainError("permission_denied", `scopes do not cover ${permission} on "${path}"`);
    throw new DomainError(
      "permission_denied",
      decision.reason === "policy" ? `policy ${decision.policy.id} denies ${permission} on "${path}"` : `no policy allows you to ${permission} "${path}" in this vault`,
    );
  }

  private async auditDenial(principal: Principal, vaultId: string, path: string, permission: Permission, decidedBy: string, ip: string): Promise<void> {
    await this.audit.append(this.dataSource.manager, {
      ...this.auditBase(principal, path, ip), action: "secret.access_denied",
      details: { vault_id: vaultId, permission, decided_by: decidedBy },
    });
  }

  private auditBase(principal: Principal, path: string, ip: string) {
    return { orgId: principal.orgId, actor: { type: principal.type, id: principal.id }, resource: { type: "secret", id: path }, ip };
  }
}

/** Whether scopes (an agent's ceiling) and policies let the caller read `path`; no auditing. */
function readAllowed(principal: Principal, access: VaultAccess, path: string, ip: string, now: Date): boolean {
  return decideAccess(principal, access, path, "read", ip, now).allowed;
}

/** Whether reads of a secret of this type are refused to the principal whatever its policies say: an Intents API agent never reads signing keys. */
export function refusesSigningKeyRead(principal: Pick<Principal, "agent">, type: SecretType): boolean {
  return principal.agent?.intentsApiEnabled === true && SIGNING_KEY_TYPES.has(type);
}

function refuseSigningKeyRead(principal: Principal, type: SecretType): void {
  if (refusesSigningKeyRead(principal, type)) {
    throw new DomainError("permission_denied", `agents with the Intents API enabled cannot read ${type} secrets; ask the server to sign instead`);
  }
}


async function liveSecret(manager: EntityManager, vaultId: string, path: string): Promise<{ id: string }> {
  const id = await liveSecretId(manager, vaultId, path);
  return id ? { id } : missingSecret(manager, vaultId, path);
}

/** A path that was deleted is 410 (it existed and is gone); one that never existed is 404. */
async function missingSecret(manager: EntityManager, vaultId: string, path: string): Promise<never> {
  if (await hasDeletedSecret(manager, vaultId, path)) throw new DomainError("gone", `secret "${path}" has been deleted`);
  throw new DomainError("not_found", `no secret at "${path}" in vault ${vaultId}`);
}

async function latestEnabled(manager: EntityManager, secretId: string, path: string): Promise<VersionRow> {
  const row = await latestEnabledVersion(manager, secretId);
  if (!row) throw new DomainError("gone", `every version of secret "${path}" is disabled`);
  return row;
}

/** `options.now` moves the deadline: +Infinity refuses any version with an expiry (the database judged it expired). */
function refuseExpired(row: VersionRow, path: string, options: { now?: number } = {}): void {
  if (row.expires_at && new Date(row.expires_at).getTime() <= (options.now ?? Date.now())) {
    throw new DomainError("gone", `version ${row.version} of secret "${path}" expired at ${new Date(row.expires_at).toISOString()}`);
  }
}

/**
 * Counts a read toward the version's max_access_count: a conditional increment under the row
 * lock, so concurrent readers are counted exactly and the read that would exceed the limit finds
 * no row.
 */
async function countAccess(manager: EntityManager, row: VersionRow, path: string): Promise<void> {
  if (!(await countRead(manager, row.secret_id, row.version))) {
    throw new DomainError("gone", `version ${row.version} of secret "${path}" has been read its maximum of ${row.max_access_count} times`);
  }
}

type VersionRow = SecretVersionRow;

function toInfo(path: string, row: VersionRow): SecretVersionInfo {
  return {
    id: row.secret_id,
    path,
    type: row.type,
    version: row.version,
    metadata: row.metadata,
    createdBy: row.created_by,
    createdAt: new Date(row.created_at),
    expiresAt: row.expires_at ? new Date(row.expires_at) : null,
    isDisabled: row.disabled_at !== null,
  };
}
