// Shares of single secrets: an agent hands a secret back to its human ("creator"), a human or
// agent to a colleague ("user", "agent"), to someone outside ("external_email"), or to whoever
// holds the link ("anyone_with_link"). Its table and statements are in share-store.ts.
//
// A share is a pointer, not a copy: reading it reads the secret's latest enabled version, and
// only while the sender could still read it themselves (secrets.readShared), so sharing never
// widens access and a deleted secret, a removed sender or a narrowed policy ends the share.
// Every create, claim, accept, decline, access (granted or refused) and revoke is audited in the
// share's organisation, in the transaction of the change it records.
import type { DataSource, EntityManager } from "typeorm";
import { hashPassword, verifyPassword } from "../../crypto/passwords.js";
import type { Agents } from "../agents/agents.js";
import type { AuditAction } from "../audit/actions.js";
import { failClosed, type AuditEntry, type AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import type { Accounts } from "../identity/accounts.js";
import { LoginLimiter, type LoginLimits } from "../identity/login-limiter.js";
import { shownAddress } from "../identity/ip-rules.js";
import type { Principal } from "../identity/principal.js";
import { isUuid } from "../ids.js";
import type { MailQueue } from "../mail-layout.js";
import { CidrSet, parseCidr } from "../net/ip.js";
import type { Secrets } from "../vaults/secrets.js";
import { shareInvitationMail } from "./share-mail.js";
import { claimSharesFor, countAccess, insertShare, markShare, recentSharesOfOrg, shareById, sharesAddressedTo, sharesSentBy, type ShareRow } from "./share-store.js";
import { validateShareInput, type CreateShareInput, type RecipientType, type ValidShareInput } from "./share-rules.js";
import { isOrgManager } from "../identity/org-roles.js";

/** At most this many shares per organisation per window (1Claw: 10 a minute). */
export const SHARE_CREATE_LIMIT = { count: 10, windowSeconds: 60 };
/** Wrong passphrases allowed per share and per client address before 429. */
export const PASSPHRASE_LIMITS: LoginLimits = { perAccount: 10, perAddress: 30, windowSeconds: 15 * 60 };

export interface Share {
  id: string;
  shareUrl: string;
  recipientType: RecipientType;
  recipientEmail: string | null;
  expiresAt: Date;
  maxAccessCount: number | null;
}

export interface ShareListing {
  id: string;
  secretPath: string;
  recipientType: RecipientType;
  recipientEmail: string | null;
  accessCount: number;
  maxAccessCount: number | null;
  expiresAt: Date;
  createdAt: Date;
  isExpired: boolean;
  isAccepted: boolean;
}

export interface SharedSecretValue {
  secretId: string;
  path: string;
  type: string;
  value: string;
  accessCount: number;
  maxAccessCount: number | null;
}

export interface SharesParts {
  dataSource: DataSource;
  secrets: Secrets;
  accounts: Accounts;
  agents: Agents;
  audit: AuditLog;
  mail: MailQueue;
  /** The sharing organisation's IP rules apply to every access of its shares, whoever reads. */
  ipRules: { admits(orgId: string, address: string): Promise<boolean> };
  publicUrl: string;
  passphraseFailures?: LoginLimiter;
}

export class Shares {
  private readonly dataSource: DataSource;
  private readonly passphraseFailures: LoginLimiter;

  constructor(private readonly parts: SharesParts) {
    this.dataSource = parts.dataSource;
    this.passphraseFailures = parts.passphraseFailures ?? new LoginLimiter(PASSPHRASE_LIMITS);
    // A share waiting for an address is claimed in the same transaction that creates its account.
    parts.accounts.onSignup((manager, user, ip) => this.claimFor(manager, user, ip));
  }

  shareUrl(id: string): string {
    return `${this.parts.publicUrl}/v1/share/${id}`;
  }

  /**
   * Shares a secret the caller may read now. `defaultHours` is the lifetime when the request
   * names none (POST /v1/shares); without it expires_at is required.
   */
  async create(principal: Principal, input: CreateShareInput, ip: string, defaultHours?: number): Promise<Share> {
    const valid = validateShareInput(input, new Date(), defaultHours);
    const secret = await this.parts.secrets.shareable(principal, valid.secret, ip);
    const recipient = await this.resolveRecipient(principal, valid);
    const passphraseHash = valid.passphrase === null ? null : await hashPassword(valid.passphrase);
    return this.dataSource.transaction(async (manager) => {
      await this.takeCreateSlot(manager, principal.orgId);
      // An address that already has an account is claimed at once.
      const emailOwner = valid.email ? await this.parts.accounts.profileByEmail(manager, valid.email) : undefined;
      const recipientUserId = recipient.userId ?? emailOwner?.id ?? null;
      if (recipientUserId !== null && principal.type === "user" && recipientUserId === principal.id) throw sharingWithYourself();
      const row = await insertShare(manager, {
        org_id: principal.orgId,
        secret_id: secret.secretId,
        vault_id: secret.vaultId,
        secret_path: secret.path,
        sender_type: principal.type,
        sender_id: principal.id,
        sender_ip: ip,
        recipient_type: valid.recipientType,
        recipient_user_id: recipientUserId,
        recipient_agent_id: recipient.agentId ?? null,
        recipient_email: valid.email ?? recipient.email ?? null,
        expires_at: valid.expiresAt,
        max_access_count: valid.maxAccessCount,
        passphrase_hash: passphraseHash,
        ip_allowlist: valid.ipAllowlist,
      });
      await this.audit(manager, principal, "share.create", row, ip, {
        secret_id: secret.secretId,
        vault_id: secret.vaultId,
        path: secret.path,
        recipient_type: valid.recipientType,
        ...(recipientUserId ? { recipient_user_id: recipientUserId } : {}),
        ...(recipient.agentId ? { recipient_agent_id: recipient.agentId } : {}),
        ...(valid.email ? { recipient_email: valid.email } : {}),
        expires_at: valid.expiresAt.toISOString(),
        max_access_count: valid.maxAccessCount,
        has_passphrase: passphraseHash !== null,
        ip_allowlist: valid.ipAllowlist,
      });
      if (valid.email) {
        const sender = principal.type === "user" ? (await this.parts.accounts.profile(principal, manager)).email : `agent ${principal.id}`;
        await this.parts.mail.enqueue(
          manager,
          shareInvitationMail({
            to: valid.email,
            sender,
            secretPath: secret.path,
            shareUrl: this.shareUrl(row.id),
            publicUrl: this.parts.publicUrl,
            expiresAt: valid.expiresAt,
            hasPassphrase: passphraseHash !== null,
            hasAccount: emailOwner !== undefined,
          }),
        );
      }
      return this.toShare(row);
    });
  }

  /**
   * Reads a share. Checks run cheapest and least revealing first: the share exists and is live
   * (404), the caller is its recipient and accepted it (403), the client address is admitted by
   * the sharing organisation's IP rules and the share's ip_allowlist (403), the passphrase (403,
   * limited), then the count and expiry (410) and the secret itself.
   */
  async access(caller: Principal | undefined, shareId: string, passphrase: string | undefined, ip: string): Promise<SharedSecretValue> {
    const row = await this.live(this.dataSource.manager, shareId);
    const refuse = async (reason: string, detail: string): Promise<never> => {
      await this.dataSource.transaction((manager) => this.audit(manager, caller, "share.access_denied", row, ip, { reason }));
      throw new DomainError("permission_denied", detail);
    };
    if (row.declined_at) throw new DomainError("not_found", `share ${shareId} was declined by its recipient`);
    const notRecipient = recipientProblem(row, caller);
    if (notRecipient) await refuse("not_recipient", notRecipient);
    if (!row.accepted_at && row.recipient_type !== "anyone_with_link") {
      await refuse("not_accepted", `accept this share first: POST /v1/shares/${shareId}/accept`);
    }
    if (!(await this.parts.ipRules.admits(row.org_id, ip))) {
      await refuse("org_ip_rules", `the IP rules of the organisation that shared this secret do not admit your address ${shownAddress(ip)}`);
    }
    if (row.ip_allowlist.length > 0 && !new CidrSet(row.ip_allowlist.map((cidr) => parseCidr(cidr))).contains(ip)) {
      await refuse("ip_allowlist", `this share cannot be read from ${shownAddress(ip)}: it is limited to ${row.ip_allowlist.join(", ")}`);
    }
    if (row.passphrase_hash !== null) await this.checkPassphrase(row, passphrase, ip, refuse);
    const sender = await this.senderPrincipal(row);
    try {
      return await this.countedRead(row, caller, sender, ip);
    } catch (error) {
      // The sender lost access, or the reader may not have signing keys: refused, and audited
      // like every other refusal (the read's own transaction rolled back).
      if (error instanceof DomainError && error.kind === "permission_denied") await refuse("read_refused", error.detail);
      throw error;
    }
  }

  /** Counts the access and reads the secret in one transaction, which also audits the read. */
  private async countedRead(row: ShareRow, caller: Principal | undefined, sender: Principal | undefined, ip: string): Promise<SharedSecretValue> {
    // The value leaves only with the commit of its share.access event (fail closed).
    return failClosed(() => this.dataSource.transaction(async (manager) => {
      const accessCount = (await countAccess(manager, row.id)) ?? (await this.whyNotCounted(manager, row.id));
      const secret = await this.parts.secrets.readShared(manager, { secretId: row.secret_id, sender, senderIp: row.sender_ip, reader: caller });
      await this.audit(manager, caller, "share.access", row, ip, {
        secret_id: secret.id,
        vault_id: secret.vaultId,
        path: secret.path,
        version: secret.version,
        access_count: accessCount,
      });
      return {
        secretId: secret.id,
        path: secret.path,
        type: secret.type,
        value: secret.value,
        accessCount,
        maxAccessCount: row.max_access_count,
      };
    }));
  }

  /**
   * Revokes a share: whoever created it, or an owner or admin of its organisation (who must be
   * able to end a leaked link whoever made it). Revoked shares answer 404 from then on.
   */
  async revoke(principal: Principal, shareId: string, ip: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.live(manager, shareId, { lock: true });
      const isSender = row.sender_type === principal.type && row.sender_id === principal.id;
      const sameOrg = row.org_id === principal.orgId;
      if (!isSender && !(sameOrg && isOrgManager(principal))) {
        if (!sameOrg && !isRecipient(row, principal)) throw shareNotFound(shareId);
        throw new DomainError("permission_denied", "only the share's creator or an owner or admin of its organisation can revoke it");
      }
      await markShare(manager, row.id, "revoked_at");
      await this.audit(manager, principal, "share.revoke", row, ip, { secret_id: row.secret_id, path: row.secret_path, access_count: row.access_count });
    });
  }

  async accept(principal: Principal, shareId: string, ip: string): Promise<void> {
    await this.decide(principal, shareId, "accept", ip);
  }

  async decline(principal: Principal, shareId: string, ip: string): Promise<void> {
    await this.decide(principal, shareId, "decline", ip);
  }

  /** The caller's own live shares, newest first, with their access counts. */
  async listOutbound(principal: Principal): Promise<ShareListing[]> {
    const rows = await sharesSentBy(this.dataSource, principal);
    return rows.map(toListing);
  }

  /** Shares addressed to the caller that are neither revoked nor declined, newest first. */
  async listInbound(principal: Principal): Promise<ShareListing[]> {
    const rows = await sharesAddressedTo(this.dataSource, principal);
    return rows.map(toListing);
  }

  /** Sign-up hook: the external_email shares waiting for this address now belong to the account. */
  private async claimFor(manager: EntityManager, user: { id: string; email: string }, ip: string): Promise<void> {
    const claimed = await claimSharesFor(manager, user);
    for (const row of claimed) {
      await this.audit(manager, { type: "user", id: user.id }, "share.claim", row, ip, { recipient_email: user.email, path: row.secret_path });
    }
  }

  private async decide(principal: Principal, shareId: string, decision: "accept" | "decline", ip: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.live(manager, shareId, { lock: true });
      if (row.recipient_type === "anyone_with_link") {
        throw new DomainError("invalid_argument", `a share for anyone with the link is addressed to nobody in particular; there is nothing to ${decision}`);
      }
      // Only the recipient learns that the share exists.
      if (!isRecipient(row, principal)) throw shareNotFound(shareId);
      if (decision === "accept") {
        if (row.declined_at) throw new DomainError("conflict", "you declined this share; ask its sender to share the secret again");
        if (row.accepted_at) return;
        if (new Date(row.expires_at).getTime() <= Date.now()) throw new DomainError("gone", `share ${shareId} expired at ${new Date(row.expires_at).toISOString()}`);
      } else if (row.declined_at) {
        return;
      }
      await markShare(manager, row.id, decision === "accept" ? "accepted_at" : "declined_at");
      await this.audit(manager, principal, `share.${decision}`, row, ip, { secret_id: row.secret_id, path: row.secret_path });
    });
  }

  /** Who may create a share for whom: the recipient named by type, id or address. */
  private async resolveRecipient(principal: Principal, valid: ValidShareInput): Promise<{ userId?: string; agentId?: string; email?: string }> {
    switch (valid.recipientType) {
      case "creator": {
        if (!principal.agent) {
          throw new DomainError("invalid_argument", 'recipient_type "creator" is for agents: it names the human who created or approved the calling agent');
        }
        const human = await this.parts.accounts.profileById(this.dataSource.manager, principal.agent.createdBy);
        if (!human || human.orgId !== principal.orgId) {
          throw new DomainError("failed_precondition", "the human who created this agent is no longer a member of its organisation");
        }
        return { userId: human.id, email: human.email };
      }
      case "user": {
        const user = await this.parts.accounts.profileById(this.dataSource.manager, valid.recipientId!);
        if (!user || user.orgId !== principal.orgId) throw new DomainError("not_found", `no user ${valid.recipientId} in your organisation`);
        if (principal.type === "user" && user.id === principal.id) throw sharingWithYourself();
        return { userId: user.id, email: user.email };
      }
      case "agent": {
        const agent = await this.parts.agents.actingPrincipal(valid.recipientId!);
        if (!agent || agent.orgId !== principal.orgId) throw new DomainError("not_found", `no active agent ${valid.recipientId} in your organisation`);
        if (principal.type === "agent" && agent.id === principal.id) throw sharingWithYourself();
        return { agentId: agent.id };
      }
      case "external_email":
        if (principal.type === "agent") throw new DomainError("permission_denied", "agents cannot share secrets with external email addresses");
        return {};
      case "anyone_with_link":
        return {};
    }
  }

  /**
   * Counts this organisation's shares of the last minute under the organisation's lock, which
   * every instance takes, so the limit holds across instances and restarts.
   */
  private async takeCreateSlot(manager: EntityManager, orgId: string): Promise<void> {
    const window = await recentSharesOfOrg(manager, orgId, SHARE_CREATE_LIMIT.windowSeconds);
    if (window.recent >= SHARE_CREATE_LIMIT.count) {
      const wait = Math.max(1, window.wait ?? SHARE_CREATE_LIMIT.windowSeconds);
      throw new DomainError("rate_limited", `your organisation created ${SHARE_CREATE_LIMIT.count} shares in the last minute; retry in ${wait} s`, {
        retryAfterSeconds: wait,
      });
    }
  }

  private async checkPassphrase(row: ShareRow, given: string | undefined, ip: string, refuse: (reason: string, detail: string) => Promise<never>): Promise<void> {
    const wait = this.passphraseFailures.retryAfter(row.id, ip);
    if (wait > 0) throw new DomainError("rate_limited", `too many wrong passphrases for this share; retry in ${wait} s`, { retryAfterSeconds: wait });
    if (given === undefined || given === "") {
      await refuse("passphrase_missing", "this share needs its passphrase: send it in the X-Share-Passphrase header (or as passphrase in the body of POST /v1/shares/{id}/access)");
    }
    if (!(await verifyPassword(row.passphrase_hash!, given!))) {
      this.passphraseFailures.recordFailure(row.id, ip);
      await refuse("passphrase_wrong", "the passphrase is wrong");
    }
  }

  /** The sender as they stand now, or undefined when they can no longer act at all. */
  private async senderPrincipal(row: ShareRow): Promise<Principal | undefined> {
    const sender =
      row.sender_type === "agent"
        ? await this.parts.agents.actingPrincipal(row.sender_id)
        : await this.parts.accounts.memberPrincipal(this.dataSource.manager, row.sender_id);
    return sender && sender.orgId === row.org_id ? sender : undefined;
  }

  /** Explains why the conditional count found nothing: revoked meanwhile (404), expired or exhausted (410). */
  private async whyNotCounted(manager: EntityManager, shareId: string): Promise<never> {
    const row = await this.live(manager, shareId);
    if (row.declined_at) throw new DomainError("not_found", `share ${shareId} was declined by its recipient`);
    if (new Date(row.expires_at).getTime() <= Date.now()) throw new DomainError("gone", `share ${shareId} expired at ${new Date(row.expires_at).toISOString()}`);
    throw new DomainError("gone", `share ${shareId} has been accessed its maximum of ${row.max_access_count} times`);
  }

  /** The share unless it is unknown or revoked (both 404: a revoked share is gone for everyone). */
  private async live(q: EntityManager, shareId: string, options: { lock?: boolean } = {}): Promise<ShareRow> {
    // The validation interceptor lets an empty id through (most ids are optional); this one is not.
    if (!isUuid(shareId)) throw new DomainError("invalid_argument", "share_id must be a UUID");
    const row = await shareById(q, shareId, options.lock);
    if (!row) throw shareNotFound(shareId);
    if (row.revoked_at) throw new DomainError("not_found", `share ${shareId} has been revoked`);
    return row;
  }

  private audit(manager: EntityManager, actor: Pick<Principal, "type" | "id"> | undefined, action: Extract<AuditAction, `share.${string}`>, row: ShareRow, ip: string, details: Record<string, unknown>) {
    const entry: AuditEntry = {
      orgId: row.org_id,
      actor: actor ? { type: actor.type, id: actor.id } : { type: "anonymous", id: "" },
      action,
      resource: { type: "share", id: row.id },
      details,
      ip,
    };
    return this.parts.audit.append(manager, entry);
  }

  private toShare(row: ShareRow): Share {
    return {
      id: row.id,
      shareUrl: this.shareUrl(row.id),
      recipientType: row.recipient_type,
      recipientEmail: row.recipient_email,
      expiresAt: new Date(row.expires_at),
      maxAccessCount: row.max_access_count,
    };
  }
}

/** Why `caller` is not the one a share is addressed to; undefined when it is (or anyone may read it). */
function recipientProblem(row: ShareRow, caller: Principal | undefined): string | undefined {
  if (row.recipient_type === "anyone_with_link" || (caller && isRecipient(row, caller))) return undefined;
  if (row.recipient_type === "external_email" && row.recipient_user_id === null) {
    return "this share waits for its recipient to create an account with the address it was sent to";
  }
  return caller ? "this share is addressed to someone else" : "this share is addressed to a particular recipient: call with their Bearer token";
}

function isRecipient(row: ShareRow, principal: Principal): boolean {
  if (principal.type === "agent") return row.recipient_agent_id === principal.id;
  return row.recipient_user_id === principal.id;
}

function shareNotFound(shareId: string): DomainError {
  return new DomainError("not_found", `share ${shareId} not found`);
}

function sharingWithYourself(): DomainError {
  return new DomainError("invalid_argument", "you cannot share a secret with yourself");
}


function toListing(row: ShareRow): ShareListing {
  const expiresAt = new Date(row.expires_at);
  const exhausted = row.max_access_count !== null && row.access_count >= row.max_access_count;
  return {
    id: row.id,
    secretPath: row.secret_path,
    recipientType: row.recipient_type,
    recipientEmail: row.recipient_email,
    accessCount: row.access_count,
    maxAccessCount: row.max_access_count,
    expiresAt,
    createdAt: new Date(row.created_at),
    isExpired: expiresAt.getTime() <= Date.now() || exhausted,
    isAccepted: row.recipient_type === "anyone_with_link" || row.accepted_at !== null,
  };
}
