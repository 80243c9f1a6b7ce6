// Bounds the server streams open at once (WatchAuditEvents, WatchEnrollments, WatchFleetTokens,
// grpc.health.v1.Health/Watch): each holds memory and wake-ups for as long as it lives, so a
// client opening thousands would otherwise grow the server without limit. Past either bound the
// call is refused at once with resource_exhausted (429 over REST-like clients), before any work.
import type { Interceptor } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";
import { peerAddressKey } from "../server/context.js";

export interface StreamLimits {
  /** Streams open at once on this server. */
  total: number;
  /** Streams open at once per client address. */
  perAddress: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { total: 2000, perAddress: 100 };

export function streamLimitInterceptor(limits: StreamLimits = DEFAULT_STREAM_LIMITS): Interceptor {
  let open = 0;
  const byAddress = new Map<string, number>();
  return (next) => async (req) => {
    if (req.method.methodKind === "unary") return next(req);
    const address = req.contextValues.get(peerAddressKey) || "unknown";
    const mine = byAddress.get(address) ?? 0;
    if (open >= limits.total) throw new DomainError("rate_limited", `this server has ${limits.total} streams open, its limit; retry later`, { retryAfterSeconds: 5 });
    if (mine >= limits.perAddress) throw new DomainError("rate_limited", `this address has ${limits.perAddress} streams open, the most allowed; close one first`, { retryAfterSeconds: 5 });
    open++;
    byAddress.set(address, mine + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      open--;
      const left = (byAddress.get(address) ?? 1) - 1;
      if (left > 0) byAddress.set(address, left);
      else byAddress.delete(address);
    };
    try {
      const res = await next(req);
      if (!res.stream) {
        release();
        return res;
      }
      const source = res.message;
      async function* counted() {
        try {
          yield* source;
        } finally {
          release();
        }
      }
      return { ...res, message: counted() };
    } catch (error) {
      release();
      throw error;
    }
  };
}
