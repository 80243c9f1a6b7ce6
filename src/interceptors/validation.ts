// Checks that hold for every request of the contract, before any handler runs: identifiers are
// UUIDs. Rules particular to one method (lengths, allowed values) live with its domain code.
import type { DescMessage, Message } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";
import { isUuid } from "../domain/ids.js";


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

export function checkIdentifiers(schema: DescMessage, message: Message, prefix = ""): void {
  const record = message as unknown as Record<string, unknown>;
  for (const field of schema.fields) {
    const value = record[field.localName];
    // Identifiers inside nested messages (e.g. each credential of WatchFleetTokens) count too.
    if (field.fieldKind === "message" && value && !field.message.typeName.startsWith("google.protobuf.")) {
      checkIdentifiers(field.message, value as Message, `${prefix}${field.name}.`);
    }
    if (field.fieldKind === "list" && field.listKind === "message" && Array.isArray(value) && !field.message.typeName.startsWith("google.protobuf.")) {
      value.forEach((item, i) => checkIdentifiers(field.message, item as Message, `${prefix}${field.name}[${i}].`));
    }
    if (NOT_UUIDS.has(field.name)) continue;
    if (field.fieldKind === "scalar" && field.name.endsWith("_id") && typeof value === "string" && value !== "") {
      if (!isUuid(value)) throw new DomainError("invalid_argument", `${prefix}${field.name} must be a UUID, got "${truncate(value)}"`);
    }
    if (field.fieldKind === "list" && field.name.endsWith("_ids") && Array.isArray(value)) {
      for (const item of value) {
        if (typeof item === "string" && !isUuid(item)) {
          throw new DomainError("invalid_argument", `every entry of ${prefix}${field.name} must be a UUID, got "${truncate(item)}"`);
        }
      }
    }
  }
}

function truncate(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}…` : value;
}
