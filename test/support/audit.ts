// Appending audit events the way the server does, then waiting for them to be chained, for tests
// that look at chain fields (seq, prev_event_id, integrity_hash) of what they appended.
import type { DataSource } from "typeorm";
import type { AuditEntry, AuditEvent } from "../../src/domain/audit/audit-log.js";
import type { AppServices } from "../../src/app.js";
import { eventById, headsOf, toAuditEvent, type ChainedEventRow } from "../../src/domain/audit/audit-store.js";

/** Appends in a transaction of its own, has the sequencer chain it, and returns it as chained. */
export async function appendChained(app: Pick<AppServices, "audit" | "auditSequencer">, dataSource: DataSource, entry: AuditEntry): Promise<AuditEvent> {
  const appended = await dataSource.transaction((manager) => app.audit.append(manager, entry));
  await app.auditSequencer.flush(entry.orgId);
  return toAuditEvent((await eventById(dataSource, appended.id)) as ChainedEventRow);
}

/** The seq of the organisation's newest chained event (0 before the first): a WatchAuditEvents cursor. */
export async function chainHead(dataSource: DataSource, orgId: string): Promise<string> {
  const [head] = await headsOf(dataSource, [orgId]);
  return head?.seq ?? "0";
}
