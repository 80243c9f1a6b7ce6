// Maps what handlers throw to what callers see: DomainError kinds become Connect codes (with an
// ErrorDetail for 410/413/422/429); anything unexpected is logged here and reaches the caller as
// a bare "internal error" naming the request id, so no internals or secrets leak.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { DomainError } from "../domain/errors.js";
import { connectErrorFromDomain } from "../server/error-mapping.js";
import { isDatabaseUnavailable } from "../db/unavailable.js";
import { requestIdKey } from "../server/context.js";
import { reclassifyDecodeError } from "../server/decode-errors.js";

/** While the database is away, one warning per this many milliseconds, not one per request. */
const UNAVAILABLE_LOG_EVERY_MS = 5000;

export function errorsInterceptor(logger: Logger): Interceptor {
  let unavailableLoggedAt = 0;
  return (next) => async (req) => {
    const translate = (error: unknown): ConnectError => {
      const requestId = req.contextValues.get(requestIdKey);
      if (error instanceof DomainError) {
        // An answer chosen for an unexpected failure (e.g. a read refused because its audit event
        // could not be written): the caller gets the sentence, the log the failure.
        if (error.cause !== undefined) logger.error({ err: error.cause, request_id: requestId, rpc: req.method.name }, error.detail);
        return connectErrorFromDomain(error);
      }
      if (error instanceof ConnectError) return reclassifyDecodeError(error);
      if (isDatabaseUnavailable(error)) {
        if (Date.now() - unavailableLoggedAt > UNAVAILABLE_LOG_EVERY_MS) {
          unavailableLoggedAt = Date.now();
          logger.warn({ err: error, request_id: requestId, rpc: req.method.name }, "the database is unavailable; answering 503 until it is back");
        }
        return connectErrorFromDomain(new DomainError("unavailable", "the database is unavailable right now; retry in a moment", { retryAfterSeconds: 1 }));
      }
      logger.error({ err: error, request_id: requestId, rpc: req.method.name }, "unexpected error in handler");
      return new ConnectError(`internal error (request id ${requestId})`, Code.Internal);
    };
    let res;
    try {
      res = await next(req);
    } catch (error) {
      throw translate(error);
    }
    if (!res.stream) return res;
    const source = res.message;
    async function* translated() {
      try {
        yield* source;
      } catch (error) {
        throw translate(error);
      }
    }
    return { ...res, message: translated() };
  };
}
