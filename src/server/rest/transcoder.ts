// The REST transcoder: turns a 1Claw-style REST call into the unary Connect JSON call it stands
// for and hands it to that method's Connect handler, so every interceptor runs exactly once.
// It only maps routes, statuses and problem bodies; it knows nothing about secrets or agents.
import { fromBinary, type DescMessage, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { Code, type ContextValues } from "@connectrpc/connect";
import type { NodeServerRequest, NodeServerResponse } from "../node-types.js";
import { codeFromString } from "@connectrpc/connect/protocol-connect";
import type { UniversalHandler, UniversalServerResponse } from "@connectrpc/connect/protocol";
import { ErrorDetailSchema } from "../../../gen/ts/clawkeep/v1/errors_pb.js";
import { httpStatusFromCode } from "../error-mapping.js";
import { writeJson, writeProblem, type Problem } from "./problem.js";
import { buildRequestJson, parseBody, RestRequestError } from "./request-json.js";
import { matchTemplate, PathDecodeError } from "./route-template.js";
import type { RestRoute } from "./routes.js";

export interface RestTranscoderOptions {
  routes: RestRoute[];
  /** Connect universal handlers by request path ("/clawkeep.v1.VaultService/GetVault"). */
  handlers: Map<string, UniversalHandler>;
  maxBodyBytes: number;
  contextValues: (req: NodeServerRequest) => ContextValues;
}

/** Headers of the REST request that must not reach the synthetic Connect call. */
const DROPPED_REQUEST_HEADERS = new Set(["content-type", "content-length", "content-encoding", "accept-encoding", "transfer-encoding", "connection", "host", "te"]);

export type RestHandler = (req: NodeServerRequest, res: NodeServerResponse) => Promise<void>;

export function createRestTranscoder(options: RestTranscoderOptions): RestHandler {
  const table = routeTable(options.routes);
  return async (req, res) => {
    try {
      await transcode(options, table, req, res);
    } catch (error) {
      // After a 413 the rest of an oversized body is not read: the connection closes instead.
      if (error instanceof RestRequestError) writeProblem(res, { status: error.status, detail: error.message, headers: error.status === 413 ? { connection: "close" } : undefined });
      else if (error instanceof PathDecodeError) writeProblem(res, { status: 400, detail: error.message });
      else throw error;
    }
  };
}

/** The routes of each HTTP method, in the table's order (most specific first). */
function routeTable(routes: RestRoute[]): Map<string, RestRoute[]> {
  const table = new Map<string, RestRoute[]>();
  for (const route of routes) table.set(route.httpMethod, [...(table.get(route.httpMethod) ?? []), route]);
  return table;
}

/** The first route of the method whose template matches, with its path values. */
function firstMatch(routes: RestRoute[] | undefined, path: string): { route: RestRoute; values: Map<string, string> } | undefined {
  for (const route of routes ?? []) {
    const values = matchTemplate(route.template, path);
    if (values) return { route, values };
  }
  return undefined;
}

async function transcode(options: RestTranscoderOptions, table: Map<string, RestRoute[]>, req: NodeServerRequest, res: NodeServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, "") : url.pathname;
  const httpMethod = (req.method ?? "GET").toUpperCase();

  const chosen = firstMatch(table.get(httpMethod), path);
  if (!chosen) {
    // Only a miss looks at every route: to tell 404 (no such path) from 405 (not with this method).
    const allowed = [...table.keys()].filter((method) => firstMatch(table.get(method), path)).sort().join(", ");
    if (allowed === "") {
      writeProblem(res, { status: 404, detail: `no route matches ${httpMethod} ${url.pathname}` });
      return;
    }
    writeProblem(res, {
      status: 405,
      detail: `${url.pathname} does not accept ${httpMethod}; use ${allowed}`,
      headers: { allow: allowed },
    });
    return;
  }
  const { route, values } = chosen;
  const body = route.body === "" ? undefined : parseBody(await readBody(req, options.maxBodyBytes));
  const requestJson = buildRequestJson(route.method.input, route.body, body, url.searchParams, values);

  const handler = options.handlers.get(`/${route.service.typeName}/${route.method.name}`);
  if (!handler) throw new Error(`no Connect handler for ${route.service.typeName}/${route.method.name}`);
  const abort = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const response = await handler({
    httpVersion: "1.1",
    method: "POST",
    url: `http://localhost/${route.service.typeName}/${route.method.name}`,
    header: forwardedHeaders(req),
    // As bytes, not as the parsed object: connect-es decodes a pre-parsed body without the
    // router's JSON options, which would reject the unknown fields 1Claw clients send.
    body: oneChunk(Buffer.from(JSON.stringify(requestJson), "utf8")),
    signal: abort.signal,
    contextValues: options.contextValues(req),
  });
  await writeResponse(route, response, res);
}

async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

function forwardedHeaders(req: NodeServerRequest): Headers {
  const header = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (lower.startsWith(":") || DROPPED_REQUEST_HEADERS.has(lower) || lower.startsWith("connect-") || lower.startsWith("grpc-")) continue;
    if (Array.isArray(value)) value.forEach((v) => header.append(lower, v));
    else if (typeof value === "string") header.set(lower, value);
  }
  header.set("content-type", "application/json");
  header.set("connect-protocol-version", "1");
  return header;
}

async function writeResponse(route: RestRoute, response: UniversalServerResponse, res: NodeServerResponse): Promise<void> {
  const raw = await readAll(response.body);
  const passHeaders = passThroughHeaders(response.header);
  if (response.status !== 200) {
    const problem = problemFromConnect(raw, response.status);
    writeProblem(res, { ...problem, headers: { ...passHeaders, ...problem.headers } });
    return;
  }
  if (route.successStatus === 204) {
    res.writeHead(204, passHeaders);
    res.end();
    return;
  }
  const message = JSON.parse(raw.toString("utf8")) as JsonObject;
  nullUnsetExpiry(route.method.output, message);
  const payload: JsonValue = route.responseBody === "" ? message : (message[route.responseBody] ?? {});
  writeJson(res, successStatusOf(route, response.header), payload, passHeaders);
}

/**
 * The route's success status, except that a create answered from an idempotency record is 200,
 * as 1Claw answers a replay (its handler says so with the `idempotent-replayed` header).
 */
function successStatusOf(route: RestRoute, header: Headers | undefined): number {
  return route.successStatus === 201 && header?.get("idempotent-replayed") === "true" ? 200 : route.successStatus;
}

/**
 * 1Claw's REST answers carry `"expires_at": null` when a thing never expires, where proto JSON
 * omits an unset timestamp: put the null back, at any depth, for timestamp fields of that name.
 */
function nullUnsetExpiry(desc: DescMessage, json: JsonValue | undefined): void {
  if (!json || typeof json !== "object" || Array.isArray(json)) return;
  for (const field of desc.fields) {
    if (field.fieldKind !== "message" && field.fieldKind !== "list") continue;
    const message = field.fieldKind === "message" ? field.message : field.listKind === "message" ? field.message : undefined;
    if (!message) continue;
    const value = json[field.name];
    if (field.fieldKind === "message" && message.typeName === "google.protobuf.Timestamp") {
      if (field.name === "expires_at" && value === undefined) json[field.name] = null;
      continue;
    }
    if (message.typeName.startsWith("google.protobuf.")) continue;
    if (Array.isArray(value)) value.forEach((item) => nullUnsetExpiry(message, item));
    else nullUnsetExpiry(message, value);
  }
}

/** Turns a Connect unary error body ({code, message, details}) into a problem. */
function problemFromConnect(raw: Buffer, httpStatus: number): Problem {
  let body: { code?: string; message?: string; details?: { type?: string; value?: string }[] };
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return { status: httpStatus >= 400 ? httpStatus : 500, detail: "the server failed to answer this request" };
  }
  const code = codeFromString(body.code ?? "") ?? Code.Unknown;
  const problem: Problem = { status: httpStatusFromCode(code), detail: body.message || "the request failed" };
  const detail = body.details?.find((d) => d.type === ErrorDetailSchema.typeName);
  if (detail?.value) {
    const info = fromBinary(ErrorDetailSchema, base64Decode(detail.value));
    if (info.httpStatus) problem.status = info.httpStatus;
    if (info.type) problem.type = info.type;
    if (info.retryAfterSeconds) problem.headers = { "retry-after": String(info.retryAfterSeconds) };
  }
  return problem;
}

function passThroughHeaders(header: Headers | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  header?.forEach((value, name) => {
    if (name === "content-type" || name === "content-length" || name === "content-encoding") return;
    if (name.startsWith("connect-") || name.startsWith("grpc-")) return;
    out[name] = value;
  });
  return out;
}

async function readBody(req: NodeServerRequest, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): RestRequestError {
  return new RestRequestError(413, `the request body is larger than the limit of ${maxBytes} bytes`);
}

async function readAll(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}
