// The shares table and every statement on it: clawkeep_shares, one row per share of a single
// secret. Only shares.ts asks it; a share points at its secret (secret_id) and never copies it.
import type { DataSource, EntityManager } from "typeorm";
import { rowsOf } from "../../db/rows.js";
import { columnList, defineTable } from "../../db/table.js";
import type { RecipientType } from "./share-rules.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_shares. */
export interface ShareRow {
  id: string;
  org_id: string;
  /** NULL once the secret is deleted: the share then reads nothing. */
  secret_id: string | null;
  vault_id: string;
  secret_path: string;
  sender_type: "user" | "agent";
  sender_id: string;
  sender_ip: string;
  recipient_type: RecipientType;
  recipient_user_id: string | null;
  recipient_agent_id: string | null;
  recipient_email: string | null;
  expires_at: Date;
  max_access_count: number | null;
  access_count: number;
  passphrase_hash: string | null;
  ip_allowlist: string[];
  created_at: Date;
  accepted_at: Date | null;
  declined_at: Date | null;
  revoked_at: Date | null;
}

export const SHARES = defineTable<ShareRow>("clawkeep_shares", {
  id: true,
  org_id: true,
  secret_id: true,
  vault_id: true,
  secret_path: true,
  sender_type: true,
  sender_id: true,
  sender_ip: true,
  recipient_type: true,
  recipient_user_id: true,
  recipient_agent_id: true,
  recipient_email: true,
  expires_at: true,
  max_access_count: true,
  access_count: true,
  passphrase_hash: true,
  ip_allowlist: true,
  created_at: true,
  accepted_at: true,
  declined_at: true,
  revoked_at: true,
});

const COLUMNS = columnList(SHARES);

export type NewShare = Pick<
  ShareRow,
  | "org_id"
  | "secret_id"
  | "vault_id"
  | "secret_path"
  | "sender_type"
  | "sender_id"
  | "sender_ip"
  | "recipient_type"
  | "recipient_user_id"
  | "recipient_agent_id"
  | "recipient_email"
  | "expires_at"
  | "max_access_count"
  | "passphrase_hash"
  | "ip_allowlist"
>;

export async function insertShare(manager: EntityManager, share: NewShare): Promise<ShareRow> {
  const [row]: ShareRow[] = await manager.query(
    `INSERT INTO "clawkeep_shares" ("org_id", "secret_id", "vault_id", "secret_path", "sender_type", "sender_id", "sender_ip", "recipient_type",
       "recipient_user_id", "recipient_agent_id", "recipient_email", "expires_at", "max_access_count", "passphrase_hash", "ip_allowlist")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING ${COLUMNS}`,
    [
      share.org_id,
      share.secret_id,
      share.vault_id,
      share.secret_path,
      share.sender_type,
      share.sender_id,
      share.sender_ip,
      share.recipient_type,
      share.recipient_user_id,
      share.recipient_agent_id,
      share.recipient_email,
      share.expires_at,
      share.max_access_count,
      share.passphrase_hash,
      share.ip_allowlist,
    ],
  );
  return row;
}

/** The share, revoked or not; `lock` holds it for a change in `q`'s transaction. */
export async function shareById(q: Queryable, shareId: string, lock = false): Promise<ShareRow | undefined> {
  const [row]: ShareRow[] = await q.query(`SELECT ${COLUMNS} FROM "clawkeep_shares" WHERE "id" = $1${lock ? " FOR UPDATE" : ""}`, [shareId]);
  return row;
}

/**
 * Counts one access of a share that is still live, unexhausted and unexpired (judged by the
 * database clock, in one statement, so two readers cannot both take the last access); the new
 * count, or undefined when the share could not be read.
 */
export async function countAccess(manager: EntityManager, shareId: string): Promise<number | undefined> {
  const [row] = rowsOf<{ access_count: number }>(
    await manager.query(
      `UPDATE "clawkeep_shares" SET "access_count" = "access_count" + 1
       WHERE "id" = $1 AND "revoked_at" IS NULL AND "declined_at" IS NULL AND "expires_at" > clock_timestamp()
         AND ("max_access_count" IS NULL OR "access_count" < "max_access_count")
       RETURNING "access_count"`,
      [shareId],
    ),
  );
  return row?.access_count;
}

/** Stamps the share revoked, accepted or declined now. */
export async function markShare(manager: EntityManager, shareId: string, mark: "revoked_at" | "accepted_at" | "declined_at"): Promise<void> {
  await manager.query(`UPDATE "clawkeep_shares" SET "${mark}" = clock_timestamp() WHERE "id" = $1`, [shareId]);
}

/** The sender's unrevoked shares in their organisation, newest first. */
export function sharesSentBy(q: Queryable, sender: { type: "user" | "agent"; id: string; orgId: string }): Promise<ShareRow[]> {
  return q.query(
    `SELECT ${COLUMNS} FROM "clawkeep_shares" WHERE "sender_type" = $1 AND "sender_id" = $2 AND "org_id" = $3 AND "revoked_at" IS NULL
     ORDER BY "created_at" DESC, "id" DESC`,
    [sender.type, sender.id, sender.orgId],
  );
}

/** Shares addressed to the user or agent that are neither revoked nor declined, newest first. */
export function sharesAddressedTo(q: Queryable, recipient: { type: "user" | "agent"; id: string }): Promise<ShareRow[]> {
  const column = recipient.type === "agent" ? "recipient_agent_id" : "recipient_user_id";
  return q.query(
    `SELECT ${COLUMNS} FROM "clawkeep_shares" WHERE "${column}" = $1 AND "revoked_at" IS NULL AND "declined_at" IS NULL ORDER BY "created_at" DESC, "id" DESC`,
    [recipient.id],
  );
}

/** Gives the unrevoked external_email shares waiting for `email` to its new account; the claimed shares. */
export async function claimSharesFor(manager: EntityManager, user: { id: string; email: string }): Promise<ShareRow[]> {
  return rowsOf<ShareRow>(
    await manager.query(
      `UPDATE "clawkeep_shares" SET "recipient_user_id" = $1
       WHERE "recipient_type" = 'external_email' AND "recipient_email" = $2 AND "recipient_user_id" IS NULL AND "revoked_at" IS NULL
       RETURNING ${COLUMNS}`,
      [user.id, user.email],
    ),
  );
}

/**
 * The organisation's shares created in the last `windowSeconds`, and the seconds until the
 * oldest of them leaves the window. Waits first for the organisation's share-creation lock (an
 * advisory lock every instance takes, held to the end of `manager`'s transaction), so the count
 * and the insert that follows it are one step for the whole cluster.
 */
export async function recentSharesOfOrg(manager: EntityManager, orgId: string, windowSeconds: number): Promise<{ recent: number; wait: number | null }> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`clawkeep-share-create:${orgId}`]);
  const [window]: { recent: number; wait: number | null }[] = await manager.query(
    `SELECT count(*)::int AS "recent",
            ceil(extract(epoch FROM min("created_at") + make_interval(secs => $2) - clock_timestamp()))::int AS "wait"
     FROM "clawkeep_shares" WHERE "org_id" = $1 AND "created_at" > clock_timestamp() - make_interval(secs => $2)`,
    [orgId, windowSeconds],
  );
  return window;
}
