// @grpc/grpc-js clients built from the protobuf-es descriptors in gen/ts, as a grpc-js user with
// no code generation of their own would build them.
import { create, fromBinary, toBinary, type DescService } from "@bufbuild/protobuf";
import { findTrailerError } from "@connectrpc/connect/protocol-grpc";
import * as grpc from "@grpc/grpc-js";
import { ErrorDetailSchema, type ErrorDetail } from "../../gen/ts/clawkeep/v1/errors_pb.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- grpc-js generic clients are untyped */
export function grpcJsClient(service: DescService, port: number): any {
  const definition: Record<string, grpc.MethodDefinition<any, any>> = {};
  for (const m of service.methods) {
    definition[m.localName] = {
      path: `/${service.typeName}/${m.name}`,
      requestStream: m.methodKind === "client_streaming" || m.methodKind === "bidi_streaming",
      responseStream: m.methodKind === "server_streaming" || m.methodKind === "bidi_streaming",
      // create() accepts a plain init object as well as a message; it returns a message as is.
      requestSerialize: (x: any) => Buffer.from(toBinary(m.input, create(m.input, x))),
      requestDeserialize: (b: Buffer) => fromBinary(m.input, b),
      responseSerialize: (x: any) => Buffer.from(toBinary(m.output, create(m.output, x))),
      responseDeserialize: (b: Buffer) => fromBinary(m.output, b),
    };
  }
  const Client = grpc.makeGenericClientConstructor(definition, service.name);
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

/** One unary call; `metadata` carries e.g. authorization. */
export function grpcJsUnary<T>(client: any, method: string, request: unknown, metadata: Record<string, string> = {}, timeoutMs = 10_000): Promise<T> {
  const md = new grpc.Metadata();
  for (const [key, value] of Object.entries(metadata)) md.set(key, value);
  return new Promise((resolve, reject) => {
    client[method](request, md, { deadline: Date.now() + timeoutMs }, (error: grpc.ServiceError | null, response: T) => (error ? reject(error) : resolve(response)));
  });
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * The clawkeep.v1.ErrorDetail (REST status, problem type, Retry-After) a grpc-js error carries in
 * its grpc-status-details-bin trailer, decoded as any gRPC client would; undefined when absent.
 */
export function grpcJsErrorDetail(error: grpc.ServiceError): ErrorDetail | undefined {
  const [bin] = error.metadata.get("grpc-status-details-bin");
  if (bin === undefined) return undefined;
  const trailer = new Headers({ "grpc-status-details-bin": Buffer.from(bin).toString("base64") });
  return findTrailerError(trailer)?.findDetails(ErrorDetailSchema)[0];
}
