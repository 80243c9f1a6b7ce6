// HealthService: GET /v1/health for REST callers.
import type { ServiceImpl } from "@connectrpc/connect";
import type { HealthService } from "../../gen/ts/clawkeep/v1/health_pb.js";
import type { HealthMonitor } from "../server/health.js";
import { VERSION } from "../version.js";

export function healthService(monitor: HealthMonitor): Partial<ServiceImpl<typeof HealthService>> {
  return {
    async getHealth() {
      return { status: (await monitor.isHealthy()) ? "healthy" : "degraded", version: VERSION };
    },
  };
}
