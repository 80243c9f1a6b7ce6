// Tier-2 harness: the real routes and interceptor chain of a Clawkeep server, mounted on
// createRouterTransport, so RPCs run in memory without sockets, on a fresh embedded database
// (or PostgreSQL database, with DATABASE_URL) per file.
//
// Opening the database and the application services is the expensive part (seconds), so each
// file opens one harness in beforeAll and closes it in afterAll. `mount` builds further servers
// on the same database and services for free: each has its own transport, health monitor,
// metrics, logger and rate-limit buckets, as separate server processes would.
import type { DescMethod, DescMethodStreaming, DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { ConnectError, createRouterTransport, type Interceptor, type Transport } from "@connectrpc/connect";
import { pino, type Logger } from "pino";
import type { AppServices } from "../../src/app.js";
import { loadConfig, type Config } from "../../src/config.js";
import type { Database } from "../../src/db/database.js";
import type { EventBus } from "../../src/events/bus.js";
import { ErrorDetailSchema } from "../../gen/ts/clawkeep/v1/errors_pb.js";
import { httpStatusFromCode } from "../../src/server/error-mapping.js";
import { HealthMonitor } from "../../src/server/health.js";
import { createMetrics, type Metrics } from "../../src/server/metrics.js";
import { registerRoutes, routerOptions, type RpcRouterOptions } from "../../src/server/rpc-router.js";
import { peerAddressKey } from "../../src/server/context.js";
import { rpcOptions } from "../../src/server/server.js";
import { openTestApp } from "../support/app.js";

/** One in-memory server: routes and interceptors over the harness's database and services. */
export interface MountedServer {
  transport: Transport;
  options: RpcRouterOptions;
  metrics: Metrics;
  health: HealthMonitor;
}

export interface Harness extends MountedServer {
  config: Config;
  database: Database;
  bus: EventBus;
  app: AppServices;
  /** Another server on the same database and services; `env` adds to the harness's. */
  mount(options?: MountOptions): MountedServer;
  /** Closes the bus and the database and drops the database. */
  close(): Promise<void>;
}

export interface MountOptions {
  env?: Record<string, string>;
  probe?: () => Promise<void>;
  /** Receives the server's log lines (one per call); silent by default. */
  logger?: Logger;
  /** Replace the interceptor chain built by rpcOptions (e.g. to authenticate with a test verifier). */
  interceptors?: (built: RpcRouterOptions["interceptors"]) => RpcRouterOptions["interceptors"];
}

export type HarnessOptions = MountOptions;

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const testApp = await openTestApp({ env: options.env });
  const { config, database, bus, app } = testApp;
  const mount = (more: MountOptions = {}): MountedServer => {
    const health = new HealthMonitor(more.probe ?? (async () => {}));
    const metrics = createMetrics();
    const built = rpcOptions({ config: loadConfig({ ...testApp.env, ...more.env }), logger: more.logger ?? pino({ level: "silent" }), health, metrics, app });
    const opts = more.interceptors ? { ...built, interceptors: more.interceptors(built.interceptors) } : built;
    const transport = createRouterTransport((router) => registerRoutes(router, opts), { router: routerOptions(opts) });
    return { transport, options: opts, metrics, health };
  };
  return {
    ...mount(options),
    config,
    database,
    bus,
    app,
    mount,
    close: testApp.close,
  };
}

export type Outcome = { ok: true; messages: unknown[] } | { ok: false; error: ConnectError };

/** Calls any method (unary or server-streaming) and returns its messages or its error. */
export async function invoke(
  transport: Transport,
  method: DescMethod,
  input: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  /** A deadline, for streams that would otherwise run until the server shuts down. */
  timeoutMs?: number,
): Promise<Outcome> {
  try {
    if (method.methodKind === "unary") {
      const res = await transport.unary(method as DescMethodUnary, undefined, timeoutMs, headers, input);
      return { ok: true, messages: [res.message] };
    }
    if (method.methodKind !== "server_streaming") throw new Error(`${method.name}: only unary and server-streaming methods are served`);
    const res = await transport.stream(method as DescMethodStreaming, undefined, timeoutMs, headers, (async function* () {
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

/** The REST status an RPC error stands for: the ErrorDetail's when present, else the code's. */
export function httpStatusOf(error: ConnectError): number {
  const [detail] = error.findDetails(ErrorDetailSchema);
  return detail?.httpStatus || httpStatusFromCode(error.code);
}

/** Runs `call`, which must fail, and returns its error as a ConnectError. */
export async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("the call succeeded but was expected to fail");
}

/** Runs `call`, which must fail, and returns its REST status and detail. */
export async function statusOf(call: Promise<unknown>): Promise<[number, string]> {
  const error = await rejection(call);
  return [httpStatusOf(error), error.rawMessage];
}

/** Generous limits so that exhaustive tests never meet the rate limiter by accident. */
export { NO_RATE_LIMIT } from "../support/rate-limit.js";

/**
 * The in-memory transport has no client address: with this interceptor first in the chain, calls
 * that send x-test-peer come from that address, the others from none.
 */
export const peerFromHeader: Interceptor = (next) => (req) => {
  const peer = req.header.get("x-test-peer");
  if (peer) req.contextValues.set(peerAddressKey, peer);
  return next(req);
};
