// The first handler every HTTP request meets: gives it a request id, then sends it to the Connect
// handler of its RPC path, to /metrics, to an HTML page, or to the REST transcoder.
import { randomUUID } from "node:crypto";
import type { ContextValues } from "@connectrpc/connect";
import { createContextValues } from "@connectrpc/connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import type { NodeHandlerFn, NodeServerRequest } from "./node-types.js";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { CidrSet, type Cidr } from "../domain/net/ip.js";
import { resolveClientAddress } from "./client-address.js";
import { callEdgeKey, peerAddressKey, requestIdKey, shutdownSignalKey, type CallEdge } from "./context.js";
import { reclassifyDecodeErrors } from "./decode-errors.js";
import { writeProblem } from "./rest/problem.js";
import type { RestHandler } from "./rest/transcoder.js";

/** Incoming ids are kept only if they are short and plain, so they are safe to log. */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface HttpFrontOptions {
  rpcHandlers: Map<string, UniversalHandler>;
  createRest: (contextValues: (req: NodeServerRequest) => ContextValues) => RestHandler;
  metrics: Registry;
  logger: Logger;
  shutdownSignal: AbortSignal;
  /** Proxies whose X-Forwarded-For decides the client address (CLAWKEEP_TRUSTED_PROXIES). */
  trustedProxies?: Cidr[];
  /** HTML pages served beside the API (the console), given the context values an API call of a request gets. */
  createPages?: (contextValues: (req: NodeServerRequest) => ContextValues) => HtmlPages;
}

export interface HtmlPages {
  handles(path: string): boolean;
  serve(req: NodeServerRequest, res: Parameters<NodeHandlerFn>[1], clientAddress: string): Promise<void>;
}

export function createHttpFront(options: HttpFrontOptions): NodeHandlerFn {
  const requestIds = new WeakMap<NodeServerRequest, string>();
  const trustedProxies = new CidrSet(options.trustedProxies ?? []);
  const clientAddressOf = (req: NodeServerRequest) => resolveClientAddress(req.socket?.remoteAddress, req.headers["x-forwarded-for"], trustedProxies);
  const contextValues = (req: NodeServerRequest, edge: CallEdge): ContextValues => {
    const values = createContextValues();
    values.set(requestIdKey, requestIds.get(req) ?? "");
    values.set(peerAddressKey, clientAddressOf(req));
    values.set(callEdgeKey, edge);
    values.set(shutdownSignalKey, options.shutdownSignal);
    return values;
  };
  const rest = options.createRest((req) => contextValues(req, "rest"));
  const pages = options.createPages?.((req) => contextValues(req, "console"));

  return (req, res) => {
    const incoming = req.headers["x-request-id"];
    const requestId = typeof incoming === "string" && ACCEPTED_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    requestIds.set(req, requestId);
    res.setHeader("x-request-id", requestId);

    const path = (req.url ?? "/").split("?", 1)[0];
    const rpc = options.rpcHandlers.get(path);
    const failed = (error: unknown) => {
      options.logger.error({ err: error, request_id: requestId, path }, "request failed outside any handler");
      writeProblem(res, { status: 500, detail: `internal error (request id ${requestId})` });
    };
    if (rpc) {
      const uReq = universalRequestFromNodeRequest(req, res, undefined, contextValues(req, "rpc"));
      rpc(uReq)
        .then(reclassifyDecodeErrors)
        .then((uRes) => universalResponseToNodeResponse(uRes, res))
        .catch((error) => {
          // A client that goes away mid-stream is not an error of ours.
          if ((error as { code?: string })?.code !== "ERR_STREAM_PREMATURE_CLOSE") options.logger.debug({ err: error, request_id: requestId }, "rpc response aborted");
        });
      return;
    }
    if (path === "/metrics" && req.method === "GET") {
      options.metrics.metrics().then((text) => {
        res.writeHead(200, { "content-type": options.metrics.contentType });
        res.end(text);
      }, failed);
      return;
    }
    if (pages?.handles(path)) {
      pages.serve(req, res, clientAddressOf(req)).catch(failed);
      return;
    }
    rest(req, res).catch(failed);
  };
}
