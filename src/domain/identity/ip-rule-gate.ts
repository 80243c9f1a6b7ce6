// Enforces the organisations' IP rules on every authenticated call, from an in-memory cache so a
// check costs no database round trip in steady state. Three things drop cached rules:
// - the instance that made the change, synchronously once it committed (IpRules calls `changed`),
//   so its very next request sees the change;
// - every instance, on a bare NOTIFY that the change's transaction sends (IP_RULES_CHANNEL), as
//   soon as it commits — dropped on receipt, without first reading the events table, so another
//   instance uses old rules only until PostgreSQL delivers the NOTIFY (milliseconds; a request
//   that reaches it sooner than that still sees the old rules);
// - every instance, on the change's bus event: the durable record, so a NOTIFY missed while a
//   listener reconnects is still caught up from the cursor.
import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { ListenFn } from "../../db/database.js";
import type { EventBus } from "../../events/bus.js";
import { DomainError } from "../errors.js";
import { IP_RULES_CHANNEL, ipRulesOf } from "./ip-rule-store.js";
import { compileIpRules, IP_RULES_TOPIC, ipVerdict, shownAddress, type CompiledIpRules, type IpRuleChangeHooks } from "./ip-rules.js";
import type { Principal } from "./principal.js";

/** Organisations whose rules are kept; the least recently loaded are forgotten first. */
const MAX_CACHED_ORGS = 10_000;
const RESUBSCRIBE_DELAY_MS = 1000;

export class IpRuleGate implements IpRuleChangeHooks {
  private readonly cache = new Map<string, Promise<CompiledIpRules>>();

  constructor(
    private readonly parts: { dataSource: DataSource; bus: EventBus; listen: ListenFn; logger: Logger },
  ) {}

  /**
   * Starts following changes. It stops by itself when the bus closes (the end of the server),
   * so it needs no close call of its own.
   */
  async start(): Promise<void> {
    const after = await this.parts.bus.latestCursor();
    const stopListening = await this.parts.listen(IP_RULES_CHANNEL, () => this.cache.clear());
    void this.follow(after).finally(() => stopListening());
  }

  /** Refuses a caller whose client address the rules of its organisation do not admit. */
  async assertAdmitted(principal: Principal, address: string): Promise<void> {
    const verdict = ipVerdict(await this.rulesOf(principal.orgId), address);
    if (verdict.admitted) return;
    const shown = shownAddress(address);
    throw new DomainError(
      "permission_denied",
      verdict.reason === "denied"
        ? `your address ${shown} is blocked by an IP rule of your organisation`
        : `your address ${shown} is not in your organisation's IP allow list`,
    );
  }

  /**
   * Whether the organisation's rules admit an address, for public calls that reach its data
   * without being its members (a share's recipient): they get a refusal worded for them.
   */
  async admits(orgId: string, address: string): Promise<boolean> {
    return ipVerdict(await this.rulesOf(orgId), address).admitted;
  }

  changed(orgId: string): void {
    this.cache.delete(orgId);
  }

  private rulesOf(orgId: string): Promise<CompiledIpRules> {
    const cached = this.cache.get(orgId);
    if (cached) return cached;
    // A load that an invalidation overtakes only serves the requests that began before the
    // change; the entry is gone, so the next request loads afresh.
    const loading = ipRulesOf(this.parts.dataSource.manager, orgId).then(compileIpRules);
    loading.catch(() => {
      if (this.cache.get(orgId) === loading) this.cache.delete(orgId);
    });
    this.cache.set(orgId, loading);
    if (this.cache.size > MAX_CACHED_ORGS) this.cache.delete(this.cache.keys().next().value as string);
    return loading;
  }

  private async follow(after: string): Promise<void> {
    const { bus, logger } = this.parts;
    const never = new AbortController().signal;
    for (;;) {
      try {
        // Topic-wide: one subscription serves every organisation. It ends when the bus closes.
        for await (const event of bus.subscribe({ topics: [IP_RULES_TOPIC], after, signal: never })) {
          after = event.cursor;
          if (event.orgId) this.cache.delete(event.orgId);
        }
        return; // the bus closed
      } catch (error) {
        // Whatever was missed meanwhile, nothing cached can be trusted.
        this.cache.clear();
        logger.warn({ err: error }, "following IP rule changes failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_DELAY_MS).unref());
      }
    }
  }
}
