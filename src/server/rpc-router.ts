// The Connect router: every Clawkeep service plus reflection and gRPC health, behind the one
// interceptor chain. The HTTP front and the REST transcoder share its per-method handlers;
// tier-2 tests mount the same routes on createRouterTransport.
import type { DescService } from "@bufbuild/protobuf";
import { createConnectRouter, type ConnectRouter, type ConnectRouterOptions, type Interceptor } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { Health } from "../../gen/ts/grpc/health/v1/health_pb.js";
import type { ServiceRegistration } from "../api/services.js";
import { registerGrpcHealth, type HealthMonitor } from "./health.js";
import { Access, accessOf } from "./method-options.js";
import { registerReflection } from "./reflection.js";

export interface RpcRouterOptions {
  services: ServiceRegistration[];
  interceptors: Interceptor[];
  health: HealthMonitor;
  maxRequestBytes: number;
  maxTimeoutMs: number;
}

export function routerOptions(options: RpcRouterOptions): Partial<ConnectRouterOptions> {
  return {
    interceptors: options.interceptors,
    acceptCompression: [compressionGzip, compressionBrotli],
    readMaxBytes: options.maxRequestBytes,
    maxTimeoutMs: options.maxTimeoutMs,
    // Proto field names (snake_case) and implicit defaults on the wire, as 1Claw's JSON has them;
    // unknown fields are ignored because clients send extras.
    jsonOptions: { useProtoFieldName: true, alwaysEmitImplicit: true, ignoreUnknownFields: true },
  };
}

export function registerRoutes(router: ConnectRouter, options: RpcRouterOptions): void {
  assertAccessDeclared(options.services.map((s) => s.service));
  for (const { service, impl } of options.services) router.service(service, impl);
  const names = options.services.map((s) => s.service);
  registerReflection(router, [...names, Health]);
  registerGrpcHealth(router, options.health, names.map((s) => s.typeName));
}

export function buildRpcHandlers(options: RpcRouterOptions): Map<string, UniversalHandler> {
  const router = createConnectRouter(routerOptions(options));
  registerRoutes(router, options);
  return new Map(router.handlers.map((h) => [h.requestPath, h]));
}

/** Every RPC must say who may call it; a method without the option is a contract bug. */
function assertAccessDeclared(services: DescService[]): void {
  const missing = services.flatMap((s) => s.methods.filter((m) => accessOf(m) === Access.UNSPECIFIED).map((m) => `${s.typeName}.${m.name}`));
  if (missing.length > 0) throw new Error(`these RPCs do not declare option (clawkeep.v1.access): ${missing.join(", ")}`);
}
