// connect-es reports a request message it cannot decode from binary as `internal`
// ("parse binary: …"), before any interceptor runs. To the caller that is a malformed request,
// so this rewrites exactly that error to invalid_argument in each protocol's response: the
// Connect unary JSON body, the Connect streaming end-of-stream message, the gRPC status (header or
// trailer) and the gRPC-Web trailer frame.
import { Code, ConnectError } from "@connectrpc/connect";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";

const PARSE_PREFIX = "parse binary:";
const GRPC_INTERNAL = "13";
const GRPC_INVALID_ARGUMENT = "3";

export async function reclassifyDecodeErrors(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  const contentType = res.header?.get("content-type") ?? "";
  if (contentType.startsWith("application/grpc-web")) return { ...res, body: res.body && fixGrpcWebTrailers(res.body) };
  if (contentType.startsWith("application/grpc")) {
    fixGrpcStatus(res.header);
    return { ...res, body: res.body && fixGrpcTrailersAfter(res.body, res) };
  }
  if (contentType.startsWith("application/connect+")) return { ...res, body: res.body && fixConnectEndStream(res.body) };
  if (res.status === 500 && contentType.startsWith("application/json") && res.body) return fixConnectUnary(res);
  return res;
}

/**
 * The same rewrite for the error itself, where it passes through the interceptors: a streaming
 * call decodes its request inside the chain, so the errors interceptor sees it (and the log says
 * invalid_argument, not internal).
 */
export function reclassifyDecodeError(error: ConnectError): ConnectError {
  if (error.code !== Code.Internal || !error.rawMessage.startsWith(PARSE_PREFIX)) return error;
  return new ConnectError(describe(error.rawMessage), Code.InvalidArgument);
}

async function fixConnectUnary(res: UniversalServerResponse): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of res.body!) chunks.push(chunk);
  const raw = Buffer.concat(chunks);
  let error: { code?: string; message?: string };
  try {
    error = JSON.parse(raw.toString("utf8"));
  } catch {
    return { ...res, body: single(raw) };
  }
  if (error.code !== "internal" || !error.message?.startsWith(PARSE_PREFIX)) return { ...res, body: single(raw) };
  const fixed = Buffer.from(JSON.stringify({ ...error, code: "invalid_argument", message: describe(error.message) }));
  const header = new Headers(res.header);
  header.set("content-length", String(fixed.length));
  return { ...res, status: 400, header, body: single(fixed) };
}

/** A Connect stream ends with an envelope flagged 0x02 whose JSON may hold {"error": {code, message}}. */
async function* fixConnectEndStream(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    if (chunk.length < 5 || (chunk[0] & 0x02) === 0) {
      yield chunk;
      continue;
    }
    let end: { error?: { code?: string; message?: string } };
    try {
      end = JSON.parse(Buffer.from(chunk.subarray(5)).toString("utf8"));
    } catch {
      yield chunk;
      continue;
    }
    if (end.error?.code !== "internal" || !end.error.message?.startsWith(PARSE_PREFIX)) {
      yield chunk;
      continue;
    }
    const payload = Buffer.from(JSON.stringify({ ...end, error: { ...end.error, code: "invalid_argument", message: describe(end.error.message) } }), "utf8");
    const frame = Buffer.alloc(5 + payload.length);
    frame[0] = chunk[0];
    frame.writeUInt32BE(payload.length, 1);
    payload.copy(frame, 5);
    yield frame;
  }
}

function fixGrpcStatus(headers: Headers | undefined): void {
  if (!headers || headers.get("grpc-status") !== GRPC_INTERNAL) return;
  const message = decodeURIComponent(headers.get("grpc-message") ?? "");
  if (!message.startsWith(PARSE_PREFIX)) return;
  headers.set("grpc-status", GRPC_INVALID_ARGUMENT);
  headers.set("grpc-message", encodeURIComponent(describe(message)));
}

async function* fixGrpcTrailersAfter(body: AsyncIterable<Uint8Array>, res: UniversalServerResponse): AsyncIterable<Uint8Array> {
  yield* body;
  fixGrpcStatus(res.trailer); // trailers are filled in once the body has been produced
}

async function* fixGrpcWebTrailers(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    // A trailer frame: flag byte 0x80, 4-byte length, then HTTP/1-style header lines.
    if (chunk[0] !== 0x80 || chunk.length < 5) {
      yield chunk;
      continue;
    }
    const headers = new Headers();
    for (const line of Buffer.from(chunk.subarray(5)).toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    if (headers.get("grpc-status") !== GRPC_INTERNAL) {
      yield chunk;
      continue;
    }
    fixGrpcStatus(headers);
    let text = "";
    headers.forEach((value, name) => (text += `${name}: ${value}\r\n`));
    const payload = Buffer.from(text, "utf8");
    const frame = Buffer.alloc(5 + payload.length);
    frame[0] = 0x80;
    frame.writeUInt32BE(payload.length, 1);
    payload.copy(frame, 5);
    yield frame;
  }
}

function describe(parseMessage: string): string {
  return `the request message is not valid protobuf binary: ${parseMessage.slice(PARSE_PREFIX.length).trim()}`;
}

async function* single(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
