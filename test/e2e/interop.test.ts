// Interop on the one port: the same three facts (health, reflection, a failing public RPC) through
// every client a Clawkeep user might bring — Connect-ES (Connect JSON/binary, gRPC, gRPC-Web),
// grpc-js, the generated Python stubs, raw REST over HTTP/1.1 and h2c, and `buf curl` — plus the
// Connect JSON wire rules. One real server for the whole file; no mocks.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { DescFile, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport, Http2SessionManager } from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthService } from "../../gen/ts/clawkeep/v1/health_pb.js";
import { IntentService } from "../../gen/ts/clawkeep/v1/intents_pb.js";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/ts/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/ts/grpc/reflection/v1/reflection_pb.js";
import { grpcJsClient as sharedGrpcJsClient } from "../support/grpc-js.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { PYTHON, probeTool } from "../support/tools.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BUF = join(ROOT, "node_modules/.bin/buf");
const PYTHON_CLIENT = join(ROOT, "test/e2e/python/interop_client.py");
/** Bound on every external call: clients, child processes, streams. */
const CALL_TIMEOUT_MS = 10_000;
const VERSION = /^\d+\.\d+\.\d+/;
/** The standard services served next to Clawkeep's own. */
const STANDARD_SERVICES = ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];
/**
 * The failing public RPC every client calls: IntentService/GetChain of a chain this server does not
 * have (GET /v1/chains/nowhere), NotFound with a sentence.
 */
const NOT_FOUND_MESSAGE = /^no chain "nowhere" is configured; set CLAWKEEP_CHAINS /;

const python = probeTool([PYTHON, "-c", "import grpc, google.protobuf"], "apt-get install -y python3-grpcio python3-protobuf");
const buf = probeTool([BUF, "--version"], "npm ci (buf comes from the @bufbuild/buf devDependency)");

let server: TestServer;
/** Every service the contract declares: each file under gen/ts/clawkeep/v1, read at run time. */
let contractServices: string[];
const sessionManagers: Http2SessionManager[] = [];

beforeAll(async () => {
  server = await startTestServer();
  contractServices = await clawkeepContractServices();
});
afterAll(async () => {
  for (const manager of sessionManagers) manager.abort();
  await server?.close();
});

async function clawkeepContractServices(): Promise<string[]> {
  const dir = join(ROOT, "gen/ts/clawkeep/v1");
  const names = new Set<string>();
  for (const entry of readdirSync(dir).filter((f) => f.endsWith("_pb.ts"))) {
    const module = (await import(join(dir, entry))) as Record<string, unknown>;
    for (const value of Object.values(module)) {
      const file = value as DescFile;
      if (file?.kind === "file") file.services.forEach((s) => names.add(s.typeName));
    }
  }
  expect(names.size).toBeGreaterThanOrEqual(8);
  return [...names].sort();
}

/** What reflection must list: every contract service, the standard ones, nothing else. */
function expectAllServices(listed: string[]): void {
  expect([...listed].sort()).toEqual([...contractServices, ...STANDARD_SERVICES].sort());
}

function withTimeout<T>(promise: Promise<T>, what: string, ms = CALL_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Connect-ES clients

interface ConnectVariant {
  name: string;
  /** Full-duplex streams need HTTP/2; connect-es answers a bidi call over HTTP/1.1 with 505. */
  http2: boolean;
  /** The content type the server must answer with, proving the protocol and codec really used. */
  contentType: RegExp;
  make(baseUrl: string, interceptors: Interceptor[]): Transport;
}

function h2Session(baseUrl: string): Http2SessionManager {
  const manager = new Http2SessionManager(baseUrl);
  sessionManagers.push(manager);
  return manager;
}

// connect-node 2 defaults to the binary codec, so the JSON variants say useBinaryFormat: false.
const common = { defaultTimeoutMs: CALL_TIMEOUT_MS };
const CONNECT_VARIANTS: ConnectVariant[] = [
  {
    name: "Connect JSON over HTTP/1.1",
    http2: false,
    contentType: /^application\/json/,
    make: (baseUrl, interceptors) => createConnectTransport({ ...common, baseUrl, interceptors, httpVersion: "1.1", useBinaryFormat: false }),
  },
  {
    name: "Connect binary over HTTP/1.1",
    http2: false,
    contentType: /^application\/proto/,
    make: (baseUrl, interceptors) => createConnectTransport({ ...common, baseUrl, interceptors, httpVersion: "1.1", useBinaryFormat: true }),
  },
  {
    name: "Connect JSON over h2c",
    http2: true,
    contentType: /^application\/json/,
    make: (baseUrl, interceptors) =>
      createConnectTransport({ ...common, baseUrl, interceptors, httpVersion: "2", useBinaryFormat: false, sessionManager: h2Session(baseUrl) }),
  },
  {
    name: "Connect binary over h2c",
    http2: true,
    contentType: /^application\/proto/,
    make: (baseUrl, interceptors) =>
      createConnectTransport({ ...common, baseUrl, interceptors, httpVersion: "2", useBinaryFormat: true, sessionManager: h2Session(baseUrl) }),
  },
  {
    name: "gRPC over h2c",
    http2: true,
    contentType: /^application\/grpc(\+proto)?$/,
    make: (baseUrl, interceptors) => createGrpcTransport({ ...common, baseUrl, interceptors, sessionManager: h2Session(baseUrl) }),
  },
  {
    name: "gRPC-Web over HTTP/1.1",
    http2: false,
    contentType: /^application\/grpc-web(\+proto)?$/,
    make: (baseUrl, interceptors) => createGrpcWebTransport({ ...common, baseUrl, interceptors, httpVersion: "1.1" }),
  },
];

describe.each(CONNECT_VARIANTS)("Connect-ES client: $name", (variant) => {
  let transport: Transport;
  const contentTypes: string[] = [];
  beforeAll(() => {
    const recordContentType: Interceptor = (next) => async (req) => {
      const res = await next(req);
      contentTypes.push(res.header.get("content-type") ?? "");
      return res;
    };
    transport = variant.make(server.url, [recordContentType]);
  });

  it("reads health from HealthService.GetHealth and grpc.health.v1.Health/Check", async () => {
    contentTypes.length = 0;
    const health = await createClient(HealthService, transport).getHealth({});
    expect(health.status).toBe("healthy");
    expect(health.version).toMatch(VERSION);
    const check = await createClient(Health, transport).check({ service: "" });
    expect(check.status).toBe(ServingStatus.SERVING);
    expect(contentTypes).toHaveLength(2);
    for (const contentType of contentTypes) expect(contentType).toMatch(variant.contentType);
  });

  async function* listServicesRequest() {
    yield { messageRequest: { case: "listServices" as const, value: "*" } };
  }

  if (variant.http2) {
    it("lists every Clawkeep service through bidi reflection", async () => {
      const listed: string[] = [];
      for await (const response of createClient(ServerReflection, transport).serverReflectionInfo(listServicesRequest())) {
        expect(response.messageResponse.case).toBe("listServicesResponse");
        if (response.messageResponse.case === "listServicesResponse") listed.push(...response.messageResponse.value.service.map((s) => s.name));
      }
      expectAllServices(listed);
    });
  } else {
    it("cannot run bidi reflection over HTTP/1.1 (full duplex needs HTTP/2)", async () => {
      const consume = async () => {
        for await (const response of createClient(ServerReflection, transport).serverReflectionInfo(listServicesRequest())) void response;
      };
      const error = await consume().then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      // connect-es answers 505 with Connection: close before any handler runs. The client sees
      // that 505, or EPIPE when the close wins the race against its streamed request body; the
      // deterministic 505 is checked with a raw request under "Connect JSON on the wire".
      expect(error).toBeInstanceOf(ConnectError);
      expect(error?.rawMessage).toMatch(/HTTP 505|EPIPE|ECONNRESET/);
    });
  }

  it("fails a public RPC with NotFound and its sentence", async () => {
    const error = await createClient(IntentService, transport)
      .getChain({ identifier: "nowhere" })
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    expect(error).toBeInstanceOf(ConnectError);
    expect(error?.code).toBe(Code.NotFound);
    expect(error?.rawMessage).toMatch(NOT_FOUND_MESSAGE);
  });
});

// ---------------------------------------------------------------------------------------------
// @grpc/grpc-js with a client built from the protobuf-es descriptors

/* eslint-disable @typescript-eslint/no-explicit-any -- grpc-js generic clients are untyped */
const grpcJsClient = (service: DescService): any => sharedGrpcJsClient(service, server.port);

const deadline = () => ({ deadline: Date.now() + CALL_TIMEOUT_MS });

function unary<T>(client: any, method: string, request: unknown): Promise<T> {
  return new Promise((resolvePromise, reject) => {
    client[method](request, new grpc.Metadata(), deadline(), (error: grpc.ServiceError | null, response: T) =>
      error ? reject(error) : resolvePromise(response),
    );
  });
}

describe("grpc-js client from protobuf-es descriptors", () => {
  const clients: any[] = [];
  const client = (service: DescService) => {
    const c = grpcJsClient(service);
    clients.push(c);
    return c;
  };
  afterAll(() => {
    for (const c of clients) c.close();
  });

  it("reads health from HealthService.GetHealth and grpc.health.v1.Health/Check", async () => {
    const health = await unary<{ status: string; version: string }>(client(HealthService), "getHealth", {});
    expect(health).toMatchObject({ status: "healthy", version: expect.stringMatching(VERSION) });
    const check = await unary<{ status: ServingStatus }>(client(Health), "check", { service: "" });
    expect(check.status).toBe(ServingStatus.SERVING);
  });

  it("lists every Clawkeep service through the bidi ServerReflection stream", async () => {
    const call = client(ServerReflection).serverReflectionInfo(new grpc.Metadata(), deadline());
    const listed = await withTimeout(
      new Promise<string[]>((resolvePromise, reject) => {
        const names: string[] = [];
        call.on("data", (response: any) => {
          if (response.messageResponse.case !== "listServicesResponse") reject(new Error(`unexpected ${response.messageResponse.case}`));
          else names.push(...response.messageResponse.value.service.map((s: { name: string }) => s.name));
        });
        call.on("error", reject);
        call.on("end", () => resolvePromise(names));
        call.write({ host: "", messageRequest: { case: "listServices", value: "*" } });
        call.end();
      }),
      "grpc-js reflection",
    );
    expectAllServices(listed);
  });

  it("receives SERVING first from the server-streaming Health/Watch, then cancels it", async () => {
    const call = client(Health).watch({ service: "" }, new grpc.Metadata(), deadline());
    const { first, cancelled } = await withTimeout(
      new Promise<{ first: ServingStatus; cancelled: Promise<grpc.ServiceError> }>((resolvePromise, reject) => {
        let settleError: (e: grpc.ServiceError) => void = () => undefined;
        const cancelled = new Promise<grpc.ServiceError>((r) => (settleError = r));
        call.on("error", (error: grpc.ServiceError) => {
          settleError(error);
          reject(error);
        });
        call.once("data", (response: { status: ServingStatus }) => {
          resolvePromise({ first: response.status, cancelled });
          call.cancel();
        });
      }),
      "grpc-js Health/Watch first message",
    );
    expect(first).toBe(ServingStatus.SERVING);
    const error = await withTimeout(cancelled, "grpc-js Health/Watch cancellation");
    expect(error.code).toBe(grpc.status.CANCELLED);
  });

  it("fails a public RPC with NOT_FOUND and its sentence", async () => {
    const error = await unary(client(IntentService), "getChain", { identifier: "nowhere" }).then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect(error?.code).toBe(grpc.status.NOT_FOUND);
    expect(error?.details).toContain("CLAWKEEP_CHAINS");
    // The server percent-encodes grpc-message (any %XX is valid per the gRPC spec), but grpc-js
    // decodes it with decodeURI, which leaves reserved characters such as "," as "%2C".
    expect(decodeURIComponent(error?.details ?? "")).toMatch(NOT_FOUND_MESSAGE);
  });
});
/* eslint-enable @typescript-eslint/no-explicit-any */

// ---------------------------------------------------------------------------------------------
// The generated Python stubs under Debian's python3-grpcio

interface PythonResult {
  get_health: { status: string; version: string };
  check: string;
  watch_first: string;
  services: string[];
  error: { code: string; details: string };
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { env, timeout: 30_000, killSignal: "SIGKILL", cwd: ROOT }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") {
        reject(new Error(`${file} ${args.join(" ")} failed to run: ${error.message}\n${stderr}`));
        return;
      }
      resolvePromise({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(!python.available)("generated Python stubs (grpcio)", () => {
  it("reads health, watches, lists services and sees NOT_FOUND", async () => {
    const { code, stdout, stderr } = await run(PYTHON, [PYTHON_CLIENT, `127.0.0.1:${server.port}`], {
      ...process.env,
      PYTHONPATH: join(ROOT, "gen/python"),
      PYTHONDONTWRITEBYTECODE: "1", // keep gen/python free of __pycache__
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]) as PythonResult;
    expect(result.get_health).toEqual({ status: "healthy", version: expect.stringMatching(VERSION) });
    expect(result.check).toBe("SERVING");
    expect(result.watch_first).toBe("SERVING");
    expectAllServices(result.services);
    expect(result.error.code).toBe("NOT_FOUND");
    expect(result.error.details).toMatch(NOT_FOUND_MESSAGE);
  });
});

// ---------------------------------------------------------------------------------------------
// Raw REST over HTTP/1.1 (node:http) and h2c (node:http2)

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function h1(method: string, path: string, body?: string | Buffer, headers: http.OutgoingHttpHeaders = body === undefined ? {} : { "content-type": "application/json" }): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: server.port, method, path, agent: false, timeout: CALL_TIMEOUT_MS, headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`HTTP/1.1 ${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

async function withH2<T>(use: (session: http2.ClientHttp2Session) => Promise<T>): Promise<T> {
  const session = http2.connect(`http://127.0.0.1:${server.port}`);
  session.on("error", () => undefined); // surfaced through the request instead
  try {
    return await withTimeout(use(session), "h2c request");
  } finally {
    session.destroy();
  }
}

function h2(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: Buffer | string): Promise<RawResponse & { raw: Buffer }> {
  return new Promise((resolvePromise, reject) => {
    const stream = session.request(headers);
    let responseHeaders: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (h) => (responseHeaders = h));
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const raw = Buffer.concat(chunks);
      resolvePromise({ status: Number(responseHeaders[":status"]), headers: responseHeaders, body: raw.toString("utf8"), raw });
    });
    stream.on("error", reject);
    stream.end(body);
  });
}

const problem = { type: "about:blank", title: "Not Found", status: 404, detail: expect.stringMatching(NOT_FOUND_MESSAGE) };

describe("raw REST over HTTP/1.1 (node:http)", () => {
  it("answers GET /v1/health with 200 JSON and a request id", async () => {
    const res = await h1("GET", "/v1/health");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(res.body)).toEqual({ status: "healthy", version: expect.stringMatching(VERSION) });
  });

  it("answers GET /v1/chains/nowhere with a 404 problem", async () => {
    const res = await h1("GET", "/v1/chains/nowhere");
    expect(res.status).toBe(404);
    expect(res.headers["x-request-id"]).toBeTruthy();
    expect(JSON.parse(res.body)).toEqual(problem);
  });
});

describe("raw REST over h2c (node:http2)", () => {
  it("answers GET /v1/health with 200 JSON and a request id", async () => {
    const res = await withH2((s) => h2(s, { ":method": "GET", ":path": "/v1/health" }));
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(res.body)).toEqual({ status: "healthy", version: expect.stringMatching(VERSION) });
  });

  it("answers GET /v1/chains/nowhere with a 404 problem", async () => {
    const res = await withH2((s) => h2(s, { ":method": "GET", ":path": "/v1/chains/nowhere" }));
    expect(res.status).toBe(404);
    expect(res.headers["x-request-id"]).toBeTruthy();
    expect(JSON.parse(res.body)).toEqual(problem);
  });
});

// ---------------------------------------------------------------------------------------------
// buf curl (the npm binary) through server reflection

describe.skipIf(!buf.available)("buf curl with server reflection", () => {
  const h2c = ["--protocol", "grpc", "--http2-prior-knowledge"];

  it("lists every service over gRPC h2c", async () => {
    const { code, stdout, stderr } = await run(BUF, ["curl", ...h2c, "--list-services", server.url]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expectAllServices(stdout.trim().split("\n"));
  });

  // buf 1.75 talks h2c to a plain http:// URL even without --http2-prior-knowledge, which is also
  // what lets it run the bidi reflection stream for the Connect and gRPC-Web protocols.
  it.each([
    ["grpc (h2c)", h2c],
    ["connect", ["--protocol", "connect"]],
    ["grpcweb", ["--protocol", "grpcweb"]],
  ])("calls HealthService/GetHealth over %s", async (_name, flags) => {
    const { code, stdout, stderr } = await run(BUF, ["curl", ...flags, "-d", "{}", `${server.url}/clawkeep.v1.HealthService/GetHealth`]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ status: "healthy", version: expect.stringMatching(VERSION) });
  });

  it("shows the NotFound error of IntentService/GetChain", async () => {
    const { code, stdout, stderr } = await run(BUF, ["curl", ...h2c, "-d", '{"identifier":"nowhere"}', `${server.url}/clawkeep.v1.IntentService/GetChain`]);
    // buf curl exits with the RPC code times 8 (not_found = 5) and prints the error as JSON.
    expect(code).toBe(Code.NotFound * 8);
    expect(stdout).toBe("");
    expect(JSON.parse(stderr)).toEqual({ code: "not_found", message: expect.stringMatching(NOT_FOUND_MESSAGE) });
  });
});

// ---------------------------------------------------------------------------------------------
// Connect JSON wire rules, seen raw

const REFLECTION_PATH = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo";

/** One streaming-protocol message: flags (1 byte) + big-endian length (4 bytes) + payload. */
function enveloped(json: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(json));
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(payload.length, 1);
  return Buffer.concat([prefix, payload]);
}

describe("Connect JSON on the wire", () => {
  const getHealthUrl = () => `${server.url}/clawkeep.v1.HealthService/GetHealth`;
  const post = (url: string, body: string) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });

  it("answers a unary POST with exactly the response's fields", async () => {
    const res = await post(getHealthUrl(), "{}");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const raw = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual(["status", "version"]);
    expect(raw).toEqual({ status: "healthy", version: expect.stringMatching(VERSION) });
  });

  it("uses snake_case proto names and emits implicit defaults (reflection stream over h2c)", async () => {
    const res = await withH2((s) =>
      h2(s, { ":method": "POST", ":path": REFLECTION_PATH, "content-type": "application/connect+json" }, enveloped({ list_services: "*" })),
    );
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/connect+json");
    const messages: { flags: number; json: Record<string, any> }[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let offset = 0; offset < res.raw.length; ) {
      const length = res.raw.readUInt32BE(offset + 1);
      messages.push({ flags: res.raw[offset], json: JSON.parse(res.raw.subarray(offset + 5, offset + 5 + length).toString("utf8")) });
      offset += 5 + length;
    }
    expect(messages.map((m) => m.flags)).toEqual([0, 2]); // one message, then end-of-stream
    expect(messages[1].json).toEqual({});
    const message = messages[0].json;
    // snake_case keys, and "" for the unset host (an implicit default) instead of omitting it.
    expect(Object.keys(message).sort()).toEqual(["list_services_response", "original_request", "valid_host"]);
    expect(message.valid_host).toBe("");
    expect(message.original_request).toEqual({ host: "", list_services: "*" });
    expectAllServices(message.list_services_response.service.map((s: { name: string }) => s.name));
  });

  it.each(["application/connect+json", "application/grpc-web+json"])(
    "answers a bidi call over HTTP/1.1 with 505 and Connection: close (%s)",
    async (contentType) => {
      const res = await h1("POST", REFLECTION_PATH, enveloped({ list_services: "*" }), { "content-type": contentType });
      expect(res.status).toBe(505);
      expect(res.headers.connection).toBe("close");
      expect(res.headers["x-request-id"]).toBeTruthy();
    },
  );

  it("ignores unknown JSON fields in a request", async () => {
    const res = await post(getHealthUrl(), JSON.stringify({ bogus: 1 }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "healthy", version: expect.stringMatching(VERSION) });
  });

  it("answers a Connect GET for a NO_SIDE_EFFECTS method", async () => {
    const res = await fetch(`${getHealthUrl()}?encoding=json&message=%7B%7D`, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ status: "healthy", version: expect.stringMatching(VERSION) });
  });

  it("refuses a Connect GET for a method with side effects", async () => {
    // Login is not NO_SIDE_EFFECTS, so connect-es refuses the GET before any handler runs.
    const res = await fetch(`${server.url}/clawkeep.v1.AuthService/Login?encoding=json&message=%7B%7D`, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    expect(res.status).toBe(405);
  });

  it("answers a failing unary POST with the Connect error JSON and HTTP 404", async () => {
    const res = await post(`${server.url}/clawkeep.v1.IntentService/GetChain`, '{"identifier":"nowhere"}');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: "not_found", message: expect.stringMatching(NOT_FOUND_MESSAGE) });
  });

  it("answers a failing NO_SIDE_EFFECTS method over Connect GET the same way", async () => {
    const message = encodeURIComponent('{"identifier":"nowhere"}');
    const res = await fetch(`${server.url}/clawkeep.v1.IntentService/GetChain?encoding=json&message=${message}`, { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: "not_found", message: expect.stringMatching(NOT_FOUND_MESSAGE) });
  });
});
