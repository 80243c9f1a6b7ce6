// Serving health, shared by grpc.health.v1.Health and GET /v1/health: healthy while the database
// answers and the server is not shutting down.
import { EventEmitter, once } from "node:events";
import type { ConnectRouter } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/ts/grpc/health/v1/health_pb.js";

const PROBE_CACHE_MS = 1000;
const WATCH_RECHECK_MS = 5000;

export class HealthMonitor {
  private shuttingDown = false;
  private lastProbe = { at: 0, ok: false };
  private probing: Promise<boolean> | undefined;
  private readonly changes = new EventEmitter();

  constructor(private readonly probeDatabase: () => Promise<void>) {
    this.changes.setMaxListeners(0);
  }

  async isHealthy(): Promise<boolean> {
    if (this.shuttingDown) return false;
    if (Date.now() - this.lastProbe.at <= PROBE_CACHE_MS) return this.lastProbe.ok;
    // Callers arriving while a probe runs share it, so a burst of checks costs one query.
    this.probing ??= this.probeDatabase()
      .then(
        () => true,
        () => false,
      )
      .then((ok) => {
        this.lastProbe = { at: Date.now(), ok };
        this.probing = undefined;
        return ok;
      });
    return this.probing;
  }

  /** Marks the server as going away; watchers see NOT_SERVING and their streams end. */
  beginShutdown(): void {
    this.shuttingDown = true;
    this.changes.emit("change");
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Resolves on the next change, after `ms`, or when `signal` aborts, whichever is first. */
  async nextChange(ms: number, signal: AbortSignal): Promise<void> {
    const timer = AbortSignal.timeout(ms);
    await once(this.changes, "change", { signal: AbortSignal.any([timer, signal]) }).catch(() => undefined);
  }
}

export function registerGrpcHealth(router: ConnectRouter, monitor: HealthMonitor, serviceNames: string[]): void {
  const known = new Set(["", ...serviceNames]);
  const statusOf = async (service: string) => {
    if (!known.has(service)) throw new DomainError("not_found", `unknown service "${service}"`);
    return (await monitor.isHealthy()) ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  };
  router.service(Health, {
    async check(req) {
      return { status: await statusOf(req.service) };
    },
    async *watch(req, ctx) {
      if (!known.has(req.service)) {
        // The health protocol answers SERVICE_UNKNOWN in the stream rather than failing Watch.
        yield { status: ServingStatus.SERVICE_UNKNOWN };
        return;
      }
      let last: ServingStatus | undefined;
      while (!ctx.signal.aborted) {
        const status = await statusOf(req.service);
        if (status !== last) {
          yield { status };
          last = status;
        }
        if (monitor.isShuttingDown) return;
        await monitor.nextChange(WATCH_RECHECK_MS, ctx.signal);
      }
    },
  });
}
