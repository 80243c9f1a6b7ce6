// The transports the client speaks: Connect (HTTP/1.1 or HTTP/2), gRPC and gRPC-Web, as
// @connectrpc/connect-node builds them.
import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";

export type Protocol = "connect" | "grpc" | "grpc-web";

export interface TransportOptions {
  baseUrl: string;
  /** Default "connect". gRPC always uses HTTP/2 (h2c for http:// URLs). */
  protocol?: Protocol;
  /** For connect and grpc-web; default "1.1". */
  httpVersion?: "1.1" | "2";
}

export function makeTransport(options: TransportOptions, interceptors: Interceptor[] = []): Transport {
  const { baseUrl, protocol = "connect", httpVersion = "1.1" } = options;
  switch (protocol) {
    case "grpc":
      return createGrpcTransport({ baseUrl, interceptors });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion, interceptors });
    default:
      return createConnectTransport({ baseUrl, httpVersion, interceptors });
  }
}

/**
 * How long before expiry a token is replaced: 60 s, or a third of its lifetime for tokens that
 * live less than three minutes (the server's fleet stream follows the same rule).
 */
export function refreshMarginMs(ttlSeconds: number): number {
  return Math.min(60_000, (ttlSeconds * 1000) / 3);
}
