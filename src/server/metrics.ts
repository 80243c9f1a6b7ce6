// Prometheus metrics, one registry per server so that tests can run many servers in one process.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  rpcDuration: Histogram<"service" | "method" | "protocol" | "code">;
  rpcStarted: Counter<"service" | "method" | "protocol">;
  activeStreams: Gauge<"service" | "method">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "clawkeep_process_" });
  return {
    registry,
    rpcStarted: new Counter({
      name: "clawkeep_rpc_started_total",
      help: "RPCs started, by service, method and protocol (rest, connect, grpc, grpc-web).",
      labelNames: ["service", "method", "protocol"],
      registers: [registry],
    }),
    rpcDuration: new Histogram({
      name: "clawkeep_rpc_duration_seconds",
      help: "Time from the start of an RPC to its last response message, by outcome code.",
      labelNames: ["service", "method", "protocol", "code"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60],
      registers: [registry],
    }),
    activeStreams: new Gauge({
      name: "clawkeep_active_streams",
      help: "Server-streaming RPCs currently open.",
      labelNames: ["service", "method"],
      registers: [registry],
    }),
  };
}
