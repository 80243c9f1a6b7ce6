// Values every handler and interceptor can read from the call's context, set once at the edge.
import { createContextKey } from "@connectrpc/connect";

/** How the call reached us: "rest" for transcoded REST calls, "console" for the console's pages, otherwise the RPC protocol. */
export type Protocol = "rest" | "console" | "connect" | "grpc" | "grpc-web";

export const requestIdKey = createContextKey<string>("", { description: "request id" });
/** The client address: the socket peer, or behind a trusted proxy its X-Forwarded-For hop (client-address.ts). */
export const peerAddressKey = createContextKey<string>("", { description: "peer address" });
/** Which edge of the server a call came through: an RPC protocol, the REST transcoder, or a console page in process. */
export type CallEdge = "rpc" | "rest" | "console";
export const callEdgeKey = createContextKey<CallEdge>("rpc", { description: "the edge the call came through" });
/**
 * Aborted when the server begins a graceful shutdown. Server streams watch it and return cleanly
 * (status OK); unary calls ignore it and are allowed to finish.
 */
export const shutdownSignalKey = createContextKey<AbortSignal>(new AbortController().signal, { description: "server shutdown" });
