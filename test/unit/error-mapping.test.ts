// Domain error kinds → Connect codes (errors interceptor) → HTTP statuses and problem details
// (REST transcoder), including the ErrorDetail that carries 410, 413, 422, 429 and problem types.
import { Readable } from "node:stream";
import { EventEmitter } from "node:events";
import { Code, ConnectError, createConnectRouter, createContextValues } from "@connectrpc/connect";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ErrorDetailSchema } from "../../gen/ts/clawkeep/v1/errors_pb.js";
import { HealthService } from "../../gen/ts/clawkeep/v1/health_pb.js";
import { DomainError, type ErrorKind } from "../../src/domain/errors.js";
import { errorsInterceptor } from "../../src/interceptors/errors.js";
import { connectErrorFromDomain, httpStatusFromCode } from "../../src/server/error-mapping.js";
import type { NodeServerRequest, NodeServerResponse } from "../../src/server/node-types.js";
import { buildRestRoutes } from "../../src/server/rest/routes.js";
import { createRestTranscoder } from "../../src/server/rest/transcoder.js";

interface Expectation {
  code: Code;
  status: number;
  type?: string;
}

const KINDS: Record<ErrorKind, Expectation> = {
  invalid_argument: { code: Code.InvalidArgument, status: 400 },
  unauthenticated: { code: Code.Unauthenticated, status: 401 },
  permission_denied: { code: Code.PermissionDenied, status: 403 },
  not_found: { code: Code.NotFound, status: 404 },
  conflict: { code: Code.AlreadyExists, status: 409 },
  failed_precondition: { code: Code.FailedPrecondition, status: 409 },
  gone: { code: Code.FailedPrecondition, status: 410 },
  payload_too_large: { code: Code.ResourceExhausted, status: 413 },
  unprocessable: { code: Code.FailedPrecondition, status: 422 },
  rate_limited: { code: Code.ResourceExhausted, status: 429 },
  resource_exhausted: { code: Code.ResourceExhausted, status: 429 },
  resource_limit_exceeded: { code: Code.PermissionDenied, status: 403, type: "resource_limit_exceeded" },
  unimplemented: { code: Code.Unimplemented, status: 501 },
  unavailable: { code: Code.Unavailable, status: 503 },
};
const KIND_CASES = Object.entries(KINDS) as [ErrorKind, Expectation][];

/** The REST status the transcoder derives: the ErrorDetail's status when set, else the code's. */
function restStatusOf(error: ConnectError): number {
  const [detail] = error.findDetails(ErrorDetailSchema);
  return detail?.httpStatus || httpStatusFromCode(error.code);
}

describe("connectErrorFromDomain", () => {
  it.each(KIND_CASES)("maps %s to its code, keeping the detail sentence", (kind, expected) => {
    const error = connectErrorFromDomain(new DomainError(kind, "the vault does not exist"));
    expect(error).toBeInstanceOf(ConnectError);
    expect(error.code).toBe(expected.code);
    expect(error.rawMessage).toBe("the vault does not exist");
    expect(restStatusOf(error)).toBe(expected.status);
  });

  it("attaches an ErrorDetail for 409 (failed precondition), 410, 413, 422, 429 and problem types, and none otherwise", () => {
    const withDetail = new Set<ErrorKind>(["failed_precondition", "gone", "payload_too_large", "unprocessable", "rate_limited", "resource_limit_exceeded"]);
    for (const [kind, expected] of KIND_CASES) {
      const details = connectErrorFromDomain(new DomainError(kind, "x")).findDetails(ErrorDetailSchema);
      const needed = withDetail.has(kind);
      // Whenever the REST status differs from the code's default, the detail must carry it.
      if (expected.status !== httpStatusFromCode(expected.code) || expected.type) expect(needed, kind).toBe(true);
      expect(details, kind).toHaveLength(needed ? 1 : 0);
      if (needed) {
        expect(details[0].httpStatus, kind).toBe(expected.status);
        expect(details[0].type, kind).toBe(expected.type ?? "");
        expect(details[0].retryAfterSeconds, kind).toBe(0);
      }
    }
  });

  it("maps gone to 410, payload_too_large to 413 and unprocessable to 422 through the detail", () => {
    expect(connectErrorFromDomain(new DomainError("gone", "the secret expired")).findDetails(ErrorDetailSchema)[0]?.httpStatus).toBe(410);
    expect(connectErrorFromDomain(new DomainError("payload_too_large", "too big")).findDetails(ErrorDetailSchema)[0]?.httpStatus).toBe(413);
    expect(connectErrorFromDomain(new DomainError("unprocessable", "reverted")).findDetails(ErrorDetailSchema)[0]?.httpStatus).toBe(422);
  });

  it("carries retry_after_seconds for rate_limited", () => {
    const error = connectErrorFromDomain(new DomainError("rate_limited", "slow down", { retryAfterSeconds: 7 }));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.findDetails(ErrorDetailSchema)).toEqual([expect.objectContaining({ httpStatus: 429, type: "", retryAfterSeconds: 7 })]);
  });

  it("carries the resource_limit_exceeded problem type with 403", () => {
    const error = connectErrorFromDomain(new DomainError("resource_limit_exceeded", "vault limit reached"));
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.findDetails(ErrorDetailSchema)).toEqual([expect.objectContaining({ httpStatus: 403, type: "resource_limit_exceeded", retryAfterSeconds: 0 })]);
  });

  it("keeps retry_after_seconds for a kind whose status is the code's default", () => {
    const error = connectErrorFromDomain(new DomainError("unavailable", "database restarting", { retryAfterSeconds: 3 }));
    expect(error.code).toBe(Code.Unavailable);
    expect(error.findDetails(ErrorDetailSchema)).toEqual([expect.objectContaining({ httpStatus: 0, retryAfterSeconds: 3 })]);
    expect(restStatusOf(error)).toBe(503);
  });
});

describe("httpStatusFromCode", () => {
  const EXPECTED: Record<Code, number> = {
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
  const codes = Object.values(Code).filter((c): c is Code => typeof c === "number");

  it("covers all 16 Connect codes", () => {
    expect(codes).toHaveLength(16);
    expect(Object.keys(EXPECTED).map(Number).sort((a, b) => a - b)).toEqual([...codes].sort((a, b) => a - b));
  });

  it.each(codes.map((c) => [Code[c], c] as const))("maps %s to its HTTP status", (_, code) => {
    expect(httpStatusFromCode(code)).toBe(EXPECTED[code]);
  });

  it("answers 500 for a code it does not know", () => {
    expect(httpStatusFromCode(99 as Code)).toBe(500);
    expect(httpStatusFromCode(0 as Code)).toBe(500);
  });
});

// The transcoder end of the chain: a handler throws, the errors interceptor translates, and the
// transcoder writes the problem. Requests and responses are minimal in-memory stand-ins.
describe("REST problems from handler errors", () => {
  let thrown: unknown;
  const logged: string[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => logged.push(line) });
  const router = createConnectRouter({ interceptors: [errorsInterceptor(logger)], jsonOptions: { useProtoFieldName: true, alwaysEmitImplicit: true } });
  router.service(HealthService, {
    async getHealth() {
      throw thrown;
    },
  });
  const transcode = createRestTranscoder({
    routes: buildRestRoutes([HealthService]),
    handlers: new Map(router.handlers.map((h) => [h.requestPath, h])),
    maxBodyBytes: 1024,
    contextValues: () => createContextValues(),
  });

  async function call(error: unknown): Promise<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }> {
    thrown = error;
    const req = Object.assign(Readable.from([]), { method: "GET", url: "/v1/health", headers: { authorization: "Bearer x" } });
    const emitter = new EventEmitter();
    const res = Object.assign(emitter, {
      headersSent: false,
      writableFinished: false,
      status: 0,
      headers: {} as Record<string, string>,
      body: "",
      writeHead(status: number, headers: Record<string, string>) {
        this.status = status;
        this.headers = headers;
        this.headersSent = true;
        return this;
      },
      end(body?: string) {
        this.body = body ?? "";
        this.writableFinished = true;
        emitter.emit("close");
        return this;
      },
    });
    await transcode(req as unknown as NodeServerRequest, res as unknown as NodeServerResponse);
    return { status: res.status, headers: res.headers, body: JSON.parse(res.body) };
  }

  it.each(KIND_CASES)("answers %s with its status and an RFC 7807 body", async (kind, expected) => {
    const { status, headers, body } = await call(new DomainError(kind, `a ${kind} sentence`));
    expect(status).toBe(expected.status);
    expect(headers["content-type"]).toBe("application/json");
    expect(body).toEqual({ type: expected.type ?? "about:blank", title: expect.any(String), status: expected.status, detail: `a ${kind} sentence` });
    expect(headers).not.toHaveProperty("retry-after");
  });

  it("answers rate_limited with 429", async () => {
    const { status, body } = await call(new DomainError("rate_limited", "too many requests", { retryAfterSeconds: 12 }));
    expect(status).toBe(429);
    expect(body).toEqual({ type: "about:blank", title: "Too Many Requests", status: 429, detail: "too many requests" });
  });

  it("sends Retry-After with a rate-limited 429", async () => {
    const { headers } = await call(new DomainError("rate_limited", "too many requests", { retryAfterSeconds: 12 }));
    expect(headers["retry-after"]).toBe("12");
  });

  it("answers gone with 410 Gone", async () => {
    const { status, body } = await call(new DomainError("gone", "the secret was deleted"));
    expect(status).toBe(410);
    expect(body).toEqual({ type: "about:blank", title: "Gone", status: 410, detail: "the secret was deleted" });
  });

  it("passes a ConnectError's code through", async () => {
    expect((await call(new ConnectError("try again", Code.Aborted))).status).toBe(409);
    expect((await call(new ConnectError("slow", Code.DeadlineExceeded))).status).toBe(504);
  });

  it("hides unexpected errors behind a 500 that names no internals, and logs them", async () => {
    logged.length = 0;
    const { status, body } = await call(new TypeError("cannot read secret sk-live-1234 of undefined"));
    expect(status).toBe(500);
    expect(body.detail).toMatch(/^internal error \(request id .*\)$/);
    expect(JSON.stringify(body)).not.toContain("sk-live-1234");
    expect(logged.join("")).toContain("unexpected error in handler");
  });
});
