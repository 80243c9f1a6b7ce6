// gRPC server reflection (v1 and v1alpha), so `buf curl`, grpcurl and IDEs can discover every
// service we serve without .proto files. No npm package does this for Connect-ES.
import { create, createRegistry, toBinary, type DescFile, type DescService, type Registry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import {
  ServerReflection as ReflectionV1,
  ServerReflectionResponseSchema as ResponseV1,
  type ServerReflectionRequest,
} from "../../gen/ts/grpc/reflection/v1/reflection_pb.js";
import {
  ServerReflection as ReflectionV1Alpha,
  ServerReflectionResponseSchema as ResponseV1Alpha,
} from "../../gen/ts/grpc/reflection/v1alpha/reflection_pb.js";

type Answer = Parameters<typeof create<typeof ResponseV1>>[1];

export function registerReflection(router: ConnectRouter, services: DescService[]): void {
  const served = [...services, ReflectionV1, ReflectionV1Alpha];
  const registry = catalog(served);
  const serviceNames = served.map((s) => s.typeName).sort();
  router.service(ReflectionV1, {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) yield create(ResponseV1, answer(registry, serviceNames, request));
    },
  });
  router.service(ReflectionV1Alpha, {
    async *serverReflectionInfo(requests) {
      // The v1alpha messages are wire-identical to v1; only the package differs.
      for await (const request of requests) {
        yield create(ResponseV1Alpha, answer(registry, serviceNames, request as unknown as ServerReflectionRequest) as never);
      }
    },
  });
}

/** What reflection can look up: every file the services need, by name and by symbol. */
export interface Catalog {
  files: Map<string, DescFile>;
  symbols: Registry;
}

export function catalog(services: DescService[]): Catalog {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file.name)) return;
    files.set(file.name, file);
    file.dependencies.forEach(visit);
  };
  services.forEach((s) => visit(s.file));
  return { files, symbols: createRegistry(...files.values()) };
}

export function answer(registry: Catalog, serviceNames: string[], request: ServerReflectionRequest): Answer {
  const base = { validHost: request.host, originalRequest: request };
  const files = (file: DescFile | undefined, what: string): Answer =>
    file
      ? { ...base, messageResponse: { case: "fileDescriptorResponse", value: { fileDescriptorProto: withDependencies(file) } } }
      : notFound(base, what);
  const req = request.messageRequest;
  switch (req.case) {
    case "listServices":
      return { ...base, messageResponse: { case: "listServicesResponse", value: { service: serviceNames.map((name) => ({ name })) } } };
    case "fileByFilename":
      return files(registry.files.get(req.value), `file ${req.value}`);
    case "fileContainingSymbol":
      return files(fileOfSymbol(registry, req.value), `symbol ${req.value}`);
    case "fileContainingExtension": {
      const extension = findExtensions(registry, req.value.containingType).find((e) => e.number === req.value.extensionNumber);
      return files(extension?.file, `extension ${req.value.extensionNumber} of ${req.value.containingType}`);
    }
    case "allExtensionNumbersOfType": {
      if (!registry.symbols.getMessage(req.value)) return notFound(base, `message type ${req.value}`);
      const numbers = findExtensions(registry, req.value).map((e) => e.number);
      return { ...base, messageResponse: { case: "allExtensionNumbersResponse", value: { baseTypeName: req.value, extensionNumber: numbers } } };
    }
    default:
      return { ...base, messageResponse: { case: "errorResponse", value: { errorCode: Code.InvalidArgument, errorMessage: "empty reflection request" } } };
  }
}

function notFound(base: object, what: string): Answer {
  return { ...base, messageResponse: { case: "errorResponse", value: { errorCode: Code.NotFound, errorMessage: `${what} not found` } } };
}

/** A symbol may name a type, a service, or a method/field/value inside one: strip names until found. */
function fileOfSymbol(registry: Catalog, symbol: string): DescFile | undefined {
  let name = symbol.replace(/^\./, "");
  while (name) {
    const desc = registry.symbols.get(name);
    if (desc) return desc.file;
    const dot = name.lastIndexOf(".");
    if (dot < 0) return undefined;
    name = name.slice(0, dot);
  }
  return undefined;
}

function findExtensions(registry: Catalog, typeName: string) {
  const found = [];
  for (const file of registry.files.values()) for (const ext of file.extensions) if (ext.extendee.typeName === typeName) found.push(ext);
  return found;
}

/** The file and everything it imports, each once, as serialized FileDescriptorProtos. */
function withDependencies(file: DescFile): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  const visit = (f: DescFile) => {
    if (seen.has(f.name)) return;
    seen.add(f.name);
    out.push(toBinary(FileDescriptorProtoSchema, f.proto));
    f.dependencies.forEach(visit);
  };
  visit(file);
  return out;
}
