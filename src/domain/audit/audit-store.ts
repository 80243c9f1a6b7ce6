// The audit module's tables and every statement on them: clawkeep_audit_events (the log, one row
// per event, pending until chained) and clawkeep_audit_heads (each organisation's newest chained
// event). Functions take the caller's transaction manager (or the data source) first.
import type { DataSource, EntityManager } from "typeorm";
import { hotStatement, runHot, type HotStatement } from "../../db/hot-query.js";
import { columnList, defineTable } from "../../db/table.js";
import type { AuditEvent } from "./audit-log.js";
import type { ChainedFields } from "./chain.js";

type Queryable = DataSource | EntityManager;

/** A row of clawkeep_audit_events as the pg driver returns it. */
export interface AuditEventRow {
  id: string;
  org_id: string;
  /** bigint as a string; NULL while the event is pending. */
  seq: string | null;
  actor_type: string;
  actor_id: string;
  action: string;
  resource_type: string;
  resource_id: string;
  details: Record<string, unknown>;
  ip_address: string | null;
  created_at: Date;
  prev_event_id: string | null;
  integrity_hash: string | null;
  /** bigserial as a string: insertion order, which orders a chain batch. */
  pos: string;
}

/** A row of clawkeep_audit_heads. */
export interface AuditHeadRow {
  org_id: string;
  /** bigint as a string. */
  seq: string;
  last_event_id: string | null;
  last_hash: string;
}

export const AUDIT_EVENTS = defineTable<AuditEventRow>("clawkeep_audit_events", {
  id: true,
  org_id: true,
  seq: true,
  actor_type: true,
  actor_id: true,
  action: true,
  resource_type: true,
  resource_id: true,
  details: true,
  ip_address: true,
  created_at: true,
  prev_event_id: true,
  integrity_hash: true,
  pos: true,
});
export const AUDIT_HEADS = defineTable<AuditHeadRow>("clawkeep_audit_heads", { org_id: true, seq: true, last_event_id: true, last_hash: true });

/** An event once chained: its chain fields are set. */
export type ChainedEventRow = AuditEventRow & { seq: string; integrity_hash: string };

/** The columns an event is appended with, in this order. */
const APPEND_COLUMNS = `"id", "org_id", "actor_type", "actor_id", "action", "resource_type", "resource_id", "details", "ip_address", "created_at"`;
const EVENT_COLUMNS = columnList(AUDIT_EVENTS);
const SELECT_EVENTS = `SELECT ${EVENT_COLUMNS} FROM "clawkeep_audit_events"`;

export type AppendValues = [id: string, orgId: string, actorType: string, actorId: string, action: string, resourceType: string, resourceId: string, details: string, ip: string | null, createdAt: string];

const APPEND = hotStatement("audit_append", `INSERT INTO "clawkeep_audit_events" (${APPEND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`);

export async function appendEvent(q: Queryable, values: AppendValues): Promise<void> {
  await runHot(q, APPEND, values);
}

/** A statement that reads one row and appends its audit event in the same round trip. */
export interface AuditedRead extends HotStatement {
  /** How many parameters the read itself takes ($1..$n); the event's follow. */
  readParams: number;
  /** The row's column that names the event's organisation, when the row decides it. */
  orgColumn?: string;
  /** Which of the event's values (by position in AppendValues) are parameters; the row gives the others. */
  eventParams: number[];
}

export interface AuditedReadSpec {
  /**
   * A SELECT of at most one row, with parameters $1..$readParams; or an INSERT … RETURNING of
   * one row, whose event then commits with it.
   */
  select: string;
  /** Data-modifying CTEs `select` reads from (PostgreSQL takes them only at the top level). */
  with?: string;
  readParams: number;
  /** When to append the event: a condition over the row, "r". */
  when: string;
  /** Details taken from the row, as SQL expressions over "r" (added to the entry's). */
  details: Record<string, string>;
  /** Event fields the row decides (SQL expressions over "r"), instead of the entry. */
  fromRow?: { orgId: string; orgColumn: string; actorId: string; resourceId: string };
}

/**
 * Builds a statement that runs `select` and, in the same statement, appends an event for its row
 * when `when` holds. The row comes back with "audited" telling whether its event was appended: a
 * hot read then costs one round trip, and what it reads still leaves only once its event is
 * durable. The owning module writes the SELECT; this store writes the append.
 */
export function auditedRead(name: string, spec: AuditedReadSpec): AuditedRead {
  const eventParams: number[] = [];
  const values = appendedValues(spec, (column) => {
    eventParams.push(column);
    return `$${spec.readParams + eventParams.length}`;
  });
  const text = `WITH ${spec.with ? `${spec.with},
    ` : ""}"r" AS (${spec.select}),
    "e" AS (
      INSERT INTO "clawkeep_audit_events" (${APPEND_COLUMNS})
      SELECT ${values} FROM "r" WHERE ${spec.when}
      RETURNING 1
    )
    SELECT "r".*, EXISTS (SELECT 1 FROM "e") AS "audited" FROM "r"`;
  return { ...hotStatement(name, text), readParams: spec.readParams, orgColumn: spec.fromRow?.orgColumn, eventParams };
}

/** Runs an auditedRead statement: its row with "audited", or undefined when it read none. */
export async function runAuditedRead<T>(q: Queryable, statement: AuditedRead, readValues: unknown[], event: AppendValues): Promise<(T & { audited: boolean }) | undefined> {
  const [found] = await runHot<T & { audited: boolean }>(q, statement, [...readValues, ...statement.eventParams.map((column) => event[column])]);
  return found;
}

/** Many reads of one kind in one statement, each audited as by an auditedRead. */
export interface AuditedReads extends HotStatement {
  /** How many inputs each read takes. */
  inputCount: number;
  orgColumn?: string;
  eventParams: number[];
}

export interface AuditedReadsSpec extends Omit<AuditedReadSpec, "select" | "with" | "readParams"> {
  /** One read's inputs, in order, by name with their SQL type: "q"."<name>" in the SQL below. */
  inputs: [name: string, type: string][];
  /** A SELECT of at most one row for the read "q". `when` and `details` see "q" too. */
  select: string;
}

/** The SQL type each of the event's values (AppendValues) is sent as, in a batch's arrays. */
const APPEND_TYPES = ["uuid", "uuid", "text", "text", "text", "text", "text", "jsonb", "text", "timestamptz"];

/**
 * Builds the batched form of an auditedRead: every read's inputs and event values go as arrays
 * (one element per read), "q" is one read, and the rows come back with "batch_n", the read's
 * position from 1. One round trip and one commit serve all the reads of a batch.
 */
export function auditedReads(name: string, spec: AuditedReadsSpec): AuditedReads {
  const eventParams: number[] = [];
  const values = appendedValues(spec, (column) => {
    eventParams.push(column);
    return `"q"."event_${column}"`;
  });
  const arrays = [...spec.inputs.map(([, type]) => type), ...eventParams.map((column) => APPEND_TYPES[column])].map((type, i) => `$${i + 1}::${type}[]`);
  const names = [...spec.inputs.map(([input]) => `"${input}"`), ...eventParams.map((column) => `"event_${column}"`)];
  const text = `WITH "q" AS (
      SELECT * FROM unnest(${arrays.join(", ")}) WITH ORDINALITY AS "q"(${names.join(", ")}, "n")
    ),
    "r" AS (SELECT "q"."n" AS "batch_n", "x".* FROM "q" CROSS JOIN LATERAL (${spec.select}) AS "x"),
    "e" AS (
      INSERT INTO "clawkeep_audit_events" (${APPEND_COLUMNS})
      SELECT ${values} FROM "r" JOIN "q" ON "q"."n" = "r"."batch_n" WHERE ${spec.when}
      RETURNING "id"
    )
    SELECT "r".*, "q"."event_0" IN (SELECT "id" FROM "e") AS "audited" FROM "r" JOIN "q" ON "q"."n" = "r"."batch_n"`;
  return { ...hotStatement(name, text), inputCount: spec.inputs.length, orgColumn: spec.fromRow?.orgColumn, eventParams };
}

/** Runs an auditedReads statement: for each read, in order, its row with "audited", or undefined. */
export async function runAuditedReads<T>(q: Queryable, statement: AuditedReads, reads: { inputs: unknown[]; event: AppendValues }[]): Promise<((T & { audited: boolean }) | undefined)[]> {
  const arrays = [
    ...Array.from({ length: statement.inputCount }, (_, i) => reads.map((read) => read.inputs[i])),
    ...statement.eventParams.map((column) => reads.map((read) => read.event[column])),
  ];
  const found: ((T & { audited: boolean }) | undefined)[] = reads.map(() => undefined);
  for (const { batch_n, ...row } of await runHot<T & { audited: boolean; batch_n: string }>(q, statement, arrays)) found[Number(batch_n) - 1] = row as unknown as T & { audited: boolean };
  return found;
}

/**
 * The appended event's values as SQL: the row's where `fromRow` decides (org, actor, resource),
 * `param(column)` for the others (by position in AppendValues); the details gain the row's.
 */
function appendedValues(spec: Pick<AuditedReadSpec, "details" | "fromRow">, param: (column: number) => string): string {
  const fromRow = new Map<number, string>(spec.fromRow ? [[1, spec.fromRow.orgId], [3, spec.fromRow.actorId], [6, spec.fromRow.resourceId]] : []);
  return Array.from({ length: APPEND_TYPES.length }, (_, column) => {
    const sql = fromRow.get(column) ?? param(column);
    if (column !== 7) return sql;
    return `${sql}::jsonb || jsonb_build_object(${Object.entries(spec.details)
      .map(([key, expression]) => `'${key}', ${expression}`)
      .join(", ")})`;
  }).join(", ");
}

// ---- The chain (the sequencer)

/**
 * Takes the chain of each organisation for the transaction: "try" skips those another sequencer
 * holds, "wait" queues behind it. Returns which it holds.
 */
export async function lockChains(manager: EntityManager, orgIds: string[], mode: "try" | "wait"): Promise<{ held: string[]; busy: string[] }> {
  const lock =
    mode === "try"
      ? `SELECT "org"::text AS "org", pg_try_advisory_xact_lock(hashtextextended('clawkeep-audit-chain:' || "org", 0)) AS "locked" FROM unnest($1::uuid[]) AS "org"`
      : `SELECT "org"::text AS "org", true AS "locked" FROM unnest($1::uuid[]) AS "org", LATERAL (SELECT pg_advisory_xact_lock(hashtextextended('clawkeep-audit-chain:' || "org", 0))) AS "waited"`;
  const rows: { org: string; locked: boolean }[] = await manager.query(lock, [orgIds]);
  return { held: rows.filter((r) => r.locked).map((r) => r.org), busy: rows.filter((r) => !r.locked).map((r) => r.org) };
}

/**
 * Up to `perOrg` pending events of each organisation, by organisation and then insertion order,
 * and the heads of the chains they extend: one statement. Run it after `lockChains`, so that its
 * snapshot sees the last batch the previous holder committed.
 */
export async function pendingBatch(manager: EntityManager, orgIds: string[], perOrg: number): Promise<{ pending: AuditEventRow[]; heads: AuditHeadRow[] }> {
  const rows: (AuditEventRow & { head_seq: string | null; head_last_event_id: string | null; head_last_hash: string | null })[] = await manager.query(
    `SELECT ${columnList(AUDIT_EVENTS, "p")}, h."seq"::text AS "head_seq", h."last_event_id" AS "head_last_event_id", h."last_hash" AS "head_last_hash"
     FROM (
       SELECT ${EVENT_COLUMNS}, row_number() OVER (PARTITION BY "org_id" ORDER BY "pos") AS "n"
       FROM "clawkeep_audit_events" WHERE "org_id" = ANY($1::uuid[]) AND "seq" IS NULL
     ) AS "p" LEFT JOIN "clawkeep_audit_heads" AS h ON h."org_id" = p."org_id"
     WHERE p."n" <= $2 ORDER BY p."org_id", p."pos"`,
    [orgIds, perOrg],
  );
  const heads = new Map<string, AuditHeadRow>();
  const pending = rows.map(({ head_seq, head_last_event_id, head_last_hash, ...event }) => {
    if (head_seq !== null && head_last_hash !== null) heads.set(event.org_id, { org_id: event.org_id, seq: head_seq, last_event_id: head_last_event_id, last_hash: head_last_hash });
    return event;
  });
  return { pending, heads: [...heads.values()] };
}

export function headsOf(q: Queryable, orgIds: string[]): Promise<AuditHeadRow[]> {
  return q.query(`SELECT "org_id", "seq"::text AS "seq", "last_event_id", "last_hash" FROM "clawkeep_audit_heads" WHERE "org_id" = ANY($1::uuid[])`, [orgIds]);
}

/**
 * Writes the chain fields of events (parallel arrays) and each chain's new head: one statement
 * (a data-modifying WITH runs to completion whether or not its rows are read).
 */
export async function extendChains(
  manager: EntityManager,
  links: { ids: string[]; seqs: number[]; prevIds: (string | null)[]; hashes: string[] },
  heads: { orgId: string; seq: number; lastEventId: string | null; lastHash: string }[],
): Promise<void> {
  await manager.query(
    `WITH "linked" AS (
       UPDATE "clawkeep_audit_events" AS e SET "seq" = u."seq", "prev_event_id" = u."prev", "integrity_hash" = u."hash"
       FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[]) AS u("id", "seq", "prev", "hash") WHERE e."id" = u."id"
     )
     INSERT INTO "clawkeep_audit_heads" ("org_id", "seq", "last_event_id", "last_hash")
     SELECT * FROM unnest($5::uuid[], $6::bigint[], $7::uuid[], $8::text[])
     ON CONFLICT ("org_id") DO UPDATE SET "seq" = EXCLUDED."seq", "last_event_id" = EXCLUDED."last_event_id", "last_hash" = EXCLUDED."last_hash"`,
    [links.ids, links.seqs, links.prevIds, links.hashes, heads.map((h) => h.orgId), heads.map((h) => h.seq), heads.map((h) => h.lastEventId), heads.map((h) => h.lastHash)],
  );
}

export async function hasPendingEvents(q: Queryable, orgId: string): Promise<boolean> {
  const [row]: { any: boolean }[] = await q.query(`SELECT EXISTS (SELECT 1 FROM "clawkeep_audit_events" WHERE "org_id" = $1 AND "seq" IS NULL) AS "any"`, [orgId]);
  return row.any;
}

/** Organisations with events pending for longer than `seconds`. */
export async function orgsWithStalePendingEvents(q: Queryable, seconds: number): Promise<string[]> {
  const rows: { org_id: string }[] = await q.query(
    `SELECT DISTINCT "org_id" FROM "clawkeep_audit_events" WHERE "seq" IS NULL AND "created_at" < now() - make_interval(secs => $1)`,
    [seconds],
  );
  return rows.map((row) => row.org_id);
}

// ---- Reading the chain

export interface EventFilters {
  orgId: string;
  /** Only events this agent is the actor of. */
  agentActor?: string;
  resourceId?: string;
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

/** Chained events matching the filters, newest first (by seq: clocks of instances may disagree). */
export function queryEvents(q: Queryable, filters: EventFilters, page: { limit: number; offset: number }): Promise<ChainedEventRow[]> {
  const where = [`"org_id" = $1`, `"seq" IS NOT NULL`];
  const params: unknown[] = [filters.orgId];
  const add = (sql: string, value: unknown) => where.push(sql.replace("?", `$${params.push(value)}`));
  if (filters.agentActor) add(`"actor_type" = 'agent' AND "actor_id" = ?`, filters.agentActor);
  if (filters.resourceId) add(`"resource_id" = ?`, filters.resourceId);
  if (filters.actorId) add(`"actor_id" = ?`, filters.actorId);
  if (filters.action) add(`"action" = ?`, filters.action);
  if (filters.from) add(`"created_at" >= ?`, filters.from.toISOString());
  if (filters.to) add(`"created_at" < ?`, filters.to.toISOString());
  return q.query(`${SELECT_EVENTS} WHERE ${where.join(" AND ")} ORDER BY "seq" DESC LIMIT $${params.push(page.limit)} OFFSET $${params.push(page.offset)}`, params);
}

/**
 * The newest event time of each of these agents as an actor in the organisation, pending events
 * included (they are durable); agents that never acted are absent. One backward probe of
 * IDX_clawkeep_audit_events_agent_actor per agent.
 */
export async function lastAgentActivity(q: Queryable, orgId: string, agentIds: string[]): Promise<Map<string, Date>> {
  if (agentIds.length === 0) return new Map();
  const rows: { actor_id: string; at: Date | null }[] = await q.query(
    `SELECT a."id" AS "actor_id",
       (SELECT max(e."created_at") FROM "clawkeep_audit_events" e WHERE e."org_id" = $1 AND e."actor_type" = 'agent' AND e."actor_id" = a."id") AS "at"
     FROM unnest($2::text[]) AS a("id")`,
    [orgId, agentIds],
  );
  return new Map(rows.filter((row) => row.at !== null).map((row) => [row.actor_id, new Date(row.at!)]));
}

/** One event by id, as stored (chained or not). */
export async function eventById(q: Queryable, id: string): Promise<AuditEventRow | undefined> {
  const [row]: AuditEventRow[] = await q.query(`${SELECT_EVENTS} WHERE "id" = $1`, [id]);
  return row;
}

/** Chained events with seq above `afterSeq`, oldest first. */
export function chainedAfter(q: Queryable, orgId: string, afterSeq: number, limit: number): Promise<ChainedEventRow[]> {
  return q.query(`${SELECT_EVENTS} WHERE "org_id" = $1 AND "seq" > $2 ORDER BY "seq" LIMIT $3`, [orgId, afterSeq, limit]);
}

/**
 * A stretch of the chain, oldest first: from the first event created at or after `from` to the
 * last one created before `to` (events are chained in commit order, so creation times may
 * interleave by a few milliseconds at its edges; a stretch never has holes).
 */
export function chainStretch(q: Queryable, orgId: string, window: { from?: Date; to?: Date }, limit: number): Promise<ChainedEventRow[]> {
  const where = [`"org_id" = $1`, `"seq" IS NOT NULL`];
  const params: unknown[] = [orgId];
  if (window.from) where.push(`"seq" >= (SELECT min("seq") FROM "clawkeep_audit_events" WHERE "org_id" = $1 AND "created_at" >= $${params.push(window.from.toISOString())})`);
  if (window.to) where.push(`"seq" <= (SELECT max("seq") FROM "clawkeep_audit_events" WHERE "org_id" = $1 AND "created_at" < $${params.push(window.to.toISOString())})`);
  return q.query(`${SELECT_EVENTS} WHERE ${where.join(" AND ")} ORDER BY "seq" LIMIT $${params.push(limit)}`, params);
}

/** How many events created in the window are not chained yet. */
export async function pendingCount(q: Queryable, orgId: string, window: { from?: Date; to?: Date }): Promise<number> {
  const where = [`"org_id" = $1`, `"seq" IS NULL`];
  const params: unknown[] = [orgId];
  if (window.from) where.push(`"created_at" >= $${params.push(window.from.toISOString())}`);
  if (window.to) where.push(`"created_at" < $${params.push(window.to.toISOString())}`);
  const [row]: { pending: number }[] = await q.query(`SELECT count(*)::int AS "pending" FROM "clawkeep_audit_events" WHERE ${where.join(" AND ")}`, params);
  return row.pending;
}

/** The chained event just before `seq`. */
export async function chainedBefore(q: Queryable, orgId: string, seq: number): Promise<ChainedEventRow | undefined> {
  const [row]: ChainedEventRow[] = await q.query(`${SELECT_EVENTS} WHERE "org_id" = $1 AND "seq" < $2 ORDER BY "seq" DESC LIMIT 1`, [orgId, seq]);
  return row;
}

/** The newest chained event of the organisation. */
export async function newestChained(q: Queryable, orgId: string): Promise<ChainedEventRow | undefined> {
  const [row]: ChainedEventRow[] = await q.query(`${SELECT_EVENTS} WHERE "org_id" = $1 AND "seq" IS NOT NULL ORDER BY "seq" DESC LIMIT 1`, [orgId]);
  return row;
}

// ---- Mappers

/** The fields of a stored event that its integrity hash covers. */
export function chainedFieldsOf(row: Pick<AuditEventRow, "org_id" | "actor_type" | "actor_id" | "action" | "resource_type" | "resource_id" | "details" | "created_at">): ChainedFields {
  return {
    orgId: row.org_id,
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    details: row.details,
    // The append stored `new Date().toISOString()`; timestamptz keeps microseconds, so the
    // millisecond instant comes back exactly and toISOString reproduces the hashed string.
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export function toAuditEvent(row: ChainedEventRow): AuditEvent {
  return {
    ...chainedFieldsOf(row),
    id: row.id,
    seq: Number(row.seq),
    ipAddress: row.ip_address,
    prevEventId: row.prev_event_id,
    integrityHash: row.integrity_hash,
  };
}
