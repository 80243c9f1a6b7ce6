// Reading the audit log: an organisation's events, newest first, filtered and paged by offset.
// Humans see every event of their organisation; an agent sees only the events it is the actor of,
// so one agent cannot learn what its fleet-mates read.
import type { DataSource } from "typeorm";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { AUDIT_ACTIONS, isAuditAction } from "./actions.js";
import type { AuditEvent } from "./audit-log.js";
import type { AuditSequencer } from "./audit-sequencer.js";
import { lastAgentActivity, queryEvents, toAuditEvent } from "./audit-store.js";

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

  /**
   * When each of these agents of the organisation last acted: its newest audit event as actor
   * (chained or still pending). Agents that never acted are absent. For other modules (the agents'
   * last_active_at); the caller has decided who may know.
   */
  lastAgentActivity(orgId: string, agentIds: string[]): Promise<Map<string, Date>> {
    return lastAgentActivity(this.dataSource, orgId, agentIds);
  }

  /** The organisation's chained events; every event committed before the call is chained first. */
  async query(principal: Principal, input: AuditQueryInput): Promise<AuditEvent[]> {
    const limit = boundedInteger("limit", input.limit, DEFAULT_QUERY_LIMIT, 1, MAX_QUERY_LIMIT);
    const offset = boundedInteger("offset", input.offset, 0, 0, Number.MAX_SAFE_INTEGER);
    validateActionFilter(input.action);
    await this.sequencer.flush(principal.orgId);
    const rows = await queryEvents(
      this.dataSource,
      {
        orgId: principal.orgId,
        agentActor: principal.type === "agent" ? principal.id : undefined,
        resourceId: input.resourceId,
        actorId: input.actorId,
        action: input.action,
        from: input.from,
        to: input.to,
      },
      { limit, offset },
    );
    return rows.map(toAuditEvent);
  }
}

/** An action filter names one of the declared actions: anything else could only ever match nothing. */
export function validateActionFilter(action: string | undefined): void {
  if (!action || isAuditAction(action)) return;
  throw new DomainError("invalid_argument", `action "${action.slice(0, 60)}" is not an audit action; use one of ${AUDIT_ACTIONS.join(", ")}`);
}

export function boundedInteger(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `between ${min} and ${max}`;
    throw new DomainError("invalid_argument", `${name} must be a whole number ${range}, got ${value}`);
  }
  return value;
}
