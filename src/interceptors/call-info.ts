// Small helpers interceptors share to describe a call without touching its payload.
import type { StreamResponse, UnaryRequest, StreamRequest, UnaryResponse } from "@connectrpc/connect";
import { callEdgeKey, type Protocol } from "../server/context.js";

export function protocolOf(req: UnaryRequest | StreamRequest): Protocol {
  const edge = req.contextValues.get(callEdgeKey);
  if (edge !== "rpc") return edge;
  const contentType = req.header.get("content-type") ?? "";
  if (contentType.startsWith("application/grpc-web")) return "grpc-web";
  if (contentType.startsWith("application/grpc")) return "grpc";
  return "connect";
}

/**
 * Calls `onEnd` once, when a unary response is produced or a server stream finishes or fails,
 * passing the error if there was one. Streams are wrapped, never buffered.
 */
export function observeEnd<R extends UnaryResponse | StreamResponse>(res: R, onEnd: (error?: unknown) => void): R {
  if (!res.stream) {
    onEnd();
    return res;
  }
  const source = res.message;
  async function* observed() {
    try {
      yield* source;
      onEnd();
    } catch (error) {
      onEnd(error);
      throw error;
    }
  }
  return { ...res, message: observed() } as R;
}
