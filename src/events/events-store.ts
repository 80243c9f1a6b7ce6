// The event bus's tables and every statement on them: clawkeep_events (the log, ordered by the
// writing transaction and then the row) and clawkeep_events_pruned (where retention stopped).
import type { DataSource, EntityManager } from "typeorm";
import { hotStatement, runHot } from "../db/hot-query.js";
import { rowsOf } from "../db/rows.js";
import { defineTable } from "../db/table.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_events, with the horizon of the snapshot it was read in. */
export interface EventRow {
  /** xid8 as text: the transaction that wrote the event. */
  tx: string;
  /** bigserial as text. */
  id: string;
  topic: string;
  org_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
}

/** The one row of clawkeep_events_pruned: the newest position retention deleted. */
export interface PrunedRow {
  singleton: true;
  tx: string;
  id: string;
}

export const EVENTS = defineTable<EventRow>("clawkeep_events", { tx: true, id: true, topic: true, org_id: true, payload: true, created_at: true });
export const EVENTS_PRUNED = defineTable<PrunedRow>("clawkeep_events_pruned", { singleton: true, tx: true, id: true });

const COLUMNS = `"tx"::text AS "tx", "id"::text AS "id", "topic", "org_id", "payload", "created_at"`;

export async function insertEvent(manager: EntityManager, topic: string, payload: Record<string, unknown>, orgId: string | null): Promise<{ tx: string; id: string }> {
  const [row]: { tx: string; id: string }[] = await manager.query(
    `INSERT INTO "clawkeep_events" ("topic", "org_id", "payload") VALUES ($1, $2, $3) RETURNING "tx"::text AS "tx", "id"::text AS "id"`,
    [topic, orgId, JSON.stringify(payload)],
  );
  return row;
}

export async function insertEvents(manager: EntityManager, topic: string, events: { payload: Record<string, unknown>; orgId: string | null }[]): Promise<void> {
  await manager.query(`INSERT INTO "clawkeep_events" ("topic", "org_id", "payload") SELECT $1, * FROM unnest($2::uuid[], $3::jsonb[])`, [
    topic,
    events.map((e) => e.orgId),
    events.map((e) => JSON.stringify(e.payload)),
  ]);
}

// The horizon comes from the same snapshot as the rows, so they agree on what has ended.
const READ_TEXT = (orgFilter: string) => `SELECT ${COLUMNS}, pg_snapshot_xmin(pg_current_snapshot())::text AS "horizon"
  FROM "clawkeep_events"
  WHERE ("tx", "id") > ($1::xid8, $2::bigint) AND "topic" = ANY($3::text[]) ${orgFilter}
  ORDER BY "tx", "id" LIMIT $4`;
const READ = hotStatement("events_read", READ_TEXT(""));
const READ_ORG = hotStatement("events_read_org", READ_TEXT(`AND "org_id" = $5`));

/** Events after the position, with the oldest transaction still running when they were read. */
export function eventsAfter(q: Queryable, after: { tx: bigint; id: bigint }, filter: { topics: string[]; orgId?: string }, limit: number): Promise<(EventRow & { horizon: string })[]> {
  const values = [after.tx.toString(), after.id.toString(), filter.topics, limit];
  return filter.orgId ? runHot(q, READ_ORG, [...values, filter.orgId]) : runHot(q, READ, values);
}

/** The oldest transaction still running: every older one has ended. */
export async function horizon(q: Queryable): Promise<bigint> {
  const [row]: { horizon: string }[] = await q.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS "horizon"`);
  return BigInt(row.horizon);
}

export async function prunedMark(q: Queryable): Promise<Pick<PrunedRow, "tx" | "id"> | undefined> {
  const [row]: PrunedRow[] = await q.query(`SELECT "tx"::text AS "tx", "id"::text AS "id" FROM "clawkeep_events_pruned"`);
  return row;
}

/** Deletes events older than `maxAgeHours` and remembers the newest position deleted; how many went. */
export async function pruneEvents(q: Queryable, maxAgeHours: number): Promise<number> {
  const [row] = rowsOf<{ deleted: number }>(
    await q.query(
      `WITH "gone" AS (
         DELETE FROM "clawkeep_events" WHERE "created_at" < now() - make_interval(hours => $1) RETURNING "tx", "id"
       ), "newest" AS (
         SELECT "tx", "id" FROM "gone" ORDER BY "tx" DESC, "id" DESC LIMIT 1
       ), "mark" AS (
         INSERT INTO "clawkeep_events_pruned" ("tx", "id") SELECT "tx", "id" FROM "newest"
         ON CONFLICT ("singleton") DO UPDATE SET "tx" = EXCLUDED."tx", "id" = EXCLUDED."id"
         WHERE ("clawkeep_events_pruned"."tx", "clawkeep_events_pruned"."id") < (EXCLUDED."tx", EXCLUDED."id")
       )
       SELECT count(*)::int AS "deleted" FROM "gone"`,
      [maxAgeHours],
    ),
  );
  return row.deleted;
}

/** The LISTEN/NOTIFY channel that wakes every instance's bus; named after the table it announces. */
export const EVENTS_CHANNEL = "clawkeep_events";

/** Wakes the LISTENers of `channel` on every instance. */
export async function notify(q: Queryable, channel: string, payload: string): Promise<void> {
  await q.query(`SELECT pg_notify($1, $2)`, [channel, payload]);
}
