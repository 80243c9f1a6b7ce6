// What an enrollment looks like to the rest of the code, and the bus event that announces each
// step of its life. Rows carry token hashes and the sealed key; records and events never do.
import type { EntityManager } from "typeorm";
import type { EventBus } from "../../events/bus.js";
import type { EnrollmentRecordRow } from "./enrollment-store.js";

export type EnrollmentStatus = "pending" | "approved" | "denied" | "expired" | "claimed";
export const ENROLLMENT_STATUSES: readonly EnrollmentStatus[] = ["pending", "approved", "denied", "expired", "claimed"];

export type EnrollmentEvent = "requested" | "approved" | "denied" | "expired" | "claimed";

/** Bus topic of enrollment events; each carries the organisation it belongs to. */
export const ENROLLMENT_TOPIC = "agent.enrollment";

/** The store's; master-key rotation still imports it from here. */

export const NIL_UUID = "00000000-0000-0000-0000-000000000000";

export interface EnrollmentRecord {
  id: string;
  name: string;
  description: string;
  /** The email the agent named; null for a link-only enrollment. */
  humanEmail: string | null;
  /** The organisation it belongs to: the named user's, or the decider's once decided. */
  orgId: string | null;
  /** The user the email named, who may decide it besides the organisation's owners and admins. */
  boundUserId: string | null;
  status: EnrollmentStatus;
  sourceIp: string;
  createdAt: Date;
  expiresAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  agentId: string | null;
}

/** A pending enrollment whose time ran out is expired, whether or not the sweeper got to it yet. */
export function toEnrollment(row: EnrollmentRecordRow, now = Date.now()): EnrollmentRecord {
  const expiresAt = new Date(row.expires_at);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    humanEmail: row.human_email,
    orgId: row.org_id,
    boundUserId: row.bound_user_id,
    status: row.status === "pending" && expiresAt.getTime() <= now ? "expired" : row.status,
    sourceIp: row.source_ip,
    createdAt: new Date(row.created_at),
    expiresAt,
    decidedAt: row.decided_at ? new Date(row.decided_at) : null,
    decidedBy: row.decided_by,
    agentId: row.agent_id,
  };
}

/** Publishes an enrollment event inside the transaction that made the change. */
export function announceEnrollment(bus: EventBus, manager: EntityManager, event: EnrollmentEvent, enrollment: EnrollmentRecord): Promise<string> {
  return bus.publish(manager, ENROLLMENT_TOPIC, { event, enrollment: enrollmentToJson(enrollment) }, enrollment.orgId);
}

export function enrollmentToJson(e: EnrollmentRecord): Record<string, unknown> {
  return {
    ...e,
    createdAt: e.createdAt.toISOString(),
    expiresAt: e.expiresAt.toISOString(),
    decidedAt: e.decidedAt?.toISOString() ?? null,
  };
}

export function enrollmentFromJson(json: Record<string, unknown>): EnrollmentRecord {
  const e = json as unknown as EnrollmentRecord & { createdAt: string; expiresAt: string; decidedAt: string | null };
  return { ...e, createdAt: new Date(e.createdAt), expiresAt: new Date(e.expiresAt), decidedAt: e.decidedAt ? new Date(e.decidedAt) : null };
}
