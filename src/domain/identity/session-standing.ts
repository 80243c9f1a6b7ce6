// What verifying a person's access token needs from the database (their session is live, their
// membership and role), cached in memory so that a signed-in person's calls cost no round trip
// for it in the steady state. Every change that can end a session or change what it may do (a
// sign-out, a password change, a refresh token's reuse, a role change, a removal) publishes
// USER_CHANGED_TOPIC for that person in its transaction; each instance then drops what it holds
// for them (woken by NOTIFY across instances, well within a second), and the instance that made
// the change drops it as soon as the change commits, so its very next request already sees it.
import type { Logger } from "pino";
import type { DataSource, EntityManager } from "typeorm";
import { afterCommit } from "../../db/after-commit.js";
import type { EventBus } from "../../events/bus.js";
import { followTopic } from "../../events/follow.js";
import { LoadingCache } from "../loading-cache.js";
import type { OrgRole } from "./principal.js";
import { liveSessionMembership } from "./session-store.js";

export const USER_CHANGED_TOPIC = "identity.user_changed";

/** Sessions whose standing is kept; the least recently loaded are forgotten first. */
const MAX_CACHED_SESSIONS = 50_000;
/** People whose changes are counted; beyond this everything is forgotten and counting starts over. */
const MAX_COUNTED_PEOPLE = 100_000;

export interface SessionMembership {
  orgId: string;
  role: OrgRole;
}

/** A loaded session: its membership and expiry. */
interface Loaded {
  membership: SessionMembership;
  expiresAt: number;
}

export class SessionStanding {
  /** Live sessions only: a session that is not (revoked, expired, unknown) is looked up each time. */
  private readonly cache = new LoadingCache<Loaded | undefined>(MAX_CACHED_SESSIONS, (loaded) => loaded !== undefined);
  /**
   * Changes seen per person, part of each of their sessions' keys: a change makes everything
   * cached for the person unreachable at once (left to age out), without listing their sessions.
   */
  private readonly changes = new Map<string, number>();

  constructor(private readonly parts: { dataSource: DataSource; bus: EventBus; logger: Logger }) {}

  /** Starts following changes; it ends by itself when the bus closes. */
  start(): Promise<void> {
    return followTopic({
      ...this.parts,
      topic: USER_CHANGED_TOPIC,
      onEvent: (event) => {
        const userId = event.payload.user_id;
        if (typeof userId === "string") this.forget(userId);
      },
      // While the subscription is down nothing could be invalidated: start from empty.
      onGap: () => this.cache.clear(),
    });
  }

  /** The membership of the person while the session is theirs and neither revoked nor expired. */
  async of(sessionId: string, userId: string): Promise<SessionMembership | undefined> {
    const key = `${userId}/${this.changes.get(userId) ?? 0}/${sessionId}`;
    const loaded = await this.cache.get(key, async () => {
      const row = await liveSessionMembership(this.parts.dataSource, sessionId, userId);
      return row && { membership: { orgId: row.org_id, role: row.role }, expiresAt: row.expires_at.getTime() };
    });
    return loaded && Date.now() < loaded.expiresAt ? loaded.membership : undefined;
  }

  /**
   * Announces, inside the transaction that makes it, a change to the person's sessions or
   * membership; this instance forgets them once it commits, every other one on the event.
   */
  async announce(manager: EntityManager, userId: string, orgId: string): Promise<void> {
    await this.parts.bus.publish(manager, USER_CHANGED_TOPIC, { user_id: userId }, orgId);
    afterCommit(manager, `identity.user_changed:${userId}`, () => this.forget(userId));
  }

  private forget(userId: string): void {
    if (this.changes.size >= MAX_COUNTED_PEOPLE) {
      // Counts start over, so no old key may come back: nothing cached survives a clear, and
      // loads under way are not kept.
      this.cache.clear();
      this.changes.clear();
    }
    this.changes.set(userId, (this.changes.get(userId) ?? 0) + 1);
  }
}
