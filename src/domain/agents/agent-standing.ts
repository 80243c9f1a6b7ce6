// The agent records that token verification needs (active, epoch, expiry, binding, scopes),
// cached in memory so that verifying an agent token costs no database round trip in the steady
// state. Every change to an agent publishes AGENT_CHANGED_TOPIC in its transaction; each
// instance drops the agent on that event (woken by NOTIFY across instances, well within a
// second), and the instance that made the change drops it synchronously once it committed, so
// its very next request already sees the change.
import type { Logger } from "pino";
import type { DataSource, EntityManager } from "typeorm";
import type { EventBus } from "../../events/bus.js";
import type { AgentRow } from "./agents.js";

export const AGENT_CHANGED_TOPIC = "agent.changed";

/** Agents whose records are kept; the least recently loaded are forgotten first. */
const MAX_CACHED_AGENTS = 50_000;
const RESUBSCRIBE_DELAY_MS = 1000;

export class AgentStanding {
  private readonly cache = new Map<string, Promise<AgentRow | undefined>>();

  constructor(private readonly parts: { dataSource: DataSource; bus: EventBus; logger: Logger }) {}

  /** Starts following changes; it ends by itself when the bus closes. */
  async start(): Promise<void> {
    void this.follow(await this.parts.bus.latestCursor());
  }

  /** The agent's record, from the cache when this instance has it. */
  of(agentId: string): Promise<AgentRow | undefined> {
    const cached = this.cache.get(agentId);
    if (cached) return cached;
    const loading = this.parts.dataSource
      .query(`SELECT * FROM "clawkeep_agents" WHERE "id" = $1`, [agentId])
      .then((rows: AgentRow[]) => rows[0]);
    loading.catch(() => {
      if (this.cache.get(agentId) === loading) this.cache.delete(agentId);
    });
    this.cache.set(agentId, loading);
    if (this.cache.size > MAX_CACHED_AGENTS) this.cache.delete(this.cache.keys().next().value as string);
    return loading;
  }

  /** Announces a change inside its transaction; call `forget` once it has committed. */
  announce(manager: EntityManager, agentId: string, orgId: string): Promise<string> {
    return this.parts.bus.publish(manager, AGENT_CHANGED_TOPIC, { agent_id: agentId }, orgId);
  }

  forget(agentId: string): void {
    this.cache.delete(agentId);
  }

  private async follow(after: string): Promise<void> {
    const never = new AbortController().signal;
    for (;;) {
      try {
        for await (const event of this.parts.bus.subscribe({ topics: [AGENT_CHANGED_TOPIC], after, signal: never })) {
          after = event.cursor;
          const agentId = (event.payload as { agent_id?: unknown }).agent_id;
          if (typeof agentId === "string") this.cache.delete(agentId);
        }
        return; // the bus closed
      } catch (error) {
        // While the subscription is down nothing could be invalidated: start from empty.
        this.cache.clear();
        this.parts.logger.warn({ err: error }, "following agent changes failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_DELAY_MS));
      }
    }
  }
}
