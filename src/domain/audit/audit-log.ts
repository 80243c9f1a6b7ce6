// Appends audit events inside the caller's transaction, so a change and its audit record commit
// together or not at all (and a read whose audit write fails is refused by its caller's error).
// Each organisation's chain head is locked for the append, so the chain never forks.
import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { EventBus } from "../../events/bus.js";
import { GENESIS_HASH, integrityHash, type ChainedFields } from "./chain.js";

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

export interface AuditEvent extends ChainedFields {
  id: string;
  seq: number;
  ipAddress: string | null;
  prevEventId: string | null;
  integrityHash: string;
}

/** Bus topic on which every appended event is published (WatchAuditEvents reads it). */
export const AUDIT_TOPIC = "audit.event";

/** Detail keys that would mean secret material is about to enter the log: a programming error. */
const FORBIDDEN_DETAIL_KEYS = /^(value|password|new_password|current_password|api_key|access_token|refresh_token|token|private_key|passphrase|claim_token|secret)$/i;

export class AuditLog {
  constructor(
    private readonly bus: EventBus,
    private readonly hmacKey: Buffer,
  ) {}

  async append(manager: EntityManager, entry: AuditEntry): Promise<AuditEvent> {
    assertNoSecretKeys(entry.details ?? {});
    await manager.query(`INSERT INTO "clawkeep_audit_heads" ("org_id", "last_hash") VALUES ($1, $2) ON CONFLICT ("org_id") DO NOTHING`, [
      entry.orgId,
      GENESIS_HASH,
    ]);
    const [head]: { seq: string; last_event_id: string | null; last_hash: string }[] = await manager.query(
      `SELECT "seq"::text AS "seq", "last_event_id", "last_hash" FROM "clawkeep_audit_heads" WHERE "org_id" = $1 FOR UPDATE`,
      [entry.orgId],
    );
    const fields: ChainedFields = {
      orgId: entry.orgId,
      actorType: entry.actor.type,
      actorId: entry.actor.id,
      action: entry.action,
      resourceType: entry.resource.type,
      resourceId: entry.resource.id,
      details: entry.details ?? {},
      createdAt: new Date().toISOString(),
    };
    const event: AuditEvent = {
      ...fields,
      id: randomUUID(),
      seq: Number(head.seq) + 1,
      ipAddress: entry.ip || null,
      prevEventId: head.last_event_id,
      integrityHash: integrityHash(this.hmacKey, head.last_hash, fields),
    };
    await manager.query(
      `INSERT INTO "clawkeep_audit_events" ("id", "org_id", "seq", "actor_type", "actor_id", "action", "resource_type", "resource_id",
         "details", "ip_address", "created_at", "prev_event_id", "integrity_hash")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        event.id,
        event.orgId,
        event.seq,
        event.actorType,
        event.actorId,
        event.action,
        event.resourceType,
        event.resourceId,
        JSON.stringify(event.details),
        event.ipAddress,
        event.createdAt,
        event.prevEventId,
        event.integrityHash,
      ],
    );
    await manager.query(`UPDATE "clawkeep_audit_heads" SET "seq" = $2, "last_event_id" = $3, "last_hash" = $4 WHERE "org_id" = $1`, [
      entry.orgId,
      event.seq,
      event.id,
      event.integrityHash,
    ]);
    await this.bus.publish(manager, AUDIT_TOPIC, { ...event }, entry.orgId);
    return event;
  }
}

function assertNoSecretKeys(details: Record<string, unknown>, path = ""): void {
  for (const [key, value] of Object.entries(details)) {
    if (FORBIDDEN_DETAIL_KEYS.test(key)) throw new Error(`audit details must not carry secret material (key "${path}${key}")`);
    if (value && typeof value === "object" && !Array.isArray(value)) assertNoSecretKeys(value as Record<string, unknown>, `${path}${key}.`);
  }
}
