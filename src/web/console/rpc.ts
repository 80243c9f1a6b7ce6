// The console's only way to the data: typed clients of the same RPC handlers the API serves,
// called in process with the signed-in person's bearer token. Every interceptor runs (logging,
// metrics, errors, rate limit, authn and IP rules, validation), so every rule, audit event and
// error is exactly the API's. The console never touches the database or a domain service.
import { createClient, type Client, type ContextValues } from "@connectrpc/connect";
import { createTransport } from "@connectrpc/connect/protocol-connect";
import { createAsyncIterable, type UniversalClientFn, type UniversalHandler } from "@connectrpc/connect/protocol";
import { AgentService } from "../../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuditService } from "../../../gen/ts/clawkeep/v1/audit_pb.js";
import { AuthService } from "../../../gen/ts/clawkeep/v1/auth_pb.js";
import { IntentService } from "../../../gen/ts/clawkeep/v1/intents_pb.js";
import { OrgService } from "../../../gen/ts/clawkeep/v1/org_pb.js";
import { ShareService } from "../../../gen/ts/clawkeep/v1/sharing_pb.js";
import { VaultService } from "../../../gen/ts/clawkeep/v1/vaults_pb.js";

export interface ConsoleRpc {
  auth: Client<typeof AuthService>;
  agents: Client<typeof AgentService>;
  vaults: Client<typeof VaultService>;
  shares: Client<typeof ShareService>;
  intents: Client<typeof IntentService>;
  audit: Client<typeof AuditService>;
  org: Client<typeof OrgService>;
}

/** Console calls are small; these bound what one page can make the server read or write. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * Clients for one browser request. `contextValues` are what the HTTP front sets for an API call
 * (request id, client address, shutdown signal), so IP rules and per-caller limits see the
 * browser's address. `bearer` is absent for the public calls (sign-in, sign-up).
 */
export function consoleRpc(handlers: Map<string, UniversalHandler>, contextValues: () => ContextValues, bearer?: string): ConsoleRpc {
  const transport = createTransport({
    httpClient: inProcessClient(handlers, contextValues, bearer),
    baseUrl: "http://in-process",
    useBinaryFormat: true,
    interceptors: [],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
  });
  return {
    auth: createClient(AuthService, transport),
    agents: createClient(AgentService, transport),
    vaults: createClient(VaultService, transport),
    shares: createClient(ShareService, transport),
    intents: createClient(IntentService, transport),
    audit: createClient(AuditService, transport),
    org: createClient(OrgService, transport),
  };
}

/**
 * Connect-ES's own in-memory client (createUniversalHandlerClient) drops the context values,
 * which is where the client address lives; this one passes them, and the credential, through.
 */
function inProcessClient(handlers: Map<string, UniversalHandler>, contextValues: () => ContextValues, bearer: string | undefined): UniversalClientFn {
  return async (request) => {
    const path = new URL(request.url).pathname;
    const handler = handlers.get(path);
    if (!handler) throw new Error(`the console called ${path}, which no service serves`);
    const header = new Headers(request.header);
    if (bearer) header.set("authorization", `Bearer ${bearer}`);
    const response = await handler({
      httpVersion: "2.0",
      method: request.method,
      url: request.url,
      header,
      body: request.body ?? createAsyncIterable([]),
      signal: request.signal ?? new AbortController().signal,
      contextValues: contextValues(),
    });
    return {
      status: response.status,
      header: new Headers(response.header),
      trailer: new Headers(response.trailer),
      body: response.body ?? createAsyncIterable([]),
    };
  };
}
