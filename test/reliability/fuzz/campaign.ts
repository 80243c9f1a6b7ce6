// The fuzz campaign: every RPC of the contract (from the generated service descriptors), random and
// mutated inputs, JSON and binary, over REST, Connect (JSON and binary), gRPC and gRPC-Web, against
// a running server. An answer is a failure when it is a 5xx (but 501, a method not provided yet) or
// an internal / unknown / data_loss code, when it does not come within the time allowed, or when the
// server stops answering health after a method's inputs. Same seed, same inputs.
import http2 from "node:http2";
import type { DescMethod, JsonValue } from "@bufbuild/protobuf";
import { CLAWKEEP_SERVICES } from "../../../src/api/services.js";
import { buildRestRoutes, type RestRoute } from "../../../src/server/rest/routes.js";
import { binaryOf, messageJson, mutateBinary, mutateJson, mutateJsonText, Rng, type KnownIds } from "./generate.js";

export type Protocol = "rest" | "connect-json" | "connect-proto" | "grpc" | "grpc-web";
const PROTOCOLS: Protocol[] = ["rest", "connect-json", "connect-proto", "grpc", "grpc-web"];

export interface FuzzOptions {
  url: string;
  seed: number;
  /** Inputs in all; spread evenly over the RPCs (at least one per RPC and protocol it has). */
  count: number;
  /** Bearer credentials that work (a human's token, an agent's token, a personal API key). */
  credentials: string[];
  known: KnownIds;
  /** False once the server process has exited. */
  alive?: () => boolean;
  concurrency?: number;
  onMethodDone?: (method: string, tried: number) => void;
  /** Called before each method: fresh credentials when fuzzed calls revoked the old ones. */
  refreshCredentials?: () => Promise<string[]>;
}

export interface FuzzFailure {
  rpc: string;
  protocol: Protocol;
  outcome: string;
  input: string;
}

export interface FuzzReport {
  tried: number;
  byProtocol: Record<Protocol, number>;
  methods: number;
  failures: FuzzFailure[];
  /** Outcomes seen, e.g. "400" or "grpc 3", with their counts. */
  outcomes: Record<string, number>;
}

interface Input {
  method: DescMethod;
  protocol: Protocol;
  route?: RestRoute;
  /** REST path and query, or the RPC path. */
  path: string;
  httpMethod: string;
  body: Buffer;
  authorization?: string;
  show: string;
}

const UNARY_TIMEOUT_MS = 15_000;
const STREAM_WINDOW_MS = 300;
const BAD_GRPC = new Set(["2", "13", "15"]);
const BAD_CONNECT = new Set(["internal", "unknown", "data_loss"]);

export function allMethods(): DescMethod[] {
  return CLAWKEEP_SERVICES.flatMap((service) => service.methods);
}

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const rng = new Rng(options.seed);
  const routes = buildRestRoutes(CLAWKEEP_SERVICES);
  const methods = allMethods();
  const perMethod = Math.max(1, Math.ceil(options.count / methods.length));
  const report: FuzzReport = { tried: 0, byProtocol: { rest: 0, "connect-json": 0, "connect-proto": 0, grpc: 0, "grpc-web": 0 }, methods: 0, failures: [], outcomes: {} };
  const session = http2.connect(options.url);
  session.on("error", () => undefined);
  let grpcSession = session;
  try {
    for (const method of methods) {
      if (options.refreshCredentials) options.credentials = await options.refreshCredentials();
      const methodRoutes = routes.filter((route) => route.method === method);
      const protocols = PROTOCOLS.filter((p) => p !== "rest" || methodRoutes.length > 0);
      const inputs = Array.from({ length: perMethod }, (_, i) => makeInput(rng, method, protocols[i % protocols.length], methodRoutes, options));
      await pool(inputs, options.concurrency ?? 8, async (input) => {
        if (grpcSession.closed || grpcSession.destroyed) {
          grpcSession = http2.connect(options.url);
          grpcSession.on("error", () => undefined);
        }
        const outcome = await send(options.url, grpcSession, input).catch((error: unknown) => `error: ${(error as Error).message}`);
        report.tried++;
        report.byProtocol[input.protocol]++;
        const key = outcome.split(":")[0].slice(0, 40);
        report.outcomes[key] = (report.outcomes[key] ?? 0) + 1;
        if (isFailure(outcome)) report.failures.push({ rpc: `${method.parent.name}/${method.name}`, protocol: input.protocol, outcome: outcome.slice(0, 300), input: input.show });
      });
      report.methods++;
      if (options.alive && !options.alive()) {
        report.failures.push({ rpc: `${method.parent.name}/${method.name}`, protocol: "rest", outcome: "the server process exited", input: "" });
        break;
      }
      const health = await fetch(`${options.url}/v1/health`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, (e: Error) => e.message);
      if (health !== 200) report.failures.push({ rpc: `${method.parent.name}/${method.name}`, protocol: "rest", outcome: `health answered ${health} after this method`, input: "" });
      options.onMethodDone?.(`${method.parent.name}/${method.name}`, report.tried);
    }
  } finally {
    grpcSession.close();
    session.close();
  }
  return report;
}

function isFailure(outcome: string): boolean {
  if (outcome.startsWith("error:") || outcome.startsWith("hang")) return true;
  const status = /^(\d{3})/.exec(outcome)?.[1];
  if (status && status.startsWith("5") && status !== "501") return true;
  const grpc = /grpc (\d+)/.exec(outcome)?.[1];
  if (grpc && BAD_GRPC.has(grpc)) return true;
  const connect = /code (\w+)/.exec(outcome)?.[1];
  return connect !== undefined && BAD_CONNECT.has(connect);
}

function makeInput(rng: Rng, method: DescMethod, protocol: Protocol, routes: RestRoute[], options: FuzzOptions): Input {
  let json = messageJson(rng, method.input, 0, options.known);
  if (rng.chance(0.35)) json = mutateJson(rng, json, options.known);
  const r = rng.next();
  const authorization = r < 0.75 ? `Bearer ${rng.pick(options.credentials)}` : r < 0.85 ? undefined : `Bearer ${rng.pick(["garbage", "1ck_" + "A".repeat(43), "ocv_x", "eyJhbGciOiJub25lIn0.e30.", "", "\u00e9"])}`;
  const rpcPath = `/${method.parent.typeName}/${method.name}`;
  if (protocol === "rest") {
    const route = rng.pick(routes);
    const { path, body } = restRequest(rng, route, json);
    const text = rng.chance(0.2) ? mutateJsonText(rng, body) : body;
    return { method, protocol, route, path, httpMethod: route.httpMethod, body: Buffer.from(text), authorization, show: `${route.httpMethod} ${path} ${text.slice(0, 200)}` };
  }
  if (protocol === "connect-json" || (protocol === "grpc" && rng.chance(0.15))) {
    let text = JSON.stringify(json);
    if (rng.chance(0.2)) text = mutateJsonText(rng, text);
    return { method, protocol, path: rpcPath, httpMethod: "POST", body: Buffer.from(text), authorization, show: `json ${text.slice(0, 200)}` };
  }
  let bytes = binaryOf(rng, method.input, json);
  if (rng.chance(0.5)) bytes = mutateBinary(rng, bytes);
  return { method, protocol, path: rpcPath, httpMethod: "POST", body: Buffer.from(bytes), authorization, show: `binary ${Buffer.from(bytes).toString("base64").slice(0, 200)}` };
}

function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return "x";
  }
}

function restRequest(rng: Rng, route: RestRoute, json: JsonValue): { path: string; body: string } {
  const fields: Record<string, JsonValue> = typeof json === "object" && json !== null && !Array.isArray(json) ? { ...json } : {};
  let path = route.template.source;
  for (const variable of route.template.variables) {
    const raw = fields[variable.fieldPath];
    delete fields[variable.fieldPath];
    const value = typeof raw === "string" && raw !== "" ? raw : typeof raw === "number" ? String(raw) : rng.uuid();
    const encoded = variable.multiSegment ? value.split("/").map(encodeSegment).join("/") : encodeSegment(value);
    path = path.replace(/\{[^}]+\}/, encoded || "x");
  }
  if (route.body === "*") return { path, body: JSON.stringify(fields) };
  if (route.body !== "") return { path, body: JSON.stringify(fields[route.body] ?? {}) };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (rng.chance(0.5) && (typeof value === "string" || typeof value === "number" || typeof value === "boolean")) {
      try {
        query.append(key, String(value));
      } catch {
        // A lone surrogate cannot be put in a URL.
      }
    }
  }
  const qs = query.toString();
  return { path: qs ? `${path}?${qs}` : path, body: "" };
}

async function send(url: string, session: http2.ClientHttp2Session, input: Input): Promise<string> {
  const streaming = input.method.methodKind !== "unary";
  switch (input.protocol) {
    case "rest":
      return sendHttp1(url, input.path, input.httpMethod, "application/json", input.body, input.authorization, "rest");
    case "connect-json":
      return streaming
        ? sendHttp1(url, input.path, "POST", "application/connect+json", envelope(input.body, 0), input.authorization, "connect-stream")
        : sendHttp1(url, input.path, "POST", "application/json", input.body, input.authorization, "connect");
    case "connect-proto":
      return streaming
        ? sendHttp1(url, input.path, "POST", "application/connect+proto", envelope(input.body, 0), input.authorization, "connect-stream")
        : sendHttp1(url, input.path, "POST", "application/proto", input.body, input.authorization, "connect");
    case "grpc-web":
      return sendHttp1(url, input.path, "POST", "application/grpc-web+proto", envelope(input.body, 0), input.authorization, "grpc-web");
    case "grpc":
      return sendGrpc(session, input, input.show.startsWith("json") ? "application/grpc+json" : "application/grpc+proto");
  }
}

function envelope(payload: Buffer, flags: number): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

async function sendHttp1(url: string, path: string, method: string, contentType: string, body: Buffer, authorization: string | undefined, kind: "rest" | "connect" | "connect-stream" | "grpc-web"): Promise<string> {
  const streaming = kind === "connect-stream" || kind === "grpc-web";
  const abort = new AbortController();
  // A stream that is still open (even before its headers) after its window is fine: it is cancelled.
  let windowPassed = false;
  const timer = setTimeout(
    () => {
      windowPassed = streaming;
      abort.abort();
    },
    streaming ? STREAM_WINDOW_MS : UNARY_TIMEOUT_MS,
  );
  const headers: Record<string, string> = { "content-type": contentType };
  if (authorization !== undefined) headers.authorization = authorization;
  if (kind === "connect") headers["connect-protocol-version"] = "1";
  try {
    const res = await fetch(`${url}${path}`, { method, headers, body: method === "GET" || (method === "DELETE" && body.length === 0) ? undefined : body, signal: abort.signal });
    const text = await readBody(res, streaming ? STREAM_WINDOW_MS : UNARY_TIMEOUT_MS, abort);
    if (text === undefined) return `${res.status} open stream`;
    if (kind === "grpc-web") return `${res.status} grpc ${res.headers.get("grpc-status") ?? grpcWebTrailerStatus(text) ?? "?"}`;
    if (kind === "connect-stream") return `${res.status} code ${/"code":"(\w+)"/.exec(text.toString("latin1"))?.[1] ?? "ok"}`;
    const code = /"code":"(\w+)"/.exec(text.toString("utf8"))?.[1];
    return `${res.status}${code ? ` code ${code}` : ""}${res.status >= 500 ? `: ${text.toString("utf8").slice(0, 200)}` : ""}`;
  } catch (error) {
    if (windowPassed) return "open stream";
    if (abort.signal.aborted) return `hang: no answer within ${UNARY_TIMEOUT_MS} ms`;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The body, or undefined when a stream is still open after `windowMs` (then it is cancelled). */
async function readBody(res: Response, windowMs: number, abort: AbortController): Promise<Buffer | undefined> {
  const reader = res.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let open = true;
  const timer = setTimeout(() => {
    open = false;
    abort.abort();
  }, windowMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch (error) {
    if (open) throw error;
  } finally {
    clearTimeout(timer);
  }
  if (!open && chunks.length === 0) return undefined;
  return Buffer.concat(chunks);
}

function grpcWebTrailerStatus(body: Buffer): string | undefined {
  let at = 0;
  while (at + 5 <= body.length) {
    const flags = body[at];
    const length = body.readUInt32BE(at + 1);
    if (flags & 0x80) return /grpc-status:\s*(\d+)/i.exec(body.subarray(at + 5, at + 5 + length).toString("latin1"))?.[1];
    at += 5 + length;
  }
  return undefined;
}

function sendGrpc(session: http2.ClientHttp2Session, input: Input, contentType: string): Promise<string> {
  const streaming = input.method.methodKind !== "unary";
  return new Promise((resolve) => {
    const headers: http2.OutgoingHttpHeaders = { ":method": "POST", ":path": input.path, "content-type": contentType, te: "trailers" };
    if (input.authorization !== undefined) headers.authorization = input.authorization;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(headers);
    } catch (error) {
      resolve(`error: ${(error as Error).message}`);
      return;
    }
    let status: string | undefined;
    let httpStatus = 0;
    const done = (outcome: string) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(
      () => {
        stream.close(http2.constants.NGHTTP2_CANCEL);
        done(streaming ? `${httpStatus} open stream` : `hang: no answer within ${UNARY_TIMEOUT_MS} ms`);
      },
      streaming ? STREAM_WINDOW_MS : UNARY_TIMEOUT_MS,
    );
    stream.on("response", (h) => {
      httpStatus = Number(h[":status"]);
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
    });
    stream.on("trailers", (t) => {
      if (t["grpc-status"] !== undefined) status = String(t["grpc-status"]);
    });
    stream.on("data", () => undefined);
    stream.on("error", (error) => done(status ? `${httpStatus} grpc ${status}` : `error: ${error.message}`));
    stream.on("close", () => done(`${httpStatus} grpc ${status ?? "?"}`));
    stream.end(envelope(input.body, 0));
  });
}

async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
