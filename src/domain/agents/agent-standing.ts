// The agent records that token verification needs (active, epoch, expiry, binding, scopes),
// cached in memory so that verifying an agent token costs no database round trip in the steady
// state. Every change to an agent publishes AGENT_CHANGED_TOPIC in its transaction; each
// instance drops the agent on that event (woken by NOTIFY across instances, well within a
// second), and the instance that made the change drops it synchronously once it committed, so
// its very next request already sees the change.
import type { Logger } from "pino";
import type { DataSource, EntityManager } from "typeorm";
import type { EventBus } from "../../events/bus.js";
import { followTopic } from "../../events/follow.js";
import { LoadingCache } from "../loading-cache.js";
import { agentById, type StoredAgent } from "./agent-store.js";

export const AGENT_CHANGED_TOPIC = "agent.changed";

/** Agents whose records are kept; the least recently loaded are forgotten first. */
const MAX_CACHED_AGENTS = 50_000;

export class AgentStanding {
  private readonly cache = new LoadingCache<StoredAgent | undefined>(MAX_CACHED_AGENTS);

  constructor(private readonly parts: { dataSource: DataSource; bus: EventBus; logger: Logger }) {}

  /** Starts following changes; it ends by itself when the bus closes. */
  start(): Promise<void> {
    return followTopic({
      ...this.parts,
      topic: AGENT_CHANGED_TOPIC,
      onEvent: (event) => {
        const agentId = event.payload.agent_id;
        if (typeof agentId === "string") this.cache.delete(agentId);
      },
      // While the subscription is down nothing could be invalidated: start from empty.
      onGap: () => this.cache.clear(),
    });
  }

  /** The agent's record, from the cache when this instance has it. */
  of(agentId: string): Promise<StoredAgent | undefined> {
    return this.cache.get(agentId, () => agentById(this.parts.dataSource, agentId));
  }

  /** Announces a change inside its transaction; call `forget` once it has committed. */
  announce(manager: EntityManager, agentId: string, orgId: string): Promise<string> {
    return this.parts.bus.publish(manager, AGENT_CHANGED_TOPIC, { agent_id: agentId }, orgId);
  }

  forget(agentId: string): void {
    this.cache.delete(agentId);
  }
}
