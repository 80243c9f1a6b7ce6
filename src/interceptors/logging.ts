// One structured log line per call: which RPC, how it came in, how it ended and how long it took.
// Never the request or response messages, never headers: they carry secrets and credentials.
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import { peerAddressKey, requestIdKey } from "../server/context.js";
import { observeEnd, protocolOf } from "./call-info.js";

export function loggingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const started = performance.now();
    const fields = {
      request_id: req.contextValues.get(requestIdKey),
      rpc: `${req.service.typeName}/${req.method.name}`,
      protocol: protocolOf(req),
      peer: req.contextValues.get(peerAddressKey),
    };
    const done = (error?: unknown) => {
      const code = error === undefined ? "ok" : codeName(error);
      const level = code === "internal" || code === "unknown" ? "error" : "info";
      logger[level]({ ...fields, code, duration_ms: Math.round((performance.now() - started) * 10) / 10 }, "rpc");
    };
    try {
      return observeEnd(await next(req), done);
    } catch (error) {
      done(error);
      throw error;
    }
  };
}

function codeName(error: unknown): string {
  return codeToString(ConnectError.from(error).code);
}
