// Time-based steps of enrollments, run by every instance on a timer: pending enrollments past
// their 24 hours become expired (announced and audited once, whichever instance gets there
// first, because the change is a conditional update), approved keys nobody claimed are wiped at
// the end of their window, and finished email cooldowns are dropped.
import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { EventBus } from "../../events/bus.js";
import type { AuditLog } from "../audit/audit-log.js";
import { announceEnrollment, toEnrollment } from "./enrollment-records.js";
import { dropFinishedCooldowns, expireDuePending, wipeUnclaimedKeys } from "./enrollment-store.js";

const SWEEP_INTERVAL_MS = 30_000;
const BATCH = 200;

export interface SweepReport {
  expired: number;
  keysWiped: number;
}

export class EnrollmentExpiry {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly parts: { dataSource: DataSource; bus: EventBus; audit: AuditLog; logger: Logger }) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.sweep().catch((error: unknown) => this.parts.logger.warn({ err: error }, "sweeping expired enrollments failed"));
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass over everything that is due; returns what it changed. */
  async sweep(): Promise<SweepReport> {
    const { dataSource, bus, audit } = this.parts;
    let expired = 0;
    for (;;) {
      const batch = await dataSource.transaction(async (manager) => {
        const rows = await expireDuePending(manager, BATCH);
        for (const row of rows) {
          // Link-only enrollments and emails that matched nobody belong to no organisation: nobody watches them.
          if (row.org_id === null) continue;
          await audit.append(manager, {
            orgId: row.org_id,
            actor: { type: "system", id: "" },
            action: "enrollment.expire",
            resource: { type: "enrollment", id: row.id },
            details: { name: row.name },
          });
          await announceEnrollment(bus, manager, "expired", toEnrollment(row));
        }
        return rows.length;
      });
      expired += batch;
      if (batch < BATCH) break;
    }
    const keysWiped = await wipeUnclaimedKeys(dataSource);
    await dropFinishedCooldowns(dataSource);
    return { expired, keysWiped };
  }
}
