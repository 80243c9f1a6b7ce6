// Counts and times every call for Prometheus, including how long server streams stay open.
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Metrics } from "../server/metrics.js";
import { observeEnd, protocolOf } from "./call-info.js";

export function metricsInterceptor(metrics: Metrics): Interceptor {
  return (next) => async (req) => {
    const labels = { service: req.service.typeName, method: req.method.name, protocol: protocolOf(req) };
    metrics.rpcStarted.inc(labels);
    const stopTimer = metrics.rpcDuration.startTimer(labels);
    const streaming = req.method.methodKind === "server_streaming";
    const streamLabels = { service: labels.service, method: labels.method };
    if (streaming) metrics.activeStreams.inc(streamLabels);
    const done = (error?: unknown) => {
      stopTimer({ code: error === undefined ? "ok" : codeToString(ConnectError.from(error).code) });
      if (streaming) metrics.activeStreams.dec(streamLabels);
    };
    try {
      return observeEnd(await next(req), done);
    } catch (error) {
      done(error);
      throw error;
    }
  };
}
