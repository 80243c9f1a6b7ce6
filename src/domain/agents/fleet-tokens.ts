// The fleet token stream: one call keeps the agent JWTs of many agents fresh. Each credential is
// exchanged as ExchangeAgentToken exchanges it (same checks, same audit record, same failure
// limits), then re-issued at about two thirds of its lifetime with jitter, so a fleet's issuance
// spreads evenly over time. Revocations reach the stream from any instance: every change of an
// agent is announced on the bus (AGENT_CHANGED_TOPIC); one follower per instance routes it to the
// streams that hold that agent, which re-read its standing and push "revoked" when its tokens
// died. An agent's own expiry (or its key's) is pushed by a timer at that instant.
//
// Memory per stream is bounded by its agents: each agent has at most one undelivered event (a
// newer token replaces an older one not yet sent; "revoked" replaces both). A reader that leaves
// an event undelivered longer than `slowReaderMs` is ended with RESOURCE_EXHAUSTED.
import type { Logger } from "pino";
import type { EventBus } from "../../events/bus.js";
import { followTopic } from "../../events/follow.js";
import { DomainError } from "../errors.js";
import { isUuid } from "../ids.js";
import { AGENT_CHANGED_TOPIC, type AgentStanding } from "./agent-standing.js";
import type { StoredAgent } from "./agent-store.js";
import type { AgentTokenGrant, AgentTokens, HeldToken } from "./agent-tokens.js";

/** Agents one stream may carry. */
export const MAX_FLEET_AGENTS = 10_000;
/** Exchanges one stream runs at once: a fleet's start-up must not take every database connection. */
const EXCHANGES_PER_STREAM = 6;
/** A refresh that failed for a reason of ours (not the credential's) is tried again after this. */
const RETRY_MS = 1000;
/** How often a stream checks whether its reader keeps up. */
const SLOW_CHECK_MS = 250;
/**
 * Refreshes are paced to at most this multiple of the stream's steady rate (the sum over its
 * agents of one per mean refresh period), so refreshes that a stall of the server held back catch
 * up without becoming a burst of their own. First tokens are never paced.
 */
const CATCH_UP_FACTOR = 1.5;
/** ... but never below this many refreshes per second, so a small fleet is never held back. */
const MIN_PACE_PER_SECOND = 20;
/** Refreshes that may go at once after an idle moment, in ms of the paced rate. */
const PACE_BURST_MS = 50;

export interface FleetCredential {
  agentId: string;
  apiKey: string;
  /** The agent's token the client holds (on a reconnect); empty or absent when none. */
  accessToken?: string;
}

export type FleetEvent =
  | { agentId: string; event: "issued"; accessToken: string; expiresIn: number; vaultIds: string[] }
  | { agentId: string; event: "revoked" | "error"; detail: string };

export interface FleetTokensOptions {
  /** An event left undelivered this long ends the stream (RESOURCE_EXHAUSTED). */
  slowReaderMs: number;
  /** Uniform in [0, 1); tests may fix it. */
  random?: () => number;
}

/**
 * When to re-issue a token that lives `ttlSeconds`, in ms after its issue: uniform in a window
 * that averages about two thirds of the lifetime, and never later than 60 s before expiry (a
 * third of the lifetime for tokens that live less than three minutes). `first` spreads the
 * first refresh after a (re)connect over a whole period, so a fleet that connects at once does
 * not refresh at once again.
 */
export function refreshDelayMs(ttlSeconds: number, random: () => number, first: boolean): number {
  const { lo, hi } = refreshWindow(ttlSeconds);
  if (!first) return lo + random() * (hi - lo);
  return hi - random() * ((lo + hi) / 2);
}

/** The mean time between two refreshes of a token that lives `ttlSeconds`, in ms. */
export function meanRefreshPeriodMs(ttlSeconds: number): number {
  const { lo, hi } = refreshWindow(ttlSeconds);
  return (lo + hi) / 2;
}

/** How long before expiry a token is replaced at the latest: 60 s, or a third of a short lifetime. */
function marginMs(ttlSeconds: number): number {
  return Math.min(60_000, (ttlSeconds * 1000) / 3);
}

function refreshWindow(ttlSeconds: number): { lo: number; hi: number } {
  const ttl = ttlSeconds * 1000;
  const latest = ttl - marginMs(ttlSeconds);
  const hi = Math.min(ttl * (2 / 3 + 0.1), latest);
  return { lo: Math.max(hi - ttl * 0.2, ttl / 3), hi };
}

export class FleetTokens {
  /** The live streams of this instance that hold each agent. */
  private readonly holders = new Map<string, Set<FleetStream>>();
  private readonly streams = new Set<FleetStream>();

  constructor(
    private readonly deps: { tokens: AgentTokens; standing: AgentStanding; bus: EventBus; logger: Logger },
    private readonly options: FleetTokensOptions,
  ) {}

  /** Follows agent changes on the bus (every instance's); ends by itself when the bus closes. */
  start(): Promise<void> {
    return followTopic({
      bus: this.deps.bus,
      logger: this.deps.logger,
      topic: AGENT_CHANGED_TOPIC,
      onEvent: (event) => {
        const agentId = event.payload.agent_id;
        if (typeof agentId !== "string") return;
        const holders = this.holders.get(agentId);
        if (!holders) return;
        // The standing cache follows the same topic; drop the agent here too so the re-read below
        // cannot come from before the change.
        this.deps.standing.forget(agentId);
        for (const stream of holders) stream.recheck(agentId);
      },
      // Changes may have been missed meanwhile: every stream re-reads every agent it holds.
      onGap: () => {
        for (const stream of this.streams) for (const agentId of stream.agentIds()) stream.recheck(agentId);
      },
    });
  }

  /**
   * Streams the events of `credentials` until every agent is revoked or failed (then it returns),
   * the caller goes away (`signal`), the server shuts down (`shutdown`: UNAVAILABLE, reconnect),
   * or the reader falls behind (RESOURCE_EXHAUSTED).
   */
  async *watch(credentials: FleetCredential[], ip: string, signals: { caller: AbortSignal; shutdown: AbortSignal }): AsyncGenerator<FleetEvent> {
    checkRequest(credentials);
    const stream = new FleetStream(credentials, ip, this.deps, this.options);
    this.streams.add(stream);
    for (const agentId of stream.agentIds()) {
      let set = this.holders.get(agentId);
      if (!set) this.holders.set(agentId, (set = new Set()));
      set.add(stream);
    }
    const ended = AbortSignal.any([signals.caller, signals.shutdown]);
    try {
      stream.begin();
      yield* stream.events(ended);
      if (signals.shutdown.aborted && !signals.caller.aborted) {
        throw new DomainError("unavailable", "the server is shutting down; reconnect with the same request to resume");
      }
    } finally {
      stream.close();
      this.streams.delete(stream);
      for (const agentId of stream.agentIds()) {
        const set = this.holders.get(agentId);
        set?.delete(stream);
        if (set?.size === 0) this.holders.delete(agentId);
      }
    }
  }
}

function checkRequest(credentials: FleetCredential[]): void {
  if (credentials.length === 0) throw new DomainError("invalid_argument", "agents must list at least one agent");
  if (credentials.length > MAX_FLEET_AGENTS) {
    throw new DomainError("invalid_argument", `agents lists ${credentials.length} agents; one stream carries at most ${MAX_FLEET_AGENTS}: open another stream for the rest`);
  }
  const seen = new Set<string>();
  for (const { agentId } of credentials) {
    const key = agentId.toLowerCase();
    if (seen.has(key)) throw new DomainError("invalid_argument", `agent ${agentId.slice(0, 40)} is listed more than once; list each agent once`);
    seen.add(key);
  }
}

interface AgentState {
  apiKey: string;
  /** The token the client said it holds, until the stream has judged it. */
  heldToken?: string;
  /** The epoch of the last token issued; undefined before the first. */
  epoch?: number;
  /** Refresh or expiry timer. */
  timer?: NodeJS.Timeout;
  /** Revoked or failed: nothing more is sent for it. */
  done: boolean;
  /** An exchange for it is queued or running. */
  exchanging: boolean;
  /** Tokens issued on this stream so far. */
  issued: number;
  /** Its share of the stream's steady refresh rate, per ms (0 until its first token). */
  rate: number;
  /** A change was announced while an exchange was under way: look again once it returns. */
  recheckAfterExchange?: boolean;
}

/** One open WatchFleetTokens call. */
class FleetStream {
  private readonly agents = new Map<string, AgentState>();
  /** Undelivered events, at most one per agent, oldest first, with when they became pending. */
  private readonly pending = new Map<string, { event: FleetEvent; since: number }>();
  /** Agents waiting for their first token, and agents waiting for a refresh (paced). */
  private readonly firstQueue: string[] = [];
  private readonly refreshQueue: string[] = [];
  /** The stream's steady refresh rate, per ms, and when the next paced refresh may start. */
  private steadyRate = 0;
  private nextRefreshAt = 0;
  private paceTimer: NodeJS.Timeout | undefined;
  private running = 0;
  private closed = false;
  private tooSlow = false;
  private wake: (() => void) | undefined;
  private slowCheck: NodeJS.Timeout | undefined;
  private readonly random: () => number;

  constructor(
    credentials: FleetCredential[],
    private readonly ip: string,
    private readonly deps: { tokens: AgentTokens; standing: AgentStanding; logger: Logger },
    private readonly options: FleetTokensOptions,
  ) {
    for (const { agentId, apiKey, accessToken } of credentials) {
      this.agents.set(agentId, { apiKey, heldToken: accessToken || undefined, done: false, exchanging: false, issued: 0, rate: 0 });
    }
    this.random = options.random ?? Math.random;
  }

  agentIds(): IterableIterator<string> {
    return this.agents.keys();
  }

  begin(): void {
    const held: { agentId: string; apiKey: string; accessToken: string }[] = [];
    for (const [agentId, state] of this.agents) {
      if (!isUuid(agentId)) this.finish(agentId, state, "error", "agent_id must be a UUID");
      else if (state.heldToken) held.push({ agentId, apiKey: state.apiKey, accessToken: state.heldToken });
      else this.queueExchange(agentId);
    }
    if (held.length > 0) void this.resume(held);
    this.slowCheck = setInterval(() => this.checkReader(), SLOW_CHECK_MS);
    this.slowCheck.unref();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.slowCheck);
    for (const state of this.agents.values()) clearTimeout(state.timer);
    this.firstQueue.length = 0;
    this.refreshQueue.length = 0;
    clearTimeout(this.paceTimer);
    this.pending.clear();
    this.wake?.();
  }

  async *events(ended: AbortSignal): AsyncGenerator<FleetEvent> {
    const onEnd = () => this.wake?.();
    ended.addEventListener("abort", onEnd);
    try {
      for (;;) {
        if (ended.aborted || this.closed) return;
        if (this.tooSlow) {
          throw new DomainError(
            "resource_exhausted",
            `the stream's reader fell more than ${this.options.slowReaderMs / 1000} s behind; read faster (or split the fleet across streams) and reconnect`,
          );
        }
        const next = this.pending.entries().next();
        if (next.done) {
          if (this.allDone()) return;
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        const [agentId, { event }] = next.value;
        this.pending.delete(agentId);
        yield event;
      }
    } finally {
      ended.removeEventListener("abort", onEnd);
    }
  }

  /**
   * Agents whose client still holds a valid token get no new one now: their next one is due at a
   * uniformly random moment before that token's refresh deadline, so a fleet that reconnects
   * together (a restart, another instance) spreads its exchanges instead of making them at once.
   * The rest are exchanged at once, as on a first connect.
   */
  private async resume(held: { agentId: string; apiKey: string; accessToken: string }[]): Promise<void> {
    let valid = new Map<string, HeldToken>();
    try {
      valid = await this.deps.tokens.stillValid(held);
    } catch (error) {
      this.deps.logger.warn({ err: error }, "checking the tokens a fleet holds failed; exchanging them all");
    }
    const now = Date.now();
    for (const { agentId } of held) {
      const state = this.agents.get(agentId)!;
      state.heldToken = undefined;
      if (this.closed || state.done) continue;
      const token = valid.get(agentId);
      const window = token ? token.expiresAt - marginMs(token.ttlSeconds) - now : 0;
      if (!token || window < 1000) {
        this.queueExchange(agentId);
        continue;
      }
      state.epoch = token.epoch;
      state.issued = 1;
      state.rate = 1 / meanRefreshPeriodMs(token.ttlSeconds);
      this.steadyRate += state.rate;
      state.timer = setTimeout(() => this.queueExchange(agentId), this.random() * window);
    }
  }

  /** Re-reads the agent's standing after a change announced on the bus (or a gap in them). */
  recheck(agentId: string): void {
    void this.stillValid(agentId);
  }

  /** Whether the agent's last token still works (as of `asOf` at the earliest); pushes "revoked" when it does not. */
  private async stillValid(agentId: string, asOf = 0): Promise<boolean> {
    const state = this.agents.get(agentId);
    if (!state || state.done || this.closed) return false;
    // The token an exchange under way returns may predate the change: judge it once it is here.
    if (state.exchanging) state.recheckAfterExchange = true;
    if (state.epoch === undefined) return true;
    try {
      const row = await this.deps.standing.of(agentId);
      if (state.done || this.closed) return false;
      const revoked = revocationOf(row, state.epoch, Math.max(Date.now(), asOf));
      if (revoked) this.finish(agentId, state, "revoked", revoked);
      return !revoked;
    } catch (error) {
      // The next refresh checks again; its exchange refuses a revoked agent.
      this.deps.logger.warn({ err: error, agent_id: agentId }, "re-reading an agent after a change failed");
      return true;
    }
  }

  private allDone(): boolean {
    for (const state of this.agents.values()) if (!state.done) return false;
    return true;
  }

  private push(event: FleetEvent): void {
    if (this.closed) return;
    const previous = this.pending.get(event.agentId);
    this.pending.set(event.agentId, { event, since: previous?.since ?? Date.now() });
    this.wake?.();
  }

  private finish(agentId: string, state: AgentState, event: "revoked" | "error", detail: string): void {
    if (state.done) return;
    state.done = true;
    this.steadyRate -= state.rate;
    state.rate = 0;
    clearTimeout(state.timer);
    // A token not yet delivered is dead now: the reader gets the revocation instead.
    this.pending.delete(agentId);
    this.push({ agentId, event, detail });
  }

  private checkReader(): void {
    const oldest = this.pending.values().next();
    if (oldest.done || Date.now() - oldest.value.since <= this.options.slowReaderMs) return;
    // Stop working for a reader that does not read; it learns why when it reads again.
    this.tooSlow = true;
    this.pending.clear();
    for (const state of this.agents.values()) clearTimeout(state.timer);
    this.firstQueue.length = 0;
    this.refreshQueue.length = 0;
    clearTimeout(this.paceTimer);
    clearInterval(this.slowCheck);
    this.wake?.();
  }

  private queueExchange(agentId: string): void {
    const state = this.agents.get(agentId)!;
    if (state.done || state.exchanging || this.closed || this.tooSlow) return;
    state.exchanging = true;
    (state.issued === 0 ? this.firstQueue : this.refreshQueue).push(agentId);
    this.drain();
  }

  private drain(): void {
    while (this.running < EXCHANGES_PER_STREAM) {
      let agentId = this.firstQueue.shift();
      if (agentId === undefined) {
        if (this.refreshQueue.length === 0) return;
        const now = Date.now();
        const interval = 1 / Math.max(this.steadyRate * CATCH_UP_FACTOR, MIN_PACE_PER_SECOND / 1000);
        if (now < this.nextRefreshAt) {
          this.paceTimer ??= setTimeout(() => {
            this.paceTimer = undefined;
            this.drain();
          }, this.nextRefreshAt - now);
          return;
        }
        this.nextRefreshAt = Math.max(this.nextRefreshAt, now - PACE_BURST_MS) + interval;
        agentId = this.refreshQueue.shift()!;
      }
      const id = agentId;
      this.running++;
      void this.exchange(id).finally(() => {
        this.running--;
        this.drain();
      });
    }
  }

  private async exchange(agentId: string): Promise<void> {
    const state = this.agents.get(agentId)!;
    let grant: AgentTokenGrant;
    try {
      grant = await this.deps.tokens.exchange({ apiKey: state.apiKey, agentId }, this.ip);
    } catch (error) {
      state.exchanging = false;
      if (this.closed || state.done) return;
      if (error instanceof DomainError && error.kind !== "unavailable") {
        // A credential that worked before and fails now was revoked (key rotated, agent
        // deactivated or deleted or expired); one that never worked is an error.
        this.finish(agentId, state, state.epoch === undefined ? "error" : "revoked", error.detail);
        return;
      }
      this.deps.logger.warn({ err: error, agent_id: agentId }, "fleet token refresh failed; retrying");
      state.timer = setTimeout(() => this.queueExchange(agentId), RETRY_MS + this.random() * RETRY_MS);
      return;
    }
    state.exchanging = false;
    if (this.closed || state.done) return;
    const first = state.issued === 0;
    state.issued++;
    this.steadyRate += 1 / meanRefreshPeriodMs(grant.expiresIn) - state.rate;
    state.rate = 1 / meanRefreshPeriodMs(grant.expiresIn);
    state.epoch = grant.epoch;
    this.push({ agentId, event: "issued", accessToken: grant.accessToken, expiresIn: grant.expiresIn, vaultIds: grant.vaultIds });
    if (state.recheckAfterExchange) {
      state.recheckAfterExchange = false;
      if (!(await this.stillValid(agentId))) return;
    }
    const refreshDelay = refreshDelayMs(grant.expiresIn, this.random, first);
    // The agent (or its key) expiring sooner is pushed at that instant.
    const row = await this.deps.standing.of(agentId).catch(() => undefined);
    const expiry = row ? expiryOf(row) : undefined;
    const atExpiry = expiry !== undefined && expiry - Date.now() < refreshDelay;
    if (this.closed || state.done || this.tooSlow) return;
    clearTimeout(state.timer);
    state.timer = setTimeout(
      () => {
        if (!atExpiry) return this.queueExchange(agentId);
        // At the agent's (or its key's) expiry: "revoked" now, unless the expiry moved meanwhile.
        // Judged as of the expiry: timers run on a monotonic clock, and the wall clock may still
        // read a millisecond before it (a refresh then would only meet a refused exchange).
        void this.stillValid(agentId, expiry).then((valid) => valid && this.queueExchange(agentId));
      },
      atExpiry ? Math.max(0, expiry - Date.now()) : refreshDelay,
    );
  }
}

/** When the agent or its key stops being usable, if it ever does. */
function expiryOf(row: StoredAgent): number | undefined {
  const times = [row.expires_at, row.api_key_expires_at].filter((t): t is Date => t !== null).map((t) => new Date(t).getTime());
  return times.length > 0 ? Math.min(...times) : undefined;
}

/** Why tokens of `epoch` no longer work, or undefined while they do. */
function revocationOf(row: StoredAgent | undefined, epoch: number, now: number): string | undefined {
  if (!row || row.deleted_at !== null) return "the agent was deleted";
  if (!row.is_active) return "the agent is deactivated";
  if (row.expires_at && new Date(row.expires_at).getTime() <= now) return `the agent expired at ${new Date(row.expires_at).toISOString()}`;
  if (row.api_key_expires_at && new Date(row.api_key_expires_at).getTime() <= now) {
    return `the agent's API key expired at ${new Date(row.api_key_expires_at).toISOString()}`;
  }
  if (row.revocation_epoch !== epoch) return "the agent's tokens were revoked (its API key was rotated, or its tokens revoked)";
  return undefined;
}
