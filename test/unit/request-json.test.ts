// How a REST call's path variables, query string and body become the JSON request message.
import { create, createFileRegistry, fromJson, type DescMessage, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { FieldDescriptorProto_Label as Label, FieldDescriptorProto_Type as Type, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { UpdateAgentRequestSchema } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { QueryAuditEventsRequestSchema } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { ListTransactionsRequestSchema } from "../../gen/ts/clawkeep/v1/intents_pb.js";
import { AccessShareRequestSchema } from "../../gen/ts/clawkeep/v1/sharing_pb.js";
import { ListSecretsRequestSchema, PutSecretRequestSchema, UpdatePolicyRequestSchema } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { buildRequestJson, parseBody, RestRequestError } from "../../src/server/rest/request-json.js";

const VAULT = "3f1c2b4e-8a9d-4c7e-b1f0-123456789abc";
const AGENT = "9b2d7e10-1c3a-4f5e-8d6b-abcdefabcdef";

/** A message with the field shapes the contract does not (yet) use in query strings. */
const Probe: DescMessage = (() => {
  const file = create(FileDescriptorProtoSchema, {
    name: "probe.proto",
    package: "probe",
    syntax: "proto3",
    messageType: [
      {
        name: "Inner",
        field: [
          { name: "name", jsonName: "name", number: 1, type: Type.STRING, label: Label.OPTIONAL },
          { name: "flag", jsonName: "flag", number: 2, type: Type.BOOL, label: Label.OPTIONAL },
        ],
      },
      {
        name: "Probe",
        field: [
          { name: "id", jsonName: "id", number: 1, type: Type.STRING, label: Label.OPTIONAL },
          { name: "flags", jsonName: "flags", number: 2, type: Type.BOOL, label: Label.REPEATED },
          { name: "counts", jsonName: "counts", number: 3, type: Type.INT32, label: Label.REPEATED },
          { name: "inner", jsonName: "inner", number: 4, type: Type.MESSAGE, typeName: ".probe.Inner", label: Label.OPTIONAL },
          { name: "page_size", jsonName: "pageSize", number: 5, type: Type.INT32, label: Label.OPTIONAL },
        ],
      },
    ],
  });
  return createFileRegistry(file, () => undefined).getMessage("probe.Probe")!;
})();

function build(
  input: DescMessage,
  options: { bodyField?: string; body?: JsonValue; query?: string; path?: Record<string, string> } = {},
): JsonObject {
  return buildRequestJson(input, options.bodyField ?? "", options.body, new URLSearchParams(options.query ?? ""), new Map(Object.entries(options.path ?? {})));
}

function restError(fn: () => unknown): RestRequestError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RestRequestError);
    return error as RestRequestError;
  }
  throw new Error("expected a RestRequestError");
}

describe("parseBody", () => {
  it("reads an empty or blank body as no body", () => {
    expect(parseBody(Buffer.alloc(0))).toBeUndefined();
    expect(parseBody(Buffer.from("  \n\t "))).toBeUndefined();
  });

  it("parses JSON of any shape, leaving shape checks to the body rule", () => {
    expect(parseBody(Buffer.from('{"name":"x","n":1}'))).toEqual({ name: "x", n: 1 });
    expect(parseBody(Buffer.from("[1,2]"))).toEqual([1, 2]);
    expect(parseBody(Buffer.from("null"))).toBeNull();
    expect(parseBody(Buffer.from(' "text" '))).toBe("text");
  });

  it("rejects malformed JSON with a 400 that says so", () => {
    for (const raw of ["{nope", '{"a":1', "undefined", "{'a':1}"]) {
      const error = restError(() => parseBody(Buffer.from(raw)));
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/^the request body is not valid JSON: /);
    }
  });
});

describe('buildRequestJson with body "*"', () => {
  it("copies the body object and lets path variables name the resource", () => {
    const body = { type: "api_key", value: "sk-live", vault_id: "someone-else", path: "elsewhere" };
    const json = build(PutSecretRequestSchema, { bodyField: "*", body, path: { vault_id: VAULT, path: "api-keys/openai" } });
    expect(json).toEqual({ type: "api_key", value: "sk-live", vault_id: VAULT, path: "api-keys/openai" });
    // The caller's body object is not modified.
    expect(body.vault_id).toBe("someone-else");
  });

  it("reads no body as {}", () => {
    expect(build(PutSecretRequestSchema, { bodyField: "*" })).toEqual({});
    expect(build(PutSecretRequestSchema, { bodyField: "*", path: { vault_id: VAULT } })).toEqual({ vault_id: VAULT });
  });

  it.each([
    ["an array", [1, 2]],
    ["null", null],
    ["a string", "text"],
    ["a number", 42],
    ["a boolean", true],
  ])("rejects %s as the body with 400", (_, body) => {
    const error = restError(() => build(PutSecretRequestSchema, { bodyField: "*", body: body as JsonValue }));
    expect(error.status).toBe(400);
    expect(error.message).toBe("the request body must be a JSON object");
  });

  it("keeps unknown body fields for the decoder to ignore", () => {
    const json = build(PutSecretRequestSchema, { bodyField: "*", body: { value: "v", shroud_enabled: true, policy_schema_version: 2 } });
    expect(json).toEqual({ value: "v", shroud_enabled: true, policy_schema_version: 2 });
    const message = fromJson(PutSecretRequestSchema, json, { ignoreUnknownFields: true });
    expect(message.value).toBe("v");
  });

  it("lets body fields win over query parameters, and path variables win over both", () => {
    const json = build(ListSecretsRequestSchema, {
      bodyField: "*",
      body: { prefix: "from-body", vault_id: "body-vault" },
      query: `prefix=from-query&cursor=c1&vault_id=query-vault`,
      path: { vault_id: VAULT },
    });
    expect(json).toEqual({ prefix: "from-body", cursor: "c1", vault_id: VAULT });
  });
});

describe("buildRequestJson with a named body field", () => {
  it("puts the whole body into that field", () => {
    const json = build(UpdatePolicyRequestSchema, { bodyField: "conditions", body: { ip_address: "10.0.0.0/8" }, path: { vault_id: VAULT, policy_id: AGENT } });
    expect(json).toEqual({ conditions: { ip_address: "10.0.0.0/8" }, vault_id: VAULT, policy_id: AGENT });
    const message = fromJson(UpdatePolicyRequestSchema, json);
    expect(message.conditions).toEqual({ ip_address: "10.0.0.0/8" });
  });

  it("accepts a non-object body for that field, and leaves the field out without a body", () => {
    expect(build(Probe, { bodyField: "counts", body: [1, 2] })).toEqual({ counts: [1, 2] });
    expect(build(Probe, { bodyField: "inner", query: "id=x" })).toEqual({ id: "x" });
  });

  it('ignores a body when the rule has no body ("")', () => {
    expect(build(ListSecretsRequestSchema, { bodyField: "", body: { prefix: "ignored" }, path: { vault_id: VAULT } })).toEqual({ vault_id: VAULT });
  });
});

describe("buildRequestJson query parameters", () => {
  it("fills scalar fields by proto name or JSON name and ignores unknown parameters", () => {
    const json = build(ListSecretsRequestSchema, { query: "prefix=api-keys/&limit=25&shroud_enabled=true&x-1claw=1&nextCursor=z", path: { vault_id: VAULT } });
    // Numbers stay strings: proto JSON accepts "25" for an int32.
    expect(json).toEqual({ prefix: "api-keys/", limit: "25", vault_id: VAULT });
    expect(fromJson(ListSecretsRequestSchema, json).limit).toBe(25);
    expect(build(Probe, { query: "pageSize=7" })).toEqual({ pageSize: "7" });
    expect(build(Probe, { query: "page_size=7" })).toEqual({ page_size: "7" });
  });

  it("takes the last value of a repeated parameter for a singular field", () => {
    expect(build(ListSecretsRequestSchema, { query: "prefix=a&prefix=b" })).toEqual({ prefix: "b" });
  });

  it("accepts repeated parameters and comma-separated lists for repeated fields, dropping empty items", () => {
    const json = build(UpdateAgentRequestSchema, { query: "scopes=vaults:read&scopes=vaults:write,secrets:read&scopes=&scopes=,audit:read," });
    expect(json).toEqual({ scopes: ["vaults:read", "vaults:write", "secrets:read", "audit:read"] });
  });

  it("converts each item of a repeated bool field and keeps repeated numbers as strings", () => {
    expect(build(Probe, { query: "flags=true,0&flags=1&counts=1,2&counts=3" })).toEqual({ flags: [true, false, true], counts: ["1", "2", "3"] });
    expect(build(Probe, { query: "flags=true,maybe" })).toEqual({ flags: [true, false] });
  });

  // 1Claw's rule, as the contract documents for include_signed_tx: only "true" and "1" are true.
  it.each([
    ["true", true],
    ["1", true],
    ["", false],
    ["false", false],
    ["0", false],
    ["yes", false],
    ["TRUE", false],
    ["on", false],
  ])("reads the bool parameter value %j as %s", (raw, expected) => {
    expect(build(UpdateAgentRequestSchema, { query: `is_active=${raw}` })).toEqual({ is_active: expected });
    expect(build(Probe, { query: `inner.flag=${raw}` })).toEqual({ inner: { flag: expected } });
  });

  it("reads bool parameters of real list routes", () => {
    const json = build(ListTransactionsRequestSchema, { query: "include_signed_tx=true", path: { agent_id: AGENT } });
    expect(fromJson(ListTransactionsRequestSchema, json)).toMatchObject({ agentId: AGENT, includeSignedTx: true });
  });

  it("fills nested fields named with dots, and ignores unknown nested names", () => {
    expect(build(Probe, { query: "inner.name=n1&inner.flag=false&inner.nope=1&nope.name=2" })).toEqual({ inner: { name: "n1", flag: false } });
    // A nested parameter does not override what the body set, but fills in beside it.
    expect(build(Probe, { bodyField: "*", body: { inner: { name: "from-body" } }, query: "inner.name=from-query&inner.flag=1" })).toEqual({
      inner: { name: "from-body", flag: true },
    });
  });

  it("passes message-typed parameters through as their JSON string form", () => {
    const json = build(QueryAuditEventsRequestSchema, { query: "from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z&limit=10&action=secret.read" });
    expect(json).toEqual({ from: "2025-01-01T00:00:00Z", to: "2025-02-01T00:00:00Z", limit: "10", action: "secret.read" });
    const message = fromJson(QueryAuditEventsRequestSchema, json);
    expect(message.from?.seconds).toBe(BigInt(Date.parse("2025-01-01T00:00:00Z") / 1000));
    expect(message.limit).toBe(10);
  });
});

describe("buildRequestJson path variables", () => {
  it("always win, also over nested body fields", () => {
    expect(build(Probe, { bodyField: "*", body: { id: "body", inner: { name: "body" } }, query: "id=query", path: { id: "path", "inner.name": "path" } })).toEqual({
      id: "path",
      inner: { name: "path" },
    });
  });

  it("create the nested objects they need", () => {
    expect(build(Probe, { path: { "inner.name": "x" } })).toEqual({ inner: { name: "x" } });
  });
});

describe("update_mask for UpdateAgentRequest", () => {
  const patch = (body: JsonValue | undefined, query = "") => build(UpdateAgentRequestSchema, { bodyField: "*", body, query, path: { agent_id: AGENT } });

  it("is filled from the keys of the body, in JSON names, so null clears and absent keeps", () => {
    const json = patch({ name: "renamed", is_active: false, tx_max_value: null, scopes: [], txDailyLimit: "5" });
    expect(json.update_mask).toBe("name,isActive,txMaxValue,scopes,txDailyLimit");
    const message = fromJson(UpdateAgentRequestSchema, json);
    expect(message.updateMask?.paths).toEqual(["name", "is_active", "tx_max_value", "scopes", "tx_daily_limit"]);
    expect(message.agentId).toBe(AGENT);
    expect(message.isActive).toBe(false);
    expect(message.txMaxValue).toBeUndefined();
  });

  it("leaves unknown body keys out of the mask", () => {
    const json = patch({ description: "d", shroud_enabled: true, dpop_jwk: {} });
    expect(json.update_mask).toBe("description");
    expect(fromJson(UpdateAgentRequestSchema, json, { ignoreUnknownFields: true }).updateMask?.paths).toEqual(["description"]);
  });

  it("is empty for an empty body object, and absent when there is no body", () => {
    expect(patch({}).update_mask).toBe("");
    expect(fromJson(UpdateAgentRequestSchema, patch({})).updateMask?.paths).toEqual([]);
    expect(patch(undefined)).toEqual({ agent_id: AGENT });
  });

  it("is not overridden when the caller sends one, under either name", () => {
    expect(patch({ name: "n", is_active: true, update_mask: "name" }).update_mask).toBe("name");
    const camel = patch({ name: "n", is_active: true, updateMask: "isActive" });
    expect(camel.updateMask).toBe("isActive");
    expect(camel).not.toHaveProperty("update_mask");
  });

  it("ignores query parameters: only the body says what changes", () => {
    const json = patch({ name: "n" }, "is_active=false");
    expect(json.update_mask).toBe("name");
    expect(json.is_active).toBe(false);
  });

  it("leaves out fields bound from the path even when the body repeats them", () => {
    expect(patch({ agent_id: AGENT, name: "n" }).update_mask).toBe("name");
  });

  it("is never added to messages without an update_mask field", () => {
    expect(build(PutSecretRequestSchema, { bodyField: "*", body: { value: "v" } })).not.toHaveProperty("update_mask");
    expect(build(UpdatePolicyRequestSchema, { bodyField: "*", body: { effect: "deny" } })).not.toHaveProperty("update_mask");
  });
});

describe("credentials in the query string", () => {
  it("are refused with a 400, never read or ignored, so they do not live on in URLs and logs", () => {
    for (const key of ["passphrase", "password", "api_key", "refresh_token", "claim_token"]) {
      const error = restError(() => build(AccessShareRequestSchema, { query: `${key}=hunter2`, path: { share_id: VAULT } }));
      expect(error.status).toBe(400);
      expect(error.message).toBe(`${key} must not be sent in the URL, where proxies and logs keep it; send it in a request header or the JSON body`);
    }
  });

  it("are still read from the body", () => {
    expect(build(AccessShareRequestSchema, { bodyField: "*", body: { passphrase: "p" }, path: { share_id: VAULT } })).toEqual({ passphrase: "p", share_id: VAULT });
  });
});
