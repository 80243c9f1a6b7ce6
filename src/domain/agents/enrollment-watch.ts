// Following an organisation's enrollments live: requested, approved, denied, expired, claimed.
// Events come through the bus, published in the transaction of each change, so a watcher on any
// instance sees every instance's events in order and resumes after a cursor without loss.
import type { EventBus } from "../../events/bus.js";
import { DomainError } from "../errors.js";
import type { Principal } from "../identity/principal.js";
import { ENROLLMENT_TOPIC, enrollmentFromJson, type EnrollmentEvent, type EnrollmentRecord } from "./enrollment-records.js";

export interface WatchedEnrollment {
  event: EnrollmentEvent;
  enrollment: EnrollmentRecord;
  /** Resume strictly after this event. */
  cursor: string;
}

export class EnrollmentWatch {
  constructor(private readonly bus: EventBus) {}

  /** Streams the organisation's enrollment events after `cursor` (or from now) until `signal` aborts. */
  async *watch(principal: Principal, cursor: string, signal: AbortSignal): AsyncGenerator<WatchedEnrollment> {
    if (principal.type !== "user") throw new DomainError("permission_denied", "only people watch enrollments");
    // The request's cursor is a plain string: empty means none was sent.
    const after = await this.bus.startingCursor(cursor === "" ? undefined : cursor);
    for await (const published of this.bus.subscribe({ topics: [ENROLLMENT_TOPIC], orgId: principal.orgId, after, signal })) {
      const payload = published.payload as { event: EnrollmentEvent; enrollment: Record<string, unknown> };
      yield { event: payload.event, enrollment: enrollmentFromJson(payload.enrollment), cursor: published.cursor };
    }
  }
}
