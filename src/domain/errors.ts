// The one error type domain code throws. The errors interceptor maps each kind to a Connect code,
// and the REST transcoder maps that to an HTTP status, so domain code never knows about either.

export type ErrorKind =
  | "invalid_argument" // 400
  | "unauthenticated" // 401
  | "permission_denied" // 403
  | "not_found" // 404
  | "conflict" // 409
  | "failed_precondition" // 409 on REST, FAILED_PRECONDITION on RPC: not yet (e.g. still pending approval)
  | "gone" // 410: expired, deleted, disabled, exhausted
  | "payload_too_large" // 413
  | "unprocessable" // 422: e.g. a simulated transaction reverts
  | "rate_limited" // 429, with retryAfterSeconds
  | "resource_exhausted" // RESOURCE_EXHAUSTED: the caller used up what the server gives one call (e.g. a stream reader too slow)
  | "resource_limit_exceeded" // 403 with the 1Claw problem type of that name
  | "unimplemented" // 501
  | "unavailable"; // 503

export class DomainError extends Error {
  override name = "DomainError";

  /**
   * @param kind what went wrong, in terms a caller can act on
   * @param detail one sentence for the caller; never contains secret material
   * @param options.cause an unexpected failure behind the answer: logged (never sent to the caller)
   */
  constructor(
    readonly kind: ErrorKind,
    readonly detail: string,
    readonly options: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
  }
}
