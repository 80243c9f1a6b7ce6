// Node request/response types as connect-node's adapter uses them (HTTP/1.1 or HTTP/2).
import type { connectNodeAdapter } from "@connectrpc/connect-node";

export type NodeHandlerFn = ReturnType<typeof connectNodeAdapter>;
export type NodeServerRequest = Parameters<NodeHandlerFn>[0];
export type NodeServerResponse = Parameters<NodeHandlerFn>[1];
