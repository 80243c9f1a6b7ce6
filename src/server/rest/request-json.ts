// Builds the JSON request message of a REST call from its path variables, query string and body.
// It only reshapes JSON; decoding into the message (and its errors) is left to the Connect handler.
import { ScalarType, type DescField, type DescMessage, type JsonObject, type JsonValue } from "@bufbuild/protobuf";
import { fieldName, isSensitiveField, SENT_IN_URLS, type SensitiveField } from "../../sensitive.js";

export class RestRequestError extends Error {
  override name = "RestRequestError";
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * Credentials must never travel in a URL, where proxies, browser history and access logs keep
 * them (src/sensitive.ts): as query parameters they are refused, not ignored, so the caller
 * learns at once.
 */
function neverInQuery(key: string): boolean {
  return isSensitiveField(key) && !SENT_IN_URLS.has(fieldName(key) as SensitiveField);
}

/**
 * The deepest JSON body accepted: as deep as protobuf-es decodes a message (100 levels), so
 * nothing a message can hold is refused, while what the transcoder walks (and re-serializes)
 * stays far from the call-stack limit.
 */
export const MAX_JSON_DEPTH = 100;

export function parseBody(raw: Buffer): JsonValue | undefined {
  const text = raw.toString("utf8").trim();
  // An empty body means {} whatever its content type: 1Claw's clients send
  // Content-Type: application/json on body-less requests.
  if (text === "") return undefined;
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) throw new RestRequestError(400, `the request body nests JSON more than ${MAX_JSON_DEPTH} levels deep`);
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw new RestRequestError(400, `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * How deeply `text` nests arrays and objects, counted without recursion and without parsing, so a
 * hostile body is measured before anything walks it. Brackets inside strings do not count; once
 * the count passes the limit it stops early. Malformed JSON is left for JSON.parse to report.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) deepest = depth;
      if (deepest > MAX_JSON_DEPTH) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

export function buildRequestJson(
  input: DescMessage,
  bodyField: string,
  body: JsonValue | undefined,
  query: URLSearchParams,
  pathValues: Map<string, string>,
): JsonObject {
  let json: JsonObject = {};
  if (bodyField === "*") {
    if (body !== undefined) {
      if (!isObject(body)) throw new RestRequestError(400, "the request body must be a JSON object");
      json = { ...body };
    }
  } else if (bodyField !== "" && body !== undefined) {
    json[bodyField] = body;
  }
  fillUpdateMask(input, json, body, pathValues);
  // Query parameters fill fields the body did not set; unknown parameters are ignored.
  for (const key of new Set(query.keys())) {
    if (neverInQuery(key)) {
      throw new RestRequestError(400, `${key} must not be sent in the URL, where proxies and logs keep it; send it in a request header or the JSON body`);
    }
    const field = fieldAt(input, key);
    if (!field || hasPath(json, key)) continue;
    setPath(json, key, queryValue(field, query.getAll(key)));
  }
  // Path variables always win: they name the resource the URL addresses.
  for (const [path, value] of pathValues) setPath(json, path, value);
  return json;
}

/**
 * PATCH semantics for messages with an `update_mask`: the keys present in the JSON body are the
 * fields to change (as grpc-gateway does), so `null` can clear a field and an absent key keeps it.
 */
function fillUpdateMask(input: DescMessage, json: JsonObject, body: JsonValue | undefined, pathValues: Map<string, string>): void {
  const mask = input.fields.find((f) => f.name === "update_mask" && f.fieldKind === "message" && f.message.typeName === "google.protobuf.FieldMask");
  if (!mask || !isObject(body) || "update_mask" in body || "updateMask" in body) return;
  const paths = Object.keys(body)
    .map((key) => input.fields.find((f) => f !== mask && !pathValues.has(f.name) && (f.name === key || f.jsonName === key)))
    .filter((f): f is DescField => f !== undefined)
    .map((f) => f.jsonName);
  json.update_mask = paths.join(",");
}

function queryValue(field: DescField, values: string[]): JsonValue {
  if (field.fieldKind === "list") {
    // Repeated fields accept repeated parameters and comma-separated lists alike.
    const items = values.flatMap((v) => v.split(",")).filter((v) => v !== "");
    return field.listKind === "scalar" ? items.map(scalarValue(field.scalar)) : items;
  }
  const last = values[values.length - 1];
  return field.fieldKind === "scalar" ? scalarValue(field.scalar)(last) : last;
}

function scalarValue(type: ScalarType): (value: string) => JsonValue {
  // Proto JSON accepts numbers as strings. Booleans follow 1Claw: only the literal values "true"
  // and "1" are true, anything else is false.
  return type === ScalarType.BOOL ? (value) => value === "true" || value === "1" : (value) => value;
}

function fieldAt(message: DescMessage, path: string): DescField | undefined {
  const names = path.split(".");
  let current: DescMessage | undefined = message;
  let field: DescField | undefined;
  for (const name of names) {
    if (!current) return undefined;
    field = current.fields.find((f) => f.name === name || f.jsonName === name);
    if (!field) return undefined;
    current = field.fieldKind === "message" ? field.message : undefined;
  }
  return field;
}

function hasPath(json: JsonObject, path: string): boolean {
  let current: JsonValue | undefined = json;
  for (const name of path.split(".")) {
    if (!isObject(current) || !(name in current)) return false;
    current = current[name];
  }
  return true;
}

function setPath(json: JsonObject, path: string, value: JsonValue): void {
  const names = path.split(".");
  let current = json;
  for (const name of names.slice(0, -1)) {
    const next = current[name];
    if (!isObject(next)) current[name] = {};
    current = current[name] as JsonObject;
  }
  current[names[names.length - 1]] = value;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
