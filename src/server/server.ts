// Composes one Clawkeep server from what main.ts (or a test) built: database, logger, config.
// Nothing here is a module-level singleton, so a test process can run many servers at once.
import type { Logger } from "pino";
import { apiServices, CLAWKEEP_SERVICES } from "../api/services.js";
import type { AppServices } from "../app.js";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import type { EventBus } from "../events/bus.js";
import { authnInterceptor } from "../interceptors/authn.js";
import { errorsInterceptor } from "../interceptors/errors.js";
import { loggingInterceptor } from "../interceptors/logging.js";
import { metricsInterceptor } from "../interceptors/metrics.js";
import { rateLimitInterceptor } from "../interceptors/rate-limit.js";
import { streamLimitInterceptor } from "../interceptors/stream-limit.js";
import { validationInterceptor } from "../interceptors/validation.js";
import { HealthMonitor } from "./health.js";
import { createHttpFront } from "./http-front.js";
import { listen } from "./listener.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { buildRestRoutes } from "./rest/routes.js";
import { createRestTranscoder } from "./rest/transcoder.js";
import { buildRpcHandlers, type RpcRouterOptions } from "./rpc-router.js";
import { Console } from "../web/console/console.js";

export interface ServerDeps {
  config: Config;
  logger: Logger;
  database: Database;
  bus: EventBus;
  app: AppServices;
}

export interface RunningServer {
  port: number;
  url: string;
  /** Graceful stop: refuse new work, end streams, finish in-flight calls. Leaves the database open. */
  close(): Promise<void>;
}

/** The services and interceptor chain of one server; tests mount the same on createRouterTransport. */
export function rpcOptions(parts: { config: Config; logger: Logger; health: HealthMonitor; metrics: Metrics; app: AppServices }): RpcRouterOptions {
  const { config, logger, health, metrics, app } = parts;
  return {
    services: apiServices({ health, app }),
    health,
    maxRequestBytes: config.maxRequestBytes,
    maxTimeoutMs: config.requestTimeoutMs,
    // Outermost first. Rate limiting runs before authentication so that a flood of bad
    // credentials is refused before we spend time verifying them.
    interceptors: [
      loggingInterceptor(logger),
      metricsInterceptor(metrics),
      errorsInterceptor(logger),
      rateLimitInterceptor({ perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst }),
      streamLimitInterceptor(),
      authnInterceptor(app.verifiers, (principal, address) => app.ipRuleGate.assertAdmitted(principal, address)),
      validationInterceptor(),
    ],
  };
}

export async function startServer(deps: ServerDeps): Promise<RunningServer> {
  const { config, logger } = deps;
  const health = new HealthMonitor(() => deps.database.ping());
  const metrics = createMetrics();
  const shutdown = new AbortController();

  const rpcHandlers = buildRpcHandlers(rpcOptions({ config, logger, health, metrics, app: deps.app }));
  const restRoutes = buildRestRoutes(CLAWKEEP_SERVICES);
  const front = createHttpFront({
    rpcHandlers,
    metrics: metrics.registry,
    logger,
    shutdownSignal: shutdown.signal,
    trustedProxies: config.trustedProxies,
    createPages: (contextValues) =>
      new Console({
        rpcHandlers,
        contextValues,
        csrfKey: deps.app.consoleCsrfKey,
        publicUrl: config.publicUrl,
        apiRateLimit: { perSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst },
        logger,
      }),
    createRest: (contextValues) => createRestTranscoder({ routes: restRoutes, handlers: rpcHandlers, maxBodyBytes: config.maxRequestBytes, contextValues }),
  });
  const listener = await listen(front, { port: config.port, host: config.host, requestTimeoutMs: config.requestTimeoutMs });
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  logger.info({ port: listener.port, database: deps.database.kind }, "clawkeep listening");

  return {
    port: listener.port,
    url: `http://${host}:${listener.port}`,
    async close() {
      health.beginShutdown();
      shutdown.abort();
      await listener.close(config.shutdownGraceMs);
      logger.info("clawkeep stopped serving");
    },
  };
}
