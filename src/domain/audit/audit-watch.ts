// Following an organisation's audit log live. Events arrive through the bus (published in the
// same transaction as the event itself), so a watcher on any instance sees every instance's
// events in chain order, and resumes after a cursor without loss or repetition.
import type { EventBus } from "../../events/bus.js";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { AUDIT_TOPIC, type AuditEvent } from "./audit-log.js";
import type { AuditFilters } from "./audit-query.js";

export interface WatchedAuditEvent {
  event: AuditEvent;
  /** Resume strictly after this event. */
  cursor: string;
}

export class AuditWatch {
  constructor(private readonly bus: EventBus) {}

  /**
   * Streams the organisation's events after `cursor` (or from now), until `signal` aborts.
   * A cursor this server cannot have issued, or one whose successors were pruned, is refused
   * before anything is streamed.
   */
  async *watch(principal: Principal, options: AuditFilters & { cursor?: string }, signal: AbortSignal): AsyncGenerator<WatchedAuditEvent> {
    if (principal.type !== "user") throw new DomainError("permission_denied", "only people can watch the audit log");
    const after = await this.bus.startingCursor(options.cursor);
    for await (const published of this.bus.subscribe({ topics: [AUDIT_TOPIC], orgId: principal.orgId, after, signal })) {
      const event = published.payload as unknown as AuditEvent;
      if (options.resourceId && event.resourceId !== options.resourceId) continue;
      if (options.actorId && event.actorId !== options.actorId) continue;
      if (options.action && event.action !== options.action) continue;
      yield { event, cursor: published.cursor };
    }
  }
}
