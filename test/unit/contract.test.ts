// Rules the contract itself must keep: every RPC declares who may call it, JSON numbers stay
// numbers (no 64-bit integers), enum-like values are strings, and messages are named after RPCs.
import { ScalarType, type DescField, type DescFile, type DescMessage } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { file_clawkeep_v1_errors } from "../../gen/ts/clawkeep/v1/errors_pb.js";
import { file_clawkeep_v1_options } from "../../gen/ts/clawkeep/v1/options_pb.js";
import { CLAWKEEP_SERVICES } from "../../src/api/services.js";
import { isSensitiveField, NOT_SECRET_DESPITE_NAME } from "../../src/sensitive.js";
import { Access, accessOf } from "../../src/server/method-options.js";

const METHODS = CLAWKEEP_SERVICES.flatMap((service) => service.methods.map((method) => ({ service, method })));
const INT64_TYPES = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
/** Well-known types whose JSON form is a string or an object, never a 64-bit number. */
const ALLOWED_FOREIGN = new Set(["google.protobuf.Timestamp", "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.FieldMask"]);

const FILES: DescFile[] = [...new Set([...CLAWKEEP_SERVICES.map((s) => s.file), file_clawkeep_v1_errors, file_clawkeep_v1_options])];

function allMessages(): DescMessage[] {
  const seen = new Map<string, DescMessage>();
  const visit = (message: DescMessage) => {
    if (seen.has(message.typeName)) return;
    seen.set(message.typeName, message);
    message.nestedMessages.forEach(visit);
    for (const field of message.fields) {
      const target = messageOf(field);
      if (target) visit(target);
    }
  };
  FILES.forEach((file) => file.messages.forEach(visit));
  METHODS.forEach(({ method }) => {
    visit(method.input);
    visit(method.output);
  });
  return [...seen.values()];
}

function messageOf(field: DescField): DescMessage | undefined {
  if (field.fieldKind === "message") return field.message;
  if (field.fieldKind === "list" && field.listKind === "message") return field.message;
  if (field.fieldKind === "map" && field.mapKind === "message") return field.message;
  return undefined;
}

function scalarTypesOf(field: DescField): ScalarType[] {
  switch (field.fieldKind) {
    case "scalar":
      return [field.scalar];
    case "list":
      return field.listKind === "scalar" ? [field.scalar] : [];
    case "map":
      return field.mapKind === "scalar" ? [field.mapKey, field.scalar] : [field.mapKey];
    default:
      return [];
  }
}

const MESSAGES = allMessages();
const OWN_MESSAGES = MESSAGES.filter((m) => m.typeName.startsWith("clawkeep.v1."));

describe("the clawkeep.v1 contract", () => {
  it("covers every service file and a substantial set of messages", () => {
    expect(CLAWKEEP_SERVICES.map((s) => s.typeName)).toEqual([
      "clawkeep.v1.AuthService",
      "clawkeep.v1.AgentService",
      "clawkeep.v1.VaultService",
      "clawkeep.v1.ShareService",
      "clawkeep.v1.IntentService",
      "clawkeep.v1.AuditService",
      "clawkeep.v1.OrgService",
      "clawkeep.v1.HealthService",
    ]);
    // Two messages per RPC at least, plus shared ones such as Agent and ErrorDetail.
    expect(OWN_MESSAGES.length).toBeGreaterThan(METHODS.length * 2);
    expect(OWN_MESSAGES.map((m) => m.typeName)).toContain("clawkeep.v1.ErrorDetail");
  });

  it.each(METHODS.map(({ service, method }) => [`${service.name}.${method.name}`, method] as const))("%s declares clawkeep.v1.access", (_, method) => {
    expect(accessOf(method)).not.toBe(Access.UNSPECIFIED);
    expect(Object.values(Access)).toContain(accessOf(method));
  });

  it.each(METHODS.map(({ service, method }) => [`${service.name}.${method.name}`, method] as const))("%s uses <Rpc>Request and <Rpc>Response", (_, method) => {
    expect(method.input.typeName).toBe(`clawkeep.v1.${method.name}Request`);
    expect(method.output.typeName).toBe(`clawkeep.v1.${method.name}Response`);
  });

  it("gives every RPC its own request and response messages and a unique name", () => {
    const inputs = METHODS.map(({ method }) => method.input.typeName);
    const outputs = METHODS.map(({ method }) => method.output.typeName);
    expect(new Set(inputs).size).toBe(METHODS.length);
    expect(new Set(outputs).size).toBe(METHODS.length);
    expect(new Set(METHODS.map(({ method }) => method.name)).size).toBe(METHODS.length);
  });

  it("names services *Service and uses only unary and server-streaming RPCs", () => {
    for (const { service, method } of METHODS) {
      expect(service.name).toMatch(/^[A-Z][A-Za-z]*Service$/);
      expect(["unary", "server_streaming"], `${service.name}.${method.name}`).toContain(method.methodKind);
    }
  });

  it("has no 64-bit integer field anywhere, so counts and versions are JSON numbers", () => {
    const offenders = OWN_MESSAGES.flatMap((message) =>
      message.fields.filter((field) => scalarTypesOf(field).some((t) => INT64_TYPES.has(t))).map((field) => `${message.typeName}.${field.name}`),
    );
    expect(offenders).toEqual([]);
  });

  it("has no enum fields: enum-like values travel as the reference's lowercase strings", () => {
    const offenders = OWN_MESSAGES.flatMap((message) =>
      message.fields
        .filter((f) => f.fieldKind === "enum" || (f.fieldKind === "list" && f.listKind === "enum") || (f.fieldKind === "map" && f.mapKind === "enum"))
        .map((f) => `${message.typeName}.${f.name}`),
    );
    expect(offenders).toEqual([]);
  });

  it("refers to no foreign message types beyond string- or object-shaped well-known types", () => {
    const foreign = new Set(MESSAGES.filter((m) => !m.typeName.startsWith("clawkeep.v1.")).map((m) => m.typeName));
    // Struct, Value and ListValue refer to each other; everything else is used directly.
    expect([...foreign].filter((name) => !ALLOWED_FOREIGN.has(name))).toEqual([]);
  });

  it("checks what it claims: the walk would catch a 64-bit field in a well-known type", () => {
    // Timestamp (reachable, foreign) has an int64 seconds field; the own-message filter is what spares it.
    const timestamp = MESSAGES.find((m) => m.typeName === "google.protobuf.Timestamp");
    expect(timestamp?.fields.some((f) => scalarTypesOf(f).some((t) => INT64_TYPES.has(t)))).toBe(true);
  });

  it("marks [debug_redact = true] exactly the string fields whose names src/sensitive.ts declares secret", () => {
    const strings = OWN_MESSAGES.flatMap((message) => message.fields.filter((f) => f.fieldKind === "scalar" && f.scalar === ScalarType.STRING).map((field) => ({ message, field })));
    const marked = strings.filter(({ field }) => field.proto.options?.debugRedact === true).map(({ message, field }) => `${message.typeName}.${field.name}`);
    const named = strings
      .filter(({ field }) => isSensitiveField(field.name))
      .map(({ message, field }) => `${message.typeName}.${field.name}`)
      .filter((name) => !NOT_SECRET_DESPITE_NAME.has(name));
    expect(marked.sort()).toEqual(named.sort());
    // The exceptions are fields that exist, so a renamed field cannot leave one dangling.
    expect([...NOT_SECRET_DESPITE_NAME].filter((name) => !strings.some(({ message, field }) => `${message.typeName}.${field.name}` === name))).toEqual([]);
    expect(marked.length).toBeGreaterThan(20);
  });
});
