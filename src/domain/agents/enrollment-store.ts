// The enrollment tables and every statement on them: clawkeep_enrollments (one row per request
// of an agent to exist, with its token hashes and, between approval and claim, its API key sealed
// under the KEK) and clawkeep_enrollment_cooldowns (one row per email: its last enrollment's
// cooldown). enrollments.ts, enrollment-expiry.ts and enrollment-limits.ts ask it; master-key
// rotation reads SEALED_ENROLLMENT_KEYS.
import type { DataSource, EntityManager } from "typeorm";
import type { SealedColumns } from "../../crypto/sealed-columns-store.js";
import { affectedOf, rowsOf } from "../../db/rows.js";
import { columnList, defineTable, type Table } from "../../db/table.js";
import type { EnrollmentStatus } from "./enrollment-records.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_enrollments. */
export interface EnrollmentRow {
  id: string;
  name: string;
  description: string;
  /** NULL for a link-only enrollment. */
  human_email: string | null;
  org_id: string | null;
  bound_user_id: string | null;
  status: EnrollmentStatus;
  source_ip: string;
  claim_hash: Buffer;
  /** NULL when the email matched nobody: such an enrollment can never be approved. */
  approval_hash: Buffer | null;
  created_at: Date;
  expires_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  agent_id: string | null;
  key_delivery: "claim" | "email_only" | null;
  /** The sealed API key: all three NULL until approval, and again once claimed or wiped. */
  key_kek_version: number | null;
  key_wrapped_dek: Buffer | null;
  key_ciphertext: Buffer | null;
  key_claimable_until: Date | null;
  claimed_at: Date | null;
}

/** A row of clawkeep_enrollment_cooldowns. */
export interface EnrollmentCooldownRow {
  email: string;
  until: Date;
}

export const ENROLLMENTS = defineTable<EnrollmentRow>("clawkeep_enrollments", {
  id: true,
  name: true,
  description: true,
  human_email: true,
  org_id: true,
  bound_user_id: true,
  status: true,
  source_ip: true,
  claim_hash: true,
  approval_hash: true,
  created_at: true,
  expires_at: true,
  decided_at: true,
  decided_by: true,
  agent_id: true,
  key_delivery: true,
  key_kek_version: true,
  key_wrapped_dek: true,
  key_ciphertext: true,
  key_claimable_until: true,
  claimed_at: true,
});
export const ENROLLMENT_COOLDOWNS = defineTable<EnrollmentCooldownRow>("clawkeep_enrollment_cooldowns", { email: true, until: true });

/** Where an approved key waits sealed for the agent's claim (NULL once claimed or wiped), for master-key rotation. */
export const SEALED_ENROLLMENT_KEYS: SealedColumns = {
  table: ENROLLMENTS.name,
  key: [{ column: "id", type: "uuid" }],
  kekVersion: "key_kek_version",
  wrappedDek: "key_wrapped_dek",
};

/** What an enrollment record is made of: no token hashes, no sealed key. */
export type EnrollmentRecordRow = Pick<
  EnrollmentRow,
  "id" | "name" | "description" | "human_email" | "org_id" | "bound_user_id" | "status" | "source_ip" | "created_at" | "expires_at" | "decided_at" | "decided_by" | "agent_id"
>;

const RECORD: Table<EnrollmentRecordRow> = {
  name: ENROLLMENTS.name,
  columns: ["id", "name", "description", "human_email", "org_id", "bound_user_id", "status", "source_ip", "created_at", "expires_at", "decided_at", "decided_by", "agent_id"],
};
/** Every column: only the reads that check a token or open the sealed key select these. */
const COLUMNS = columnList(ENROLLMENTS);
const RECORD_COLUMNS = columnList(RECORD);

// ---- Enrollments

export async function insertEnrollment(
  manager: EntityManager,
  enrollment: Pick<EnrollmentRow, "name" | "description" | "human_email" | "org_id" | "bound_user_id" | "source_ip" | "claim_hash" | "approval_hash">,
  ttlSeconds: number,
): Promise<EnrollmentRecordRow> {
  const [row]: EnrollmentRecordRow[] = await manager.query(
    `INSERT INTO "clawkeep_enrollments" ("name", "description", "human_email", "org_id", "bound_user_id", "status", "source_ip", "claim_hash", "approval_hash", "expires_at")
     VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, now() + make_interval(secs => $9)) RETURNING ${RECORD_COLUMNS}`,
    [
      enrollment.name,
      enrollment.description,
      enrollment.human_email,
      enrollment.org_id,
      enrollment.bound_user_id,
      enrollment.source_ip,
      enrollment.claim_hash,
      enrollment.approval_hash,
      ttlSeconds,
    ],
  );
  return row;
}

/** The enrollment with its token hashes and sealed key; `lock` reads it for a decision in `q`'s transaction. */
export async function enrollmentById(q: Queryable, enrollmentId: string, lock?: "update"): Promise<EnrollmentRow | undefined> {
  const [row]: EnrollmentRow[] = await q.query(`SELECT ${COLUMNS} FROM "clawkeep_enrollments" WHERE "id" = $1${lock ? " FOR UPDATE" : ""}`, [enrollmentId]);
  return row;
}

/** Which rows each status filter of a listing matches: a pending enrollment past its time is expired. */
const STATUS_FILTER: Record<EnrollmentStatus, string> = {
  pending: `"status" = 'pending' AND "expires_at" > now()`,
  expired: `("status" = 'expired' OR ("status" = 'pending' AND "expires_at" <= now()))`,
  approved: `"status" = 'approved'`,
  denied: `"status" = 'denied'`,
  claimed: `"status" = 'claimed'`,
};

/** The organisation's enrollments (of one status, when given), newest first. */
export function enrollmentsOfOrg(q: Queryable, orgId: string, status: EnrollmentStatus | undefined, page: { limit: number; offset: number }): Promise<EnrollmentRecordRow[]> {
  return q.query(
    `SELECT ${RECORD_COLUMNS} FROM "clawkeep_enrollments" WHERE "org_id" = $1 ${status ? `AND ${STATUS_FILTER[status]}` : ""}
     ORDER BY "created_at" DESC, "id" DESC LIMIT $2 OFFSET $3`,
    [orgId, page.limit, page.offset],
  );
}

/** Approves the enrollment for `orgId`'s new agent, with its key sealed for the claim (or not). */
export async function markApproved(
  manager: EntityManager,
  enrollmentId: string,
  decision: {
    orgId: string;
    decidedBy: string;
    agentId: string;
    sealed: { kekVersion: number; wrappedDek: Buffer; ciphertext: Buffer } | undefined;
    claimWindowSeconds: number;
  },
): Promise<EnrollmentRecordRow> {
  const { sealed } = decision;
  const [row] = rowsOf<EnrollmentRecordRow>(
    await manager.query(
      `UPDATE "clawkeep_enrollments" SET "status" = 'approved', "org_id" = $2, "decided_at" = now(), "decided_by" = $3, "agent_id" = $4, "key_delivery" = $5,
         "key_kek_version" = $6, "key_wrapped_dek" = $7, "key_ciphertext" = $8, "key_claimable_until" = now() + make_interval(secs => $9)
       WHERE "id" = $1 RETURNING ${RECORD_COLUMNS}`,
      [
        enrollmentId,
        decision.orgId,
        decision.decidedBy,
        decision.agentId,
        sealed ? "claim" : "email_only",
        sealed?.kekVersion ?? null,
        sealed?.wrappedDek ?? null,
        sealed?.ciphertext ?? null,
        decision.claimWindowSeconds,
      ],
    ),
  );
  return row;
}

export async function markDenied(manager: EntityManager, enrollmentId: string, decision: { orgId: string; decidedBy: string }): Promise<EnrollmentRecordRow> {
  const [row] = rowsOf<EnrollmentRecordRow>(
    await manager.query(
      `UPDATE "clawkeep_enrollments" SET "status" = 'denied', "org_id" = $2, "decided_at" = now(), "decided_by" = $3 WHERE "id" = $1 RETURNING ${RECORD_COLUMNS}`,
      [enrollmentId, decision.orgId, decision.decidedBy],
    ),
  );
  return row;
}

/**
 * Marks the approved enrollment claimed and wipes its sealed key, if nobody claimed it first;
 * undefined otherwise.
 */
export async function markClaimed(manager: EntityManager, enrollmentId: string): Promise<EnrollmentRecordRow | undefined> {
  const [row] = rowsOf<EnrollmentRecordRow>(
    await manager.query(
      `UPDATE "clawkeep_enrollments" SET "status" = 'claimed', "claimed_at" = now(), "key_kek_version" = NULL, "key_wrapped_dek" = NULL, "key_ciphertext" = NULL
       WHERE "id" = $1 AND "status" = 'approved' AND "key_ciphertext" IS NOT NULL RETURNING ${RECORD_COLUMNS}`,
      [enrollmentId],
    ),
  );
  return row;
}

/**
 * Expires up to `batch` pending enrollments past their time, skipping rows another transaction
 * holds (another instance's sweep, or a decision under way); returns those it expired.
 */
export async function expireDuePending(manager: EntityManager, batch: number): Promise<EnrollmentRecordRow[]> {
  return rowsOf<EnrollmentRecordRow>(
    await manager.query(
      `UPDATE "clawkeep_enrollments" SET "status" = 'expired'
       WHERE "id" IN (SELECT "id" FROM "clawkeep_enrollments" WHERE "status" = 'pending' AND "expires_at" <= now() ORDER BY "expires_at" LIMIT ${batch} FOR UPDATE SKIP LOCKED)
       RETURNING ${RECORD_COLUMNS}`,
    ),
  );
}

/** Wipes approved keys whose claim window has closed; returns how many. */
export async function wipeUnclaimedKeys(q: Queryable): Promise<number> {
  return affectedOf(
    await q.query(
      `UPDATE "clawkeep_enrollments" SET "key_kek_version" = NULL, "key_wrapped_dek" = NULL, "key_ciphertext" = NULL
       WHERE "key_ciphertext" IS NOT NULL AND "key_claimable_until" <= now()`,
    ),
  );
}

/** Serialises link-only inserts while they count the pending ones, so the cap holds under races. */
const LINK_ONLY_LOCK_KEY = 7_360_211_008;

/** Takes the link-only lock for the transaction. */
export async function lockLinkOnlyEnrollments(manager: EntityManager): Promise<void> {
  await manager.query("SELECT pg_advisory_xact_lock($1)", [LINK_ONLY_LOCK_KEY]);
}

/** How many link-only enrollments are pending, and the seconds until the first of them expires (null when none is). */
export async function pendingLinkOnly(manager: EntityManager): Promise<{ pending: number; wait: number | null }> {
  const [row]: { pending: number; wait: number | null }[] = await manager.query(
    `SELECT count(*)::int AS "pending", ceil(extract(epoch FROM min("expires_at") - now()))::int AS "wait"
     FROM "clawkeep_enrollments" WHERE "status" = 'pending' AND "human_email" IS NULL AND "expires_at" > now()`,
  );
  return row;
}

// ---- Cooldowns

/** Starts the email's cooldown unless one is running; whether it started. */
export async function startCooldown(manager: EntityManager, email: string, seconds: number): Promise<boolean> {
  const taken = rowsOf<Pick<EnrollmentCooldownRow, "email">>(
    await manager.query(
      `INSERT INTO "clawkeep_enrollment_cooldowns" ("email", "until") VALUES ($1, now() + make_interval(secs => $2))
       ON CONFLICT ("email") DO UPDATE SET "until" = EXCLUDED."until" WHERE "clawkeep_enrollment_cooldowns"."until" <= now()
       RETURNING "email"`,
      [email, seconds],
    ),
  );
  return taken.length > 0;
}

/** Whole seconds until the email's cooldown ends (rounded up); undefined when it has none. */
export async function cooldownWait(manager: EntityManager, email: string): Promise<number | undefined> {
  const [row]: { wait: number }[] = await manager.query(
    `SELECT ceil(extract(epoch FROM "until" - now()))::int AS "wait" FROM "clawkeep_enrollment_cooldowns" WHERE "email" = $1`,
    [email],
  );
  return row?.wait;
}

export async function dropFinishedCooldowns(q: Queryable): Promise<void> {
  await q.query(`DELETE FROM "clawkeep_enrollment_cooldowns" WHERE "until" <= now()`);
}
