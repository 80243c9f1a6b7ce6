// createClient: one agent's client. It exchanges the agent's API key for a JWT on the first call
// that needs one, replaces the token before it expires (one shared exchange however many calls
// wait for it), retries a call once when the server says its token was revoked or expired, and
// raises typed errors (errors.ts).
import { Code, ConnectError, createClient as createServiceClient, type Client, type Interceptor } from "@connectrpc/connect";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuditService } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { ShareService } from "../../gen/ts/clawkeep/v1/sharing_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { typedError } from "./errors.js";
import { makeTransport, refreshMarginMs, type TransportOptions } from "./transport.js";

export interface ClientOptions extends TransportOptions {
  /** The agent's API key, "ocv_...". */
  apiKey: string;
  /** The agent's id; optional, the key identifies its agent. */
  agentId?: string;
  /** Clock, for tests. */
  now?: () => number;
}

export interface AgentToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  agentId: string;
  vaultIds: string[];
}

export interface ClawkeepClient {
  vaults: Client<typeof VaultService>;
  agents: Client<typeof AgentService>;
  shares: Client<typeof ShareService>;
  audit: Client<typeof AuditService>;
  auth: Client<typeof AuthService>;
  /** A token valid for at least the refresh margin, exchanging the key when needed. */
  token(): Promise<AgentToken>;
  /** The agent's id, once the first exchange resolved it. */
  readonly agentId: string | undefined;
}

export function createClient(options: ClientOptions): ClawkeepClient {
  const now = options.now ?? Date.now;
  // The exchange itself goes without the token interceptor.
  const exchanger = createServiceClient(AuthService, makeTransport(options, [typedErrors]));
  let current: AgentToken | undefined;
  let inFlight: Promise<AgentToken> | undefined;
  let agentId = options.agentId;

  /** When the current token is replaced: its refresh margin before expiry. */
  let refreshAt = 0;

  const refresh = (): Promise<AgentToken> => {
    inFlight ??= (async () => {
      try {
        // Lifetimes count from before the request: the token is never thought younger than it is.
        const issuedAt = now();
        const res = await exchanger.exchangeAgentToken({ apiKey: options.apiKey, agentId: agentId ?? "" });
        agentId = res.agentId;
        current = { accessToken: res.accessToken, expiresAt: issuedAt + res.expiresIn * 1000, agentId: res.agentId, vaultIds: res.vaultIds };
        refreshAt = current.expiresAt - refreshMarginMs(res.expiresIn);
        return current;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };
  const token = async (): Promise<AgentToken> => (current && now() < refreshAt ? current : refresh());

  const withToken: Interceptor = (next) => async (req) => {
    const used = await token();
    req.header.set("authorization", `Bearer ${used.accessToken}`);
    try {
      return await next(req);
    } catch (error) {
      // Revoked or expired under us (e.g. the agent revoked its tokens, or the clock is off): one
      // fresh exchange, one retry. Only unary calls: a stream's request has been consumed.
      if (req.stream || !(error instanceof ConnectError) || error.code !== Code.Unauthenticated) throw error;
      if (current === used) current = undefined;
      const fresh = await token();
      req.header.set("authorization", `Bearer ${fresh.accessToken}`);
      return next(req);
    }
  };
  const transport = makeTransport(options, [typedErrors, withToken]);
  return {
    vaults: createServiceClient(VaultService, transport),
    agents: createServiceClient(AgentService, transport),
    shares: createServiceClient(ShareService, transport),
    audit: createServiceClient(AuditService, transport),
    auth: createServiceClient(AuthService, transport),
    token,
    get agentId() {
      return agentId;
    },
  };
}

/** Outermost: every error leaves as its typed subclass. */
const typedErrors: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (error) {
    throw typedError(error);
  }
};
