// Following an organisation's audit log live: the chained log read by seq, so a watcher on any
// instance sees every instance's events in chain order, and resumes after a cursor (the seq of the
// last event it saw) without loss or repetition. The sequencer publishes a bus event whenever it
// chains a batch; that is what wakes the watchers.
import type { DataSource } from "typeorm";
import type { EventBus } from "../../events/bus.js";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import type { AuditEvent } from "./audit-log.js";
import { validateActionFilter, type AuditFilters } from "./audit-query.js";
import { chainedAfter, headsOf, toAuditEvent, type ChainedEventRow } from "./audit-store.js";
import { AUDIT_CHAINED_TOPIC } from "./audit-sequencer.js";

export interface WatchedAuditEvent {
  event: AuditEvent;
  /** Resume strictly after this event. */
  cursor: string;
}

const BATCH = 500;

export class AuditWatch {
  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: EventBus,
  ) {}

  /**
   * Streams the organisation's events after `cursor` (or from now), until `signal` aborts. A
   * cursor this server cannot have issued is refused before anything is streamed.
   */
  async *watch(principal: Principal, options: AuditFilters & { cursor?: string }, signal: AbortSignal): AsyncGenerator<WatchedAuditEvent> {
    if (principal.type !== "user") throw new DomainError("permission_denied", "only people can watch the audit log");
    validateActionFilter(options.action);
    const orgId = principal.orgId;
    // Subscribed before the first read, so a batch chained in between still wakes us.
    const ticks = this.bus.subscribe({ topics: [AUDIT_CHAINED_TOPIC], orgId, after: await this.bus.latestCursor(), signal });
    const head = await this.headSeq(orgId);
    let after = options.cursor === undefined ? head : parseCursor(options.cursor, head);
    for (;;) {
      let rows: ChainedEventRow[];
      do {
        rows = await chainedAfter(this.dataSource, orgId, after, BATCH);
        for (const row of rows) {
          if (signal.aborted) return;
          const event = toAuditEvent(row);
          after = event.seq;
          if (options.resourceId && event.resourceId !== options.resourceId) continue;
          if (options.actorId && event.actorId !== options.actorId) continue;
          if (options.action && event.action !== options.action) continue;
          yield { event, cursor: String(event.seq) };
        }
      } while (rows.length === BATCH);
      if ((await ticks.next()).done) return;
    }
  }

  private async headSeq(orgId: string): Promise<number> {
    const [head] = await headsOf(this.dataSource, [orgId]);
    return Number(head?.seq ?? 0);
  }
}

/** A cursor is the seq of an event of the chain: a whole number no greater than its newest. */
function parseCursor(cursor: string, head: number): number {
  if (!/^\d{1,15}$/.test(cursor) || Number(cursor) > head) {
    throw new DomainError("invalid_argument", `cursor "${cursor.slice(0, 40)}" is not a cursor this server issued`);
  }
  return Number(cursor);
}
