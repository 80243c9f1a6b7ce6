// The two translations every protocol shares: domain error kinds to Connect errors (used by the
// errors interceptor) and Connect codes to HTTP statuses (used by the REST transcoder).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema } from "../../gen/ts/clawkeep/v1/errors_pb.js";
import type { DomainError, ErrorKind } from "../domain/errors.js";

interface KindMapping {
  code: Code;
  /** Set when the REST status differs from the code's default. */
  httpStatus?: number;
  type?: string;
}

const KINDS: Record<ErrorKind, KindMapping> = {
  invalid_argument: { code: Code.InvalidArgument },
  unauthenticated: { code: Code.Unauthenticated },
  permission_denied: { code: Code.PermissionDenied },
  not_found: { code: Code.NotFound },
  conflict: { code: Code.AlreadyExists },
  failed_precondition: { code: Code.FailedPrecondition, httpStatus: 409 },
  gone: { code: Code.FailedPrecondition, httpStatus: 410 },
  payload_too_large: { code: Code.ResourceExhausted, httpStatus: 413 },
  unprocessable: { code: Code.FailedPrecondition, httpStatus: 422 },
  rate_limited: { code: Code.ResourceExhausted, httpStatus: 429 },
  resource_exhausted: { code: Code.ResourceExhausted },
  resource_limit_exceeded: { code: Code.PermissionDenied, httpStatus: 403, type: "resource_limit_exceeded" },
  unimplemented: { code: Code.Unimplemented },
  unavailable: { code: Code.Unavailable },
};

export function connectErrorFromDomain(error: DomainError): ConnectError {
  const mapping = KINDS[error.kind];
  const retryAfterSeconds = error.options.retryAfterSeconds ?? 0;
  const details =
    mapping.httpStatus || mapping.type || retryAfterSeconds
      ? [
          {
            desc: ErrorDetailSchema,
            value: create(ErrorDetailSchema, {
              httpStatus: mapping.httpStatus ?? 0,
              type: mapping.type ?? "",
              retryAfterSeconds,
            }),
          },
        ]
      : [];
  return new ConnectError(error.detail, mapping.code, undefined, details);
}

const HTTP_STATUS: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

export function httpStatusFromCode(code: Code): number {
  return HTTP_STATUS[code] ?? 500;
}
