// Reading the audit log: an organisation's events, newest first, filtered and paged by offset.
// Humans see every event of their organisation; an agent sees only the events it is the actor of,
// so one agent cannot learn what its fleet-mates read.
import type { DataSource } from "typeorm";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { AuditEvent } from "./audit-log.js";
import type { AuditSequencer } from "./audit-sequencer.js";
import type { ChainedFields } from "./chain.js";

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 1000;

export interface AuditFilters {
  /** Each filter is optional; empty strings mean "no filter". */
  resourceId?: string;
  actorId?: string;
  action?: string;
}

export interface AuditQueryInput extends AuditFilters {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  limit?: number;
  offset?: number;
}

export class AuditQuery {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sequencer: Pick<AuditSequencer, "flush">,
  ) {}

  /** The organisation's chained events; every event committed before the call is chained first. */
  async query(principal: Principal, input: AuditQueryInput): Promise<AuditEvent[]> {
    const limit = boundedInteger("limit", input.limit, DEFAULT_QUERY_LIMIT, 1, MAX_QUERY_LIMIT);
    const offset = boundedInteger("offset", input.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    await this.sequencer.flush(principal.orgId);
    const where = [`"org_id" = $1`, `"seq" IS NOT NULL`];
    const params: unknown[] = [principal.orgId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace("?", `$${params.length}`));
    };
    if (principal.type === "agent") {
      add(`"actor_type" = 'agent' AND "actor_id" = ?`, principal.id);
    }
    if (input.resourceId) add(`"resource_id" = ?`, input.resourceId);
    if (input.actorId) add(`"actor_id" = ?`, input.actorId);
    if (input.action) add(`"action" = ?`, input.action);
    if (input.from) add(`"created_at" >= ?`, input.from.toISOString());
    if (input.to) add(`"created_at" < ?`, input.to.toISOString());
    // seq, not created_at: it is the chain's own order and never ties; clocks of several
    // instances may disagree by a few milliseconds.
    const rows: AuditEventRow[] = await this.dataSource.query(
      `${AUDIT_EVENT_SELECT} WHERE ${where.join(" AND ")} ORDER BY "seq" DESC LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    return rows.map(toAuditEvent);
  }
}

export function boundedInteger(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `between ${min} and ${max}`;
    throw new DomainError("invalid_argument", `${name} must be a whole number ${range}, got ${value}`);
  }
  return value;
}

/** A chained row of clawkeep_audit_events as the pg driver returns it. */
export interface AuditEventRow {
  id: string;
  org_id: string;
  /** bigint: the pg driver returns it as a string. */
  seq: string;
  actor_type: string;
  actor_id: string;
  action: string;
  resource_type: string;
  resource_id: string;
  details: Record<string, unknown>;
  ip_address: string | null;
  created_at: Date;
  prev_event_id: string | null;
  integrity_hash: string;
}

export const AUDIT_EVENT_SELECT = `SELECT "id", "org_id", "seq", "actor_type", "actor_id", "action", "resource_type",
  "resource_id", "details", "ip_address", "created_at", "prev_event_id", "integrity_hash" FROM "clawkeep_audit_events"`;

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
    // The append hashed `new Date().toISOString()`; timestamptz keeps microseconds, so the
    // millisecond instant comes back exactly and toISOString reproduces the hashed string.
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    ...chainedFieldsOf(row),
    id: row.id,
    seq: Number(row.seq),
    ipAddress: row.ip_address,
    prevEventId: row.prev_event_id,
    integrityHash: row.integrity_hash,
  };
}
