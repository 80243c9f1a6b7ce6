// Verifying an organisation's audit chain over a window: every event's HMAC is recomputed and
// every link checked, so an edited row (integrity_hash_mismatch), and a deleted or inserted row
// (prev_event_id_mismatch: the link, or the seq, does not follow the preceding event) are found.
// Checking continues past the first break so that events_verified counts every sound event.
// Events not yet linked into the chain (committed a moment ago) are counted as pending, never as
// a break.
import type { DataSource, EntityManager } from "typeorm";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { boundedInteger } from "./audit-query.js";
import { chainedBefore, chainStretch, headsOf, newestChained, pendingCount, toAuditEvent } from "./audit-store.js";
import type { AuditSequencer } from "./audit-sequencer.js";
import { GENESIS_HASH, hashesEqual, integrityHash } from "./chain.js";

export const DEFAULT_VERIFY_LIMIT = 1000;
export const MAX_VERIFY_LIMIT = 10_000;

export type BrokenReason = "integrity_hash_mismatch" | "prev_event_id_mismatch";

export interface VerifyWindow {
  /** Inclusive; the organisation's first event when absent. */
  from?: Date;
  /** Exclusive; the end of the chain when absent. */
  to?: Date;
  limit?: number;
}

export interface ChainVerification {
  chainValid: boolean;
  eventsVerified: number;
  eventsChecked: number;
  /** Events of the window durable but not yet linked into the chain. */
  eventsPending: number;
  brokenAtEventId?: string;
  brokenReason?: BrokenReason;
}

/** The event a window's first event must follow; absent for an organisation's first event. */
interface Predecessor {
  id: string;
  seq: number;
  integrityHash: string;
}

export class AuditVerifier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly hmacKey: Buffer,
    private readonly sequencer: Pick<AuditSequencer, "flush">,
  ) {}

  async verify(principal: Principal, window: VerifyWindow): Promise<ChainVerification> {
    if (principal.type !== "user") throw new DomainError("permission_denied", "only people can verify the audit chain");
    const limit = boundedInteger("limit", window.limit, DEFAULT_VERIFY_LIMIT, 1, MAX_VERIFY_LIMIT);
    if (window.from && window.to && window.from >= window.to) throw new DomainError("invalid_argument", "from must be earlier than to");
    await this.sequencer.flush(principal.orgId);
    // One snapshot for every read, so appends that commit meanwhile cannot look like a break.
    return this.dataSource.transaction("REPEATABLE READ", (manager) => this.verifyIn(manager, principal.orgId, window, limit));
  }

  private async verifyIn(manager: EntityManager, orgId: string, window: VerifyWindow, limit: number): Promise<ChainVerification> {
    const events = (await chainStretch(manager, orgId, window, limit)).map(toAuditEvent);
    const pending = await pendingCount(manager, orgId, window);

    const result: ChainVerification = { chainValid: true, eventsVerified: 0, eventsChecked: events.length, eventsPending: pending };
    const breakAt = (eventId: string, reason: BrokenReason) => {
      if (!result.chainValid) return;
      Object.assign(result, { chainValid: false, brokenAtEventId: eventId, brokenReason: reason });
    };

    let previous = events.length > 0 ? await this.predecessorOf(manager, orgId, events[0].seq) : undefined;
    for (const event of events) {
      const linked = event.prevEventId === (previous?.id ?? null) && event.seq === (previous?.seq ?? 0) + 1;
      const expectedHash = integrityHash(this.hmacKey, previous?.integrityHash ?? GENESIS_HASH, event);
      if (!linked) breakAt(event.id, "prev_event_id_mismatch");
      else if (!hashesEqual(expectedHash, event.integrityHash)) breakAt(event.id, "integrity_hash_mismatch");
      else result.eventsVerified++;
      previous = { id: event.id, seq: event.seq, integrityHash: event.integrityHash };
    }

    // Rows deleted from the end of the chain leave no later event to notice the gap; the head
    // (written with every append) still names the newest event. Only a window that reaches the
    // end of the chain can tell.
    if (!window.to && events.length < limit) {
      const missing = await this.truncatedTail(manager, orgId);
      if (missing) breakAt(missing, "prev_event_id_mismatch");
    }
    return result;
  }

  private async predecessorOf(manager: EntityManager, orgId: string, seq: number): Promise<Predecessor | undefined> {
    const row = await chainedBefore(manager, orgId, seq);
    return row && { id: row.id, seq: Number(row.seq), integrityHash: row.integrity_hash };
  }

  /** The id of the newest event the head names when that event is no longer in the table. */
  private async truncatedTail(manager: EntityManager, orgId: string): Promise<string | undefined> {
    const [head] = await headsOf(manager, [orgId]);
    if (!head?.last_event_id) return undefined;
    const newest = await newestChained(manager, orgId);
    return newest?.id === head.last_event_id && newest.seq === head.seq ? undefined : head.last_event_id;
  }
}
