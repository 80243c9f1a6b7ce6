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
  /**
   * HTTP/2 only: PING an open connection that received nothing for this long, and close it (and
   * its streams, which then fail) when the PING is not answered within `pingTimeoutMs` (default
   * 15 s). A long-lived stream needs it to notice a connection that died without a word.
   */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
}

export function makeTransport(options: TransportOptions, interceptors: Interceptor[] = []): Transport {
  const { baseUrl, protocol = "connect", httpVersion = "1.1", pingIntervalMs, pingTimeoutMs } = options;
  const ping = pingIntervalMs === undefined ? {} : { pingIntervalMs, pingTimeoutMs };
  switch (protocol) {
    case "grpc":
      return createGrpcTransport({ baseUrl, interceptors, ...ping });
    case "grpc-web":
      return httpVersion === "2" ? createGrpcWebTransport({ baseUrl, httpVersion, interceptors, ...ping }) : createGrpcWebTransport({ baseUrl, httpVersion, interceptors });
    default:
      return httpVersion === "2" ? createConnectTransport({ baseUrl, httpVersion, interceptors, ...ping }) : createConnectTransport({ baseUrl, httpVersion, interceptors });
  }
}

/**
 * How long before expiry a token is replaced: 60 s, or a third of its lifetime for tokens that
 * live less than three minutes (the server's fleet stream follows the same rule).
 */
export function refreshMarginMs(ttlSeconds: number): number {
  return Math.min(60_000, (ttlSeconds * 1000) / 3);
}
