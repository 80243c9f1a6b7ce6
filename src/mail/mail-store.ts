// The mail queue's table and every statement on it: clawkeep_mail, one row per message, its body
// sealed under the KEK until it is sent or fails for good.
import type { DataSource, EntityManager } from "typeorm";
import type { SealedColumns } from "../crypto/sealed-columns-store.js";
import { affectedOf, rowsOf } from "../db/rows.js";
import { defineTable } from "../db/table.js";

type Queryable = DataSource | EntityManager;

export type MailStatus = "queued" | "sending" | "sent" | "failed" | "outbox";

/** A row of clawkeep_mail. */
export interface MailRow {
  id: string;
  to_address: string;
  subject: string;
  /** All three NULL once the body is wiped (sent or failed). */
  kek_version: number | null;
  wrapped_dek: Buffer | null;
  ciphertext: Buffer | null;
  status: MailStatus;
  attempts: number;
  next_attempt_at: Date;
  lease_until: Date | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export const MAIL = defineTable<MailRow>("clawkeep_mail", {
  id: true,
  to_address: true,
  subject: true,
  kek_version: true,
  wrapped_dek: true,
  ciphertext: true,
  status: true,
  attempts: true,
  next_attempt_at: true,
  lease_until: true,
  last_error: true,
  created_at: true,
  sent_at: true,
});

/** Where waiting mail keeps its sealed body (NULL once sent or failed), for master-key rotation. */
export const SEALED_MAIL: SealedColumns = { table: MAIL.name, key: [{ column: "id", type: "uuid" }], kekVersion: "kek_version", wrappedDek: "wrapped_dek" };

/** A message with its body still sealed: what a sender or the outbox reads. */
export type SealedMailRow = Pick<MailRow, "id" | "to_address" | "subject" | "attempts" | "created_at"> & { kek_version: number; wrapped_dek: Buffer; ciphertext: Buffer };

export async function insertMail(
  manager: EntityManager,
  mail: { id: string; to: string; subject: string; box: { kekVersion: number; wrappedDek: Buffer; ciphertext: Buffer }; status: "queued" | "outbox" },
): Promise<void> {
  await manager.query(
    `INSERT INTO "clawkeep_mail" ("id", "to_address", "subject", "kek_version", "wrapped_dek", "ciphertext", "status", "created_at")
     VALUES ($1, $2, $3, $4, $5, $6, $7, clock_timestamp())`,
    [mail.id, mail.to, mail.subject, mail.box.kekVersion, mail.box.wrappedDek, mail.box.ciphertext, mail.status],
  );
}

/** Development outbox: kept messages, newest first. */
export function outboxMail(q: Queryable, limit: number): Promise<SealedMailRow[]> {
  return q.query(
    `SELECT "id", "to_address", "subject", "kek_version", "wrapped_dek", "ciphertext", "attempts", "created_at" FROM "clawkeep_mail"
     WHERE "status" = 'outbox' ORDER BY "created_at" DESC, "id" LIMIT $1`,
    [limit],
  );
}

export async function pruneOutboxMail(q: Queryable, retentionDays: number): Promise<number> {
  return affectedOf(await q.query(`DELETE FROM "clawkeep_mail" WHERE "status" = 'outbox' AND "created_at" < now() - make_interval(days => $1)`, [retentionDays]));
}

/** One statement: lease up to `batch` due rows (or rows whose sender's lease ran out). */
export async function claimMail(q: Queryable, leaseSeconds: number, batch: number): Promise<SealedMailRow[]> {
  return rowsOf<SealedMailRow>(
    await q.query(
      `UPDATE "clawkeep_mail" SET "status" = 'sending', "lease_until" = now() + make_interval(secs => $1), "attempts" = "attempts" + 1
       WHERE "id" IN (
         SELECT "id" FROM "clawkeep_mail"
         WHERE ("status" = 'queued' AND "next_attempt_at" <= now()) OR ("status" = 'sending' AND "lease_until" < now())
         ORDER BY "created_at" FOR UPDATE SKIP LOCKED LIMIT $2
       )
       RETURNING "id", "to_address", "subject", "kek_version", "wrapped_dek", "ciphertext", "attempts", "created_at"`,
      [leaseSeconds, batch],
    ),
  );
}

/** Puts a leased message back in the queue for a later attempt (unless another sender holds it now). */
export async function requeueMail(q: Queryable, row: { id: string; attempts: number }, reason: string, delaySeconds: number): Promise<void> {
  await q.query(
    `UPDATE "clawkeep_mail" SET "status" = 'queued', "lease_until" = NULL, "last_error" = $3, "next_attempt_at" = now() + make_interval(secs => $4)
     WHERE "id" = $1 AND "status" = 'sending' AND "attempts" = $2`,
    [row.id, row.attempts, reason, delaySeconds],
  );
}

/**
 * Records a final outcome and wipes the body. Guarded by the attempt number, so a sender whose
 * lease ran out (and whose row another instance claimed since) changes nothing.
 */
export async function finishMail(q: Queryable, row: { id: string; attempts: number }, status: "sent" | "failed", lastError: string | null): Promise<void> {
  await q.query(
    `UPDATE "clawkeep_mail" SET "status" = $3, "last_error" = $4, "lease_until" = NULL,
       "sent_at" = CASE WHEN $3 = 'sent' THEN now() ELSE NULL END,
       "kek_version" = NULL, "wrapped_dek" = NULL, "ciphertext" = NULL
     WHERE "id" = $1 AND "status" = 'sending' AND "attempts" = $2`,
    [row.id, row.attempts, status, lastError],
  );
}
