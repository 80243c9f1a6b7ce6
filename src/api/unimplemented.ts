// Methods whose capability has not landed yet answer Unimplemented with a sentence naming that
// capability. This is the only placeholder the contract allows; each capability removes its own.
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";

const SERVICE_CAPABILITY: Record<string, string> = {};

const METHOD_CAPABILITY: Record<string, string> = {};

export function capabilityOf(method: DescMethod): string {
  return METHOD_CAPABILITY[method.parent.typeName + "." + method.name] ?? SERVICE_CAPABILITY[method.parent.typeName] ?? method.parent.name;
}

export function unimplementedError(method: DescMethod): DomainError {
  return new DomainError(
    "unimplemented",
    `${method.name} belongs to ${capabilityOf(method)}, which this Clawkeep server does not provide yet`,
  );
}

/** Completes a partial implementation: every method it lacks answers Unimplemented. */
export function withUnimplemented<S extends DescService>(service: S, implemented: Partial<ServiceImpl<S>>): ServiceImpl<S> {
  const impl: Record<string, unknown> = { ...implemented };
  for (const method of service.methods) {
    if (impl[method.localName]) continue;
    impl[method.localName] =
      method.methodKind === "unary"
        ? async () => {
            throw unimplementedError(method);
          }
        : async function* () {
            throw unimplementedError(method);
          };
  }
  return impl as ServiceImpl<S>;
}
