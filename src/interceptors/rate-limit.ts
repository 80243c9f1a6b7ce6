// A token bucket per client address for every call, so that one noisy or hostile caller cannot
// starve the others. Specific limits (login failures, enrollment, key exchange) live with the
// capability that needs them; this is the floor under all of them.
import type { Interceptor } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";
import { TokenBuckets, type RateLimitOptions } from "../domain/token-buckets.js";
import { peerAddressKey } from "../server/context.js";

export function rateLimitInterceptor(options: RateLimitOptions): Interceptor {
  const buckets = new TokenBuckets(options);
  return (next) => async (req) => {
    const wait = buckets.take(req.contextValues.get(peerAddressKey) || "unknown");
    if (wait > 0) {
      throw new DomainError("rate_limited", `too many requests from this address; retry in ${wait} s`, { retryAfterSeconds: wait });
    }
    return next(req);
  };
}
