// Oversize and malformed RPC messages get a clear error, never a crash or a 500.
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService, LoginRequestSchema } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ env: { CLAWKEEP_MAX_REQUEST_BYTES: "4096" } });
});
afterAll(async () => {
  await server?.close();
});

describe("request limits over RPC protocols", () => {
  it("refuses an oversize gRPC message with resource_exhausted", async () => {
    const client = createClient(AuthService, createGrpcTransport({ baseUrl: server.url }));
    const error = await client.login({ email: "a".repeat(10_000) }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.ResourceExhausted);
  });

  it("refuses an oversize Connect JSON body with resource_exhausted", async () => {
    const res = await fetch(`${server.url}/clawkeep.v1.AuthService/Login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "a".repeat(10_000) }),
    });
    expect(await res.json()).toMatchObject({ code: "resource_exhausted" });
  });

  it("refuses malformed Connect JSON and binary with invalid_argument", async () => {
    const json = await fetch(`${server.url}/clawkeep.v1.AuthService/Login`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ code: "invalid_argument" });
    const wrongType = await fetch(`${server.url}/clawkeep.v1.AuthService/Login`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"email": 42}' });
    expect(wrongType.status).toBe(400);
    const valid = toBinary(LoginRequestSchema, create(LoginRequestSchema, { email: "a@b.c" }));
    const truncated = Buffer.from(valid.subarray(0, valid.length - 2));
    const binary = await fetch(`${server.url}/clawkeep.v1.AuthService/Login`, { method: "POST", headers: { "content-type": "application/proto" }, body: truncated });
    expect(binary.status).toBe(400);
    expect(await binary.json()).toMatchObject({ code: "invalid_argument" });
  });

  it("refuses malformed binary over gRPC and gRPC-Web with invalid_argument", async () => {
    const truncated = Buffer.from([0x0a, 0x05, 0x61]); // field 1 claims 5 bytes, has 1
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, truncated.length]), truncated]);
    const grpc = await import("node:http2").then(
      (http2) =>
        new Promise<Record<string, string>>((resolve, reject) => {
          const session = http2.connect(server.url);
          const stream = session.request({ ":method": "POST", ":path": "/clawkeep.v1.AuthService/Login", "content-type": "application/grpc", te: "trailers" });
          let status: Record<string, string> = {};
          stream.on("response", (headers) => (status = { ...status, ...(headers as Record<string, string>) }));
          stream.on("trailers", (trailers) => (status = { ...status, ...(trailers as Record<string, string>) }));
          stream.on("error", reject);
          stream.on("close", () => {
            session.close();
            resolve(status);
          });
          stream.resume();
          stream.end(frame);
        }),
    );
    expect(grpc["grpc-status"]).toBe("3");
    expect(decodeURIComponent(grpc["grpc-message"])).toMatch(/not valid protobuf binary/);

    const web = await fetch(`${server.url}/clawkeep.v1.AuthService/Login`, { method: "POST", headers: { "content-type": "application/grpc-web+proto" }, body: frame });
    const text = Buffer.from(await web.arrayBuffer()).toString("latin1");
    expect(text).toContain("grpc-status: 3");
  });

  it("maps a REST field of the wrong type to a 400 problem", async () => {
    const res = await fetch(`${server.url}/v1/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"email": {"nested": true}}' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "about:blank", status: 400, detail: expect.stringContaining("email") });
  });

  it("keeps serving after all of the above", async () => {
    expect((await fetch(`${server.url}/v1/health`)).status).toBe(200);
  });
});
