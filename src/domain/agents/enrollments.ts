// Self-enrollment: an agent asks to exist (public), a human approves or denies it, and the agent
// collects its API key once with the claim token it got when it asked (like the OAuth device
// flow). Enrollment rows and email cooldowns are enrollment-store.ts's. Every step commits with its audit event (once the enrollment belongs to an organisation) and its bus event.
import { randomBytes } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { hashApiKey, sameHash } from "../../crypto/api-keys.js";
import type { Keyring } from "../../crypto/keyring.js";
import type { EventBus } from "../../events/bus.js";
import type { AuditLog } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import type { Accounts, Profile } from "../identity/accounts.js";
import { orgSettingsOf } from "../identity/org-settings.js";
import type { Principal } from "../identity/principal.js";
import { normalizeEmail } from "../identity/validation.js";
import { isUuid } from "../ids.js";
import { validatePolicy, type Policies, type ValidPolicyInput } from "../vaults/policies.js";
import { validateCreate, type AgentRecord, type Agents } from "./agents.js";
import { EnrollmentLimits } from "./enrollment-limits.js";
import { apiKeyMail, approvalPageUrl, approvalRequestMail, type MailQueue } from "./enrollment-mail.js";
import { announceEnrollment, ENROLLMENT_STATUSES, NIL_UUID, toEnrollment, type EnrollmentRecord, type EnrollmentStatus } from "./enrollment-records.js";
import { enrollmentById, enrollmentsOfOrg, insertEnrollment, markApproved, markClaimed, markDenied, type EnrollmentRow } from "./enrollment-store.js";
import { isOrgManager } from "../identity/org-roles.js";

/** A pending enrollment waits this long for a decision. */
export const ENROLLMENT_TTL_SECONDS = 24 * 60 * 60;
/** An approved key waits this long for the agent's claim before it is wiped. */
export const CLAIM_WINDOW_SECONDS = 24 * 60 * 60;
/**
 * Answers to enrollments naming an email are held back to at least this long, so whether the
 * email has an account (which adds an audit event, a bus event and a queued email) does not show
 * in the timing.
 */
const EMAIL_ENROLLMENT_MIN_MS = 250;

export interface EnrollInput {
  name: string;
  humanEmail: string;
  description: string;
}

export interface EnrollResult {
  enrollmentId: string;
  claimToken: string;
  message: string;
  approvalUrl?: string;
}

export interface InitialPolicyInput {
  vaultId: string;
  secretPathPattern: string;
  permissions: string[];
}

export interface DecisionInput {
  /** The approval_url's token; needed only for a link-only enrollment. */
  approvalToken: string;
}

export interface EnrollmentsDeps {
  dataSource: DataSource;
  accounts: Accounts;
  agents: Agents;
  policies: Policies;
  audit: AuditLog;
  bus: EventBus;
  keyring: Keyring;
  mail: MailQueue;
  /** Keys the stored hashes of claim and approval tokens. */
  pepper: Buffer;
  publicUrl: string;
  maxPendingLinkOnly: number;
}

export class Enrollments {
  private readonly limits: EnrollmentLimits;

  constructor(private readonly deps: EnrollmentsDeps) {
    this.limits = new EnrollmentLimits(deps.maxPendingLinkOnly);
  }

  async enroll(input: EnrollInput, ip: string): Promise<EnrollResult> {
    const started = Date.now();
    const name = checkText(input.name, "name", 1, 100);
    const description = checkText(input.description, "description", 0, 1000);
    const email = input.humanEmail.trim() === "" ? null : normalizeEmail(input.humanEmail);
    this.limits.takeAddressToken(ip);
    const claimToken = `ckc_${randomBytes(32).toString("base64url")}`;
    const approvalToken = randomBytes(32).toString("base64url");

    const approvable = await this.deps.dataSource.transaction(async (manager) => {
      let bound: Profile | undefined;
      if (email) {
        await this.limits.takeEmailCooldown(manager, email);
        bound = await this.deps.accounts.profileByEmail(manager, email);
      } else {
        await this.limits.assertLinkOnlyRoom(manager);
      }
      // An email that matches nobody still gets a row (the same answer), but no approval token.
      const canBeApproved = !email || bound !== undefined;
      const row = await insertEnrollment(
        manager,
        {
          name,
          description,
          human_email: email,
          org_id: bound?.orgId ?? null,
          bound_user_id: bound?.id ?? null,
          source_ip: ip,
          claim_hash: this.hash(claimToken),
          approval_hash: canBeApproved ? this.hash(approvalToken) : null,
        },
        ENROLLMENT_TTL_SECONDS,
      );
      const enrollment = toEnrollment(row);
      if (bound && email) {
        await this.deps.audit.append(manager, {
          orgId: bound.orgId,
          actor: { type: "anonymous", id: "" },
          action: "enrollment.request",
          resource: { type: "enrollment", id: row.id },
          details: { name, human_email: email, bound_user_id: bound.id },
          ip,
        });
        await announceEnrollment(this.deps.bus, manager, "requested", enrollment);
        const link = (decision: "allow" | "deny") => approvalPageUrl(this.deps.publicUrl, row.id, approvalToken, decision);
        await this.deps.mail.enqueue(manager, approvalRequestMail(email, enrollment, { allow: link("allow"), deny: link("deny") }));
      }
      return { enrollment, linkOnly: !email };
    });

    const id = approvable.enrollment.id;
    if (approvable.linkOnly) {
      return {
        enrollmentId: id,
        claimToken,
        approvalUrl: approvalPageUrl(this.deps.publicUrl, id, approvalToken),
        message: "Enrollment pending. A human opens approval_url while signed in to Clawkeep to approve this agent into their organisation; then claim the API key with enrollment_id and claim_token.",
      };
    }
    const wait = EMAIL_ENROLLMENT_MIN_MS - (Date.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    return {
      enrollmentId: id,
      claimToken,
      message:
        "Enrollment received. If this email belongs to a Clawkeep account, its owner has been asked to approve; the API key is emailed to them after approval, and you can claim it with enrollment_id and claim_token.",
    };
  }

  /** The approved agent's id and API key, exactly once, to whoever holds the claim token. */
  async claim(enrollmentId: string, claimToken: string, ip: string): Promise<{ agentId: string; apiKey: string }> {
    this.limits.assertClaimAllowed(enrollmentId, ip);
    const row = isUuid(enrollmentId) ? await enrollmentById(this.deps.dataSource, enrollmentId) : undefined;
    if (!row || !sameHash(row.claim_hash, this.hash(claimToken))) {
      this.limits.recordClaimFailure(enrollmentId, ip);
      throw new DomainError("not_found", "no enrollment matches this enrollment_id and claim_token");
    }
    const enrollment = toEnrollment(row);
    switch (enrollment.status) {
      case "pending":
        throw new DomainError("failed_precondition", "enrollment is pending approval: ask again later, at most every 5 seconds");
      case "denied":
        throw new DomainError("permission_denied", "the enrollment was denied; this agent was not created");
      case "expired":
        throw new DomainError("gone", "the enrollment expired before anyone approved it; enroll again");
      case "claimed":
        throw new DomainError("gone", "the API key of this enrollment was already claimed; ask the approver to rotate it if it was lost");
    }
    if (row.key_delivery === "email_only") {
      throw new DomainError("permission_denied", "this organisation hands keys of self-enrolled agents only to the approving human, by email; ask them for it");
    }
    if (!row.key_ciphertext || !row.key_wrapped_dek || row.key_kek_version === null) {
      throw new DomainError("gone", "the claim window of this enrollment has closed; ask the approver for the key or to rotate it");
    }
    // Opened before the transaction: opening may reload KEK versions, a round trip that need not
    // hold the transaction open.
    const apiKey = (
      await this.deps.keyring.openRefreshing({ kekVersion: row.key_kek_version, wrappedDek: row.key_wrapped_dek, ciphertext: row.key_ciphertext }, keyAad(row.id))
    ).toString("utf8");
    await this.deps.dataSource.transaction(async (manager) => {
      const claimed = await markClaimed(manager, row.id);
      if (!claimed) throw new DomainError("gone", "the API key of this enrollment was already claimed; ask the approver to rotate it if it was lost");
      const record = toEnrollment(claimed);
      await this.deps.audit.append(manager, {
        orgId: claimed.org_id as string,
        actor: { type: "agent", id: claimed.agent_id ?? NIL_UUID },
        action: "enrollment.claim",
        resource: { type: "enrollment", id: claimed.id },
        details: { agent_id: claimed.agent_id },
        ip,
      });
      await announceEnrollment(this.deps.bus, manager, "claimed", record);
    });
    return { agentId: row.agent_id as string, apiKey };
  }

  /** The enrollments of the caller's organisation, newest first. */
  async list(principal: Principal, options: { status: string; limit: number; offset: number }): Promise<EnrollmentRecord[]> {
    assertHuman(principal);
    const status = options.status === "" ? undefined : parseStatus(options.status);
    const limit = options.limit === 0 ? 50 : options.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new DomainError("invalid_argument", `limit must be 1-200, got ${options.limit}`);
    if (!Number.isInteger(options.offset) || options.offset < 0) throw new DomainError("invalid_argument", `offset must be 0 or more, got ${options.offset}`);
    const rows = await enrollmentsOfOrg(this.deps.dataSource, principal.orgId, status, { limit, offset: options.offset });
    return rows.map((row) => toEnrollment(row));
  }

  /** One enrollment the caller may see: of their organisation, or link-only with its approval token. */
  async get(principal: Principal, enrollmentId: string, input: DecisionInput): Promise<EnrollmentRecord> {
    assertHuman(principal);
    const row = await this.visibleRow(this.deps.dataSource.manager, principal, enrollmentId, input.approvalToken, false);
    return toEnrollment(row);
  }

  /**
   * Creates the agent in the approver's organisation with its identity keys and the initial
   * binding and policies, all in one transaction with the decision; emails the key to the
   * approver and, where the organisation allows, keeps it sealed for the agent's claim.
   */
  async approve(
    principal: Principal,
    enrollmentId: string,
    input: DecisionInput & { vaultIds: string[]; policies: InitialPolicyInput[] },
    ip: string,
  ): Promise<{ agent: AgentRecord; enrollment: EnrollmentRecord }> {
    assertHuman(principal);
    const badVaultId = input.vaultIds.find((vaultId) => !isUuid(vaultId));
    if (badVaultId !== undefined) throw new DomainError("invalid_argument", `vault_ids must be UUIDs, got "${String(badVaultId).slice(0, 40)}"`);
    const policyInputs = input.policies.map((policy, i) => checkInitialPolicy(policy, i));
    const vaultsTouched = new Set(policyInputs.map((p) => p.vaultId));
    try {
      return await this.deps.dataSource.transaction(async (manager) => {
        const row = await this.decidableRow(manager, principal, enrollmentId, input.approvalToken);
        const approver = await this.deps.accounts.profile(principal, manager);
        const settings = await orgSettingsOf(manager, principal.orgId);
        const { agent, apiKey } = await this.deps.agents.createWithin(
          manager,
          principal,
          validateCreate({ name: row.name, description: row.description, authMethod: "", scopes: [], vaultIds: input.vaultIds, intentsApiEnabled: false, guardrails: {} }),
          ip,
          { enrollment_id: row.id },
        );
        for (const { vaultId, policy } of policyInputs) {
          await this.deps.policies.createWithin(manager, principal, vaultId, { ...policy, principalId: agent.id }, ip);
        }
        const sealed = settings.agentKeyClaim ? this.deps.keyring.seal(Buffer.from(apiKey, "utf8"), keyAad(row.id)) : undefined;
        const updated = await markApproved(manager, row.id, { orgId: principal.orgId, decidedBy: principal.id, agentId: agent.id, sealed, claimWindowSeconds: CLAIM_WINDOW_SECONDS });
        const enrollment = toEnrollment(updated);
        await this.deps.audit.append(manager, {
          orgId: principal.orgId,
          actor: { type: "user", id: principal.id },
          action: "enrollment.approve",
          resource: { type: "enrollment", id: row.id },
          details: { agent_id: agent.id, name: row.name, vault_ids: input.vaultIds, policies: policyInputs.length, key_delivery: sealed ? "claim" : "email_only" },
          ip,
        });
        await announceEnrollment(this.deps.bus, manager, "approved", enrollment);
        await this.deps.mail.enqueue(manager, apiKeyMail(approver.email, { enrollment, agentId: agent.id, apiKey, publicUrl: this.deps.publicUrl, agentMayClaim: Boolean(sealed) }));
        return { agent, enrollment };
      });
    } finally {
      for (const vaultId of vaultsTouched) this.deps.policies.forget(vaultId);
    }
  }

  async deny(principal: Principal, enrollmentId: string, input: DecisionInput & { reason: string }, ip: string): Promise<EnrollmentRecord> {
    assertHuman(principal);
    const reason = checkText(input.reason, "reason", 0, 1000);
    return this.deps.dataSource.transaction(async (manager) => {
      const row = await this.decidableRow(manager, principal, enrollmentId, input.approvalToken);
      const updated = await markDenied(manager, row.id, { orgId: principal.orgId, decidedBy: principal.id });
      const enrollment = toEnrollment(updated);
      await this.deps.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "user", id: principal.id },
        action: "enrollment.deny",
        resource: { type: "enrollment", id: row.id },
        details: { name: row.name, ...(reason ? { reason } : {}) },
        ip,
      });
      await announceEnrollment(this.deps.bus, manager, "denied", enrollment);
      return enrollment;
    });
  }

  /**
   * The enrollment, locked, if the caller may decide it now: 404 when they may not see it, 403
   * when they see it but it is addressed to someone else, 409 once decided, 410 once expired.
   */
  private async decidableRow(manager: EntityManager, principal: Principal, enrollmentId: string, approvalToken: string): Promise<EnrollmentRow> {
    const row = await this.visibleRow(manager, principal, enrollmentId, approvalToken, true);
    const status = toEnrollment(row).status;
    if (status === "expired") throw new DomainError("gone", "the enrollment expired before anyone decided it; the agent has to enroll again");
    if (status !== "pending") throw new DomainError("conflict", `the enrollment was already ${status === "claimed" ? "approved" : status}`);
    if (row.org_id !== null && row.bound_user_id !== principal.id && !isOrgManager(principal)) {
      throw new DomainError("permission_denied", "only the human the agent named, or an organisation owner or admin, can decide this enrollment");
    }
    return row;
  }

  private async visibleRow(manager: EntityManager, principal: Principal, enrollmentId: string, approvalToken: string, lock: boolean): Promise<EnrollmentRow> {
    if (!isUuid(enrollmentId)) throw new DomainError("invalid_argument", "enrollment_id must be a UUID");
    const row = await enrollmentById(manager, enrollmentId, lock ? "update" : undefined);
    if (row?.org_id === principal.orgId) return row;
    const holdsToken = row?.human_email === null && row.approval_hash !== null && approvalToken !== "" && sameHash(row.approval_hash, this.hash(approvalToken));
    if (holdsToken && row.org_id === null) return row;
    // Someone else's organisation decided this link-only enrollment first; its details are theirs now.
    if (holdsToken) throw new DomainError("conflict", "the enrollment was already decided by another organisation");
    throw new DomainError("not_found", `enrollment ${enrollmentId} not found`);
  }

  private hash(token: string): Buffer {
    return hashApiKey(this.deps.pepper, token);
  }
}

/** AAD of a sealed key waiting for its claim: it opens only for its own enrollment. */
export function keyAad(enrollmentId: string): string {
  return `clawkeep-enrollment-key:${enrollmentId}`;
}

function assertHuman(principal: Principal): void {
  if (principal.type !== "user") throw new DomainError("permission_denied", "only people review enrollments");
}

function parseStatus(raw: string): EnrollmentStatus {
  if (!(ENROLLMENT_STATUSES as readonly string[]).includes(raw)) {
    throw new DomainError("invalid_argument", `status must be one of ${ENROLLMENT_STATUSES.join(", ")}, got "${raw.slice(0, 32)}"`);
  }
  return raw as EnrollmentStatus;
}

/** Trimmed text within bounds and without control characters (it is shown in emails and pages). */
function checkText(raw: string, field: string, min: number, max: number): string {
  const text = raw.trim();
  if (text.length < min || text.length > max) {
    throw new DomainError("invalid_argument", min > 0 ? `${field} must be ${min} to ${max} characters, got ${text.length}` : `${field} is ${text.length} characters; at most ${max} are allowed`);
  }
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text) || (field === "name" && /[\n\t]/.test(text))) {
    throw new DomainError("invalid_argument", `${field} must not contain control characters`);
  }
  return text;
}

function checkInitialPolicy(policy: InitialPolicyInput, index: number): { vaultId: string; policy: ValidPolicyInput } {
  if (!isUuid(policy.vaultId)) throw new DomainError("invalid_argument", `policies[${index}].vault_id must be a UUID`);
  try {
    // The agent does not exist yet; its id replaces this placeholder once it does.
    const valid = validatePolicy({ secretPathPattern: policy.secretPathPattern, principalType: "agent", principalId: NIL_UUID, permissions: policy.permissions, effect: "allow" });
    return { vaultId: policy.vaultId, policy: valid };
  } catch (error) {
    if (error instanceof DomainError) throw new DomainError(error.kind, `policies[${index}]: ${error.detail}`);
    throw error;
  }
}
