// FleetTokenManager: keeps the tokens of many agents fresh over one WatchFleetTokens stream and
// hands out each agent's current token synchronously. The server re-issues every token at about
// two thirds of its lifetime; the manager keeps the last token of every agent until a newer one
// arrives, so a reconnect (server restart, another instance) never leaves a healthy agent without
// a valid token. It reconnects with exponential backoff and full jitter; a revoked or failed agent
// is dropped from the request (its token is gone at once).
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { typedError } from "./errors.js";
import { makeTransport, type TransportOptions } from "./transport.js";

export interface FleetAgent {
  agentId: string;
  /** "ocv_..." */
  apiKey: string;
}

/** Transport defaults: protocol "grpc", pingIntervalMs 30 s (see TransportOptions). */
export interface FleetTokenManagerOptions extends TransportOptions {
  agents: FleetAgent[];
  /** First reconnect delay (default 250 ms); doubles up to `maxBackoffMs` (default 30 s), full jitter. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Every event as it arrives, and every time the stream ends (error undefined: ended OK). */
  onEvent?: (event: FleetTokenEvent) => void;
  onStreamEnd?: (error: ConnectError | undefined) => void;
  /** Clock, for tests. */
  now?: () => number;
}

export type FleetTokenEvent =
  | { agentId: string; event: "issued"; accessToken: string; expiresAt: number; vaultIds: string[] }
  | { agentId: string; event: "revoked" | "error"; detail: string };

interface Held {
  accessToken: string;
  expiresAt: number;
  vaultIds: string[];
}

/** A token is handed out only while it has at least this long to live. */
const MIN_REMAINING_MS = 1000;

export class FleetTokenManager {
  private readonly client: Client<typeof AuthService>;
  private readonly agents: Map<string, FleetAgent>;
  private readonly tokens = new Map<string, Held>();
  private readonly ended = new Map<string, { event: "revoked" | "error"; detail: string }>();
  private readonly waiters = new Map<string, ((ok: boolean) => void)[]>();
  private readonly abort = new AbortController();
  private readonly now: () => number;
  private running: Promise<void> | undefined;
  /** Connections opened so far (1 + reconnects). */
  connections = 0;

  constructor(private readonly options: FleetTokenManagerOptions) {
    // gRPC over HTTP/2, PINGed when quiet: between two refreshes a stream may carry nothing for
    // many minutes, and a connection that died silently must not go unnoticed that long.
    this.client = createClient(AuthService, makeTransport({ protocol: "grpc", pingIntervalMs: 30_000, ...options }));
    this.agents = new Map(options.agents.map((a) => [a.agentId, a]));
    this.now = options.now ?? Date.now;
  }

  /** Opens the stream (once); resolves when every agent has a token, a revocation or an error. */
  async start(): Promise<void> {
    this.running ??= this.run();
    await Promise.all([...this.agents.keys()].map((id) => this.ready(id)));
  }

  /** The agent's current token, or undefined when it has none that lives another second. */
  token(agentId: string): string | undefined {
    const held = this.tokens.get(agentId);
    return held && held.expiresAt - this.now() >= MIN_REMAINING_MS ? held.accessToken : undefined;
  }

  /** Like token(), but throws with the reason when there is none. */
  tokenOrThrow(agentId: string): string {
    const token = this.token(agentId);
    if (token !== undefined) return token;
    const ended = this.ended.get(agentId);
    throw new Error(ended ? `agent ${agentId} has no token: ${ended.event}: ${ended.detail}` : `agent ${agentId} has no valid token yet`);
  }

  /** When the agent's current token expires (epoch ms), if it has one. */
  expiresAt(agentId: string): number | undefined {
    return this.tokens.get(agentId)?.expiresAt;
  }

  /** Why the agent left the fleet, if it did. */
  status(agentId: string): { event: "revoked" | "error"; detail: string } | undefined {
    return this.ended.get(agentId);
  }

  /** Resolves true once the agent has a token, false once it was revoked or failed. */
  ready(agentId: string): Promise<boolean> {
    if (this.token(agentId) !== undefined) return Promise.resolve(true);
    if (this.ended.has(agentId) || !this.agents.has(agentId)) return Promise.resolve(false);
    return new Promise((resolve) => this.waiters.set(agentId, [...(this.waiters.get(agentId) ?? []), resolve]));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private settle(agentId: string, ok: boolean): void {
    for (const resolve of this.waiters.get(agentId) ?? []) resolve(ok);
    this.waiters.delete(agentId);
  }

  private async run(): Promise<void> {
    const initial = this.options.initialBackoffMs ?? 250;
    const max = this.options.maxBackoffMs ?? 30_000;
    let attempt = 0;
    while (!this.abort.signal.aborted && this.agents.size > 0) {
      let error: ConnectError | undefined;
      try {
        this.connections++;
        // The tokens held go along: the server does not replace the valid ones at once, so a
        // fleet reconnecting together does not exchange together.
        const request = { agents: [...this.agents.values()].map((a) => ({ ...a, accessToken: this.token(a.agentId) ?? "" })) };
        for await (const res of this.client.watchFleetTokens(request, { signal: this.abort.signal })) {
          attempt = 0; // the server answered: the next reconnect starts from the shortest delay
          this.receive(res);
        }
      } catch (caught) {
        if (this.abort.signal.aborted) break;
        error = ConnectError.from(caught);
      }
      this.options.onStreamEnd?.(error);
      if (this.abort.signal.aborted || this.agents.size === 0) break;
      // A request the server refuses as such will be refused again.
      if (error && error.code === Code.InvalidArgument) {
        for (const agentId of [...this.agents.keys()]) this.drop(agentId, "error", error.rawMessage);
        throw typedError(error);
      }
      const delay = Math.random() * Math.min(max, initial * 2 ** attempt);
      attempt++;
      await sleep(delay, this.abort.signal);
    }
  }

  private receive(res: { agentId: string; event: string; accessToken: string; expiresIn: number; vaultIds: string[]; detail: string }): void {
    if (!this.agents.has(res.agentId)) return;
    if (res.event === "issued") {
      const expiresAt = this.now() + res.expiresIn * 1000;
      this.tokens.set(res.agentId, { accessToken: res.accessToken, expiresAt, vaultIds: res.vaultIds });
      this.options.onEvent?.({ agentId: res.agentId, event: "issued", accessToken: res.accessToken, expiresAt, vaultIds: res.vaultIds });
      this.settle(res.agentId, true);
    } else if (res.event === "revoked" || res.event === "error") {
      this.drop(res.agentId, res.event, res.detail);
    }
  }

  private drop(agentId: string, event: "revoked" | "error", detail: string): void {
    this.tokens.delete(agentId);
    this.agents.delete(agentId);
    this.ended.set(agentId, { event, detail });
    this.options.onEvent?.({ agentId, event, detail });
    this.settle(agentId, false);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
