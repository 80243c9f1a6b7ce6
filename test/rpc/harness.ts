// Tier-2 harness: the real routes and interceptor chain of a Clawkeep server, mounted on
// createRouterTransport, so RPCs run in memory without sockets or a database.
import type { DescMethod, DescMethodStreaming, DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { ConnectError, createRouterTransport, type Transport } from "@connectrpc/connect";
import { pino, type Logger } from "pino";
import { loadConfig } from "../../src/config.js";
import { HealthMonitor } from "../../src/server/health.js";
import { createMetrics, type Metrics } from "../../src/server/metrics.js";
import { registerRoutes, routerOptions, type RpcRouterOptions } from "../../src/server/rpc-router.js";
import { rpcOptions } from "../../src/server/server.js";

export interface Harness {
  transport: Transport;
  options: RpcRouterOptions;
  metrics: Metrics;
  health: HealthMonitor;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  probe?: () => Promise<void>;
  logger?: Logger;
  /** Replace the interceptor chain built by rpcOptions (e.g. to authenticate with a test verifier). */
  interceptors?: (built: RpcRouterOptions["interceptors"]) => RpcRouterOptions["interceptors"];
}

export function createHarness(options: HarnessOptions = {}): Harness {
  const health = new HealthMonitor(options.probe ?? (async () => {}));
  const metrics = createMetrics();
  const built = rpcOptions({ config: loadConfig(options.env ?? {}), logger: options.logger ?? pino({ level: "silent" }), health, metrics });
  const opts = options.interceptors ? { ...built, interceptors: options.interceptors(built.interceptors) } : built;
  const transport = createRouterTransport((router) => registerRoutes(router, opts), { router: routerOptions(opts) });
  return { transport, options: opts, metrics, health };
}

export type Outcome = { ok: true; messages: unknown[] } | { ok: false; error: ConnectError };

/** Calls any method (unary or server-streaming) and returns its messages or its error. */
export async function invoke(transport: Transport, method: DescMethod, input: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Outcome> {
  try {
    if (method.methodKind === "unary") {
      const res = await transport.unary(method as DescMethodUnary, undefined, undefined, headers, input);
      return { ok: true, messages: [res.message] };
    }
    if (method.methodKind !== "server_streaming") throw new Error(`${method.name}: only unary and server-streaming methods are served`);
    const res = await transport.stream(method as DescMethodStreaming, undefined, undefined, headers, (async function* () {
      yield input;
    })());
    const messages: unknown[] = [];
    for await (const message of res.message) messages.push(message);
    return { ok: true, messages };
  } catch (error) {
    return { ok: false, error: ConnectError.from(error) };
  }
}

/** Calls a method that must fail and returns its error. */
export async function failure(transport: Transport, method: DescMethod, input: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<ConnectError> {
  const outcome = await invoke(transport, method, input, headers);
  if (outcome.ok) throw new Error(`${method.parent.name}.${method.name} succeeded but was expected to fail`);
  return outcome.error;
}

export function methodsOf(services: DescService[]): { label: string; method: DescMethod }[] {
  return services.flatMap((service) => service.methods.map((method) => ({ label: `${service.name}.${method.name}`, method })));
}

/** Generous limits so that exhaustive tests never meet the rate limiter by accident. */
export const NO_RATE_LIMIT = { CLAWKEEP_RATE_LIMIT_BURST: "1000000", CLAWKEEP_RATE_LIMIT_PER_SECOND: "1000000" };
