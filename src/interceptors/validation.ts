// Checks that hold for every request of the contract, before any handler runs: identifiers are
// UUIDs, and no text carries control characters (src/domain/text.ts), whichever protocol brought
// it. Rules particular to one method (lengths, allowed values) live with its domain code.
import { ScalarType, type DescField, type DescMessage, type Message } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import type { Interceptor } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";
import { isUuid } from "../domain/ids.js";
import { assertPlainText, controlCharacterAt } from "../domain/text.js";


/** Fields named like identifiers that are not Clawkeep UUIDs. */
const NOT_UUIDS = new Set(["resource_id"]);

/**
 * String fields whose content is opaque to us, by "<message>.<field>": a secret's value is
 * whatever bytes its owner keeps (sealed, never stored as text), so the text rule does not apply.
 */
const OPAQUE_STRINGS = new Set(["clawkeep.v1.PutSecretRequest.value"]);
/** OPAQUE_STRINGS by field, worked out once per field rather than per request. */
const opaque = new WeakMap<DescField, boolean>();

function isOpaque(field: DescField): boolean {
  let known = opaque.get(field);
  if (known === undefined) opaque.set(field, (known = field.parent !== undefined && OPAQUE_STRINGS.has(`${field.parent.typeName}.${field.name}`)));
  return known;
}

export function validationInterceptor(): Interceptor {
  return (next) => async (req) => {
    if (!req.stream) {
      checkRequest(req.method.input, req.message);
      return next(req);
    }
    const source = req.message;
    async function* checked() {
      for await (const message of source) {
        checkRequest(req.method.input, message);
        yield message;
      }
    }
    return next({ ...req, message: checked() });
  };
}

export function checkRequest(schema: DescMessage, message: Message): void {
  checkIdentifiers(schema, message);
  checkText(reflect(schema, message), "");
}

/**
 * Every string of the message, at any depth (map keys, lists, Struct values such as secret
 * metadata included), follows the text rule. Decoders bound the depth of a message (protobuf-es
 * stops at 100 levels), so this recursion is bounded too.
 */
function checkText(message: ReflectMessage, prefix: string): void {
  const wellKnown = message.desc.typeName.startsWith("google.protobuf.");
  // A field's path is spelled out only for a message it descends into or a string it refuses:
  // the common request (a few plain strings) checks its text without building any.
  const nameOf = (field: DescField) => (wellKnown ? prefix.replace(/\.$/, "") : `${prefix}${field.name}`);
  const childPrefix = (field: DescField) => (wellKnown ? prefix : `${nameOf(field)}.`);
  for (const field of message.fields) {
    if (!message.isSet(field) || isOpaque(field)) continue;
    switch (field.fieldKind) {
      case "scalar":
        if (field.scalar === ScalarType.STRING) checkString(field, message.get(field) as string, nameOf);
        break;
      case "message":
        checkText(message.get(field), childPrefix(field));
        break;
      case "list":
        for (const item of message.get(field)) checkItem(field, item, nameOf, childPrefix);
        break;
      case "map":
        for (const [key, item] of message.get(field)) {
          if (typeof key === "string" && controlCharacterAt(key) >= 0) assertPlainText(`${nameOf(field)} key`, key);
          checkItem(field, item, nameOf, childPrefix);
        }
        break;
    }
  }
}

type FieldPath = (field: DescField) => string;

function checkString(field: DescField, value: string, nameOf: FieldPath): void {
  if (controlCharacterAt(value) >= 0) assertPlainText(nameOf(field), value);
}

function checkItem(field: DescField, item: unknown, nameOf: FieldPath, childPrefix: FieldPath): void {
  if (typeof item === "string") checkString(field, item, nameOf);
  else if (field.fieldKind !== "scalar" && field.fieldKind !== "enum" && typeof item === "object" && item !== null && "desc" in item) checkText(item as ReflectMessage, childPrefix(field));
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
