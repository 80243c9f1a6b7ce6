// Appends audit events inside the caller's transaction, so a change and its audit record commit
// together or not at all (and a read whose audit write fails is refused by its caller's error).
//
// Durable first, chained right after: the append is one INSERT that takes no lock, so appends of
// one organisation never queue behind each other. The event is pending (no seq, no hash) until the
// organisation's sequencer links it into the chain, which it is asked to do as soon as the
// transaction commits (see audit-sequencer.ts).
import type { DataSource, EntityManager } from "typeorm";
import { afterCommit } from "../../db/after-commit.js";
import { hotStatement, runHot, type HotStatement } from "../../db/hot-query.js";
import { uuidv7 } from "../ids.js";
import type { ChainedFields } from "./chain.js";

export type ActorType = "user" | "agent" | "anonymous" | "system";

export interface AuditEntry {
  orgId: string;
  actor: { type: ActorType; id: string };
  action: string;
  resource: { type: string; id: string };
  /** Context for humans reading the log. Never secret values, keys, tokens or passwords. */
  details?: Record<string, unknown>;
  ip?: string;
}

/** An event as appended: durable, not yet linked into its organisation's chain. */
export interface AppendedAuditEvent extends ChainedFields {
  id: string;
  ipAddress: string | null;
}

/** An event of the chain. */
export interface AuditEvent extends AppendedAuditEvent {
  seq: number;
  prevEventId: string | null;
  integrityHash: string;
}

/** What the log asks of the sequencer: link an organisation's pending events soon. */
export interface ChainKicker {
  kick(orgId: string): void;
}

/** Detail keys that would mean secret material is about to enter the log: a programming error. */
const FORBIDDEN_DETAIL_KEYS = /^(value|password|new_password|current_password|api_key|access_token|refresh_token|token|private_key|passphrase|claim_token|secret)$/i;

const COLUMNS = `"id", "org_id", "actor_type", "actor_id", "action", "resource_type", "resource_id", "details", "ip_address", "created_at"`;
const INSERT_EVENT = hotStatement("audit_append", `INSERT INTO "clawkeep_audit_events" (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`);

/** A statement that reads one row and appends its audit event in the same round trip. */
export interface AuditedRead extends HotStatement {
  /** How many parameters the read itself takes ($1..$n); the event's follow. */
  readParams: number;
  /** The row's column that names the event's organisation, when the row decides it. */
  orgColumn?: string;
  /** Which of the event's values (by position in COLUMNS) are parameters; the row gives the others. */
  eventParams: number[];
}

export interface AuditedReadSpec {
  /** A SELECT of at most one row, with parameters $1..$readParams. */
  select: string;
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
 * durable.
 */
export function auditedRead(name: string, spec: AuditedReadSpec): AuditedRead {
  // Positions in COLUMNS of org_id, actor_id, resource_id and details.
  const fromRow = new Map<number, string>(spec.fromRow ? [[1, spec.fromRow.orgId], [3, spec.fromRow.actorId], [6, spec.fromRow.resourceId]] : []);
  const eventParams: number[] = [];
  const values = Array.from({ length: 10 }, (_, column) => {
    const sql = fromRow.get(column);
    if (sql !== undefined) return sql;
    eventParams.push(column);
    const param = `$${spec.readParams + eventParams.length}`;
    if (column !== 7) return param;
    return `${param}::jsonb || jsonb_build_object(${Object.entries(spec.details)
      .map(([key, expression]) => `'${key}', ${expression}`)
      .join(", ")})`;
  });
  const text = `WITH "r" AS (${spec.select}),
    "e" AS (
      INSERT INTO "clawkeep_audit_events" (${COLUMNS})
      SELECT ${values.join(", ")} FROM "r" WHERE ${spec.when}
      RETURNING 1
    )
    SELECT "r".*, EXISTS (SELECT 1 FROM "e") AS "audited" FROM "r"`;
  return { ...hotStatement(name, text), readParams: spec.readParams, orgColumn: spec.fromRow?.orgColumn, eventParams };
}

export class AuditLog {
  constructor(private readonly sequencer: ChainKicker) {}

  /**
   * Inserts the event. Inside a transaction it becomes durable with it; outside one (a read that
   * changes nothing else) the statement commits by itself before this returns.
   */
  async append(manager: EntityManager, entry: AuditEntry): Promise<AppendedAuditEvent> {
    const event = eventOf(entry);
    await runHot(manager, INSERT_EVENT, valuesOf(event));
    afterCommit(manager, `audit.chain:${entry.orgId}`, () => this.sequencer.kick(entry.orgId));
    return event;
  }

  /**
   * Runs an `auditedRead` statement (committing by itself): the row, and whether `entry` was
   * appended for it (with the row's fields and details), or undefined when the read found no row.
   * Fields the row decides may be left empty in `entry`.
   */
  async read<T>(dataSource: DataSource, statement: AuditedRead, readValues: unknown[], entry: AuditEntry): Promise<{ row: T; audited: boolean } | undefined> {
    if (readValues.length !== statement.readParams) throw new Error(`${statement.name} takes ${statement.readParams} read parameters, got ${readValues.length}`);
    const event = valuesOf(eventOf(entry));
    const [found] = await runHot<T & { audited: boolean }>(dataSource, statement, [...readValues, ...statement.eventParams.map((column) => event[column])]);
    if (!found) return undefined;
    const { audited, ...row } = found;
    if (audited) this.sequencer.kick(statement.orgColumn ? String((row as Record<string, unknown>)[statement.orgColumn]) : entry.orgId);
    return { row: row as T, audited };
  }
}

function eventOf(entry: AuditEntry): AppendedAuditEvent {
  const details = entry.details ?? {};
  assertNoSecretKeys(details);
  const now = new Date();
  return {
    id: uuidv7(now.getTime()),
    orgId: entry.orgId,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    action: entry.action,
    resourceType: entry.resource.type,
    resourceId: entry.resource.id,
    details,
    // Hashed later as stored: timestamptz keeps the millisecond instant exactly.
    createdAt: now.toISOString(),
    ipAddress: entry.ip || null,
  };
}

function valuesOf(event: AppendedAuditEvent): unknown[] {
  return [
    event.id,
    event.orgId,
    event.actorType,
    event.actorId,
    event.action,
    event.resourceType,
    event.resourceId,
    JSON.stringify(event.details),
    event.ipAddress,
    event.createdAt,
  ];
}

function assertNoSecretKeys(details: Record<string, unknown>, path = ""): void {
  for (const [key, value] of Object.entries(details)) {
    if (FORBIDDEN_DETAIL_KEYS.test(key)) throw new Error(`audit details must not carry secret material (key "${path}${key}")`);
    if (value && typeof value === "object" && !Array.isArray(value)) assertNoSecretKeys(value as Record<string, unknown>, `${path}${key}.`);
  }
}
