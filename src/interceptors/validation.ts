// Checks that hold for every request of the contract, before any handler runs: identifiers are
// UUIDs. Rules particular to one method (lengths, allowed values) live with its domain code.
import type { DescMessage, Message } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Fields named like identifiers that are not Clawkeep UUIDs. */
const NOT_UUIDS = new Set(["resource_id"]);

export function validationInterceptor(): Interceptor {
  return (next) => async (req) => {
    if (!req.stream) {
      checkIdentifiers(req.method.input, req.message);
      return next(req);
    }
    const source = req.message;
    async function* checked() {
      for await (const message of source) {
        checkIdentifiers(req.method.input, message);
        yield message;
      }
    }
    return next({ ...req, message: checked() });
  };
}

export function checkIdentifiers(schema: DescMessage, message: Message): void {
  const record = message as unknown as Record<string, unknown>;
  for (const field of schema.fields) {
    if (NOT_UUIDS.has(field.name)) continue;
    const value = record[field.localName];
    if (field.fieldKind === "scalar" && field.name.endsWith("_id") && typeof value === "string" && value !== "") {
      if (!UUID.test(value)) throw new DomainError("invalid_argument", `${field.name} must be a UUID, got "${truncate(value)}"`);
    }
    if (field.fieldKind === "list" && field.name.endsWith("_ids") && Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === "string" && !UUID.test(item)) {
          throw new DomainError("invalid_argument", `every entry of ${field.name} must be a UUID, got "${truncate(item)}"`);
        }
      }
    }
  }
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
