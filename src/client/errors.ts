// Typed errors of the Clawkeep client. Every error a call raises is a ConnectError (code, rawMessage
// and details as Connect gives them); the common cases are subclasses a caller can test for.
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/ts/clawkeep/v1/errors_pb.js";

export class ClawkeepError extends ConnectError {

  // `name` stays "ConnectError": Connect recognises its errors by it and would wrap ours otherwise.

  /**
   * ConnectError answers `instanceof` for anything shaped like a ConnectError, and subclasses
   * inherit that; these classes answer by their prototype chain, so `instanceof NotFoundError`
   * means exactly that.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
  /** The REST status the server gave this error (e.g. 410, 429), when it gave one. */
  readonly httpStatus: number;

  constructor(from: ConnectError, httpStatus = 0) {
    super(from.rawMessage, from.code, from.metadata, undefined, from.cause);
    this.httpStatus = httpStatus;
  }
}

/** 401: the API key or token is unknown, wrong, expired or revoked. */
export class UnauthenticatedError extends ClawkeepError {
}
/** 403: the caller may not do this. */
export class PermissionDeniedError extends ClawkeepError {
}
/** 404: no such vault, secret, agent, ... (or not one the caller may see). */
export class NotFoundError extends ClawkeepError {
}
/** 410: expired, deleted, disabled or exhausted. */
export class GoneError extends ClawkeepError {
}
/** 429: slow down; `retryAfterSeconds` says for how long (0 when the server did not say). */
export class RateLimitedError extends ClawkeepError {
  constructor(
    from: ConnectError,
    httpStatus: number,
    readonly retryAfterSeconds: number,
  ) {
    super(from, httpStatus);
  }
}

/** The typed error for any error a call raised; errors that are not Connect errors pass through. */
export function typedError(error: unknown): unknown {
  if (error instanceof ClawkeepError || !(error instanceof ConnectError)) return error;
  const [detail] = error.findDetails(ErrorDetailSchema);
  const httpStatus = detail?.httpStatus ?? 0;
  if (httpStatus === 410) return new GoneError(error, httpStatus);
  if (httpStatus === 429 || (error.code === Code.ResourceExhausted && (detail?.retryAfterSeconds ?? 0) > 0)) {
    return new RateLimitedError(error, 429, detail?.retryAfterSeconds ?? 0);
  }
  switch (error.code) {
    case Code.Unauthenticated:
      return new UnauthenticatedError(error, 401);
    case Code.PermissionDenied:
      return new PermissionDeniedError(error, httpStatus || 403);
    case Code.NotFound:
      return new NotFoundError(error, 404);
    default:
      return new ClawkeepError(error, httpStatus);
  }
}
