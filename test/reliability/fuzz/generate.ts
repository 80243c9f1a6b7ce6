// Inputs for the fuzzer, from the generated descriptors: random request messages (as proto JSON,
// with hostile strings and numbers), their binary encodings, and mutations of both. Everything
// comes from one seeded generator, so a seed replays the same inputs.
import { fromJson, toBinary, ScalarType, type DescField, type DescMessage, type JsonObject, type JsonValue } from "@bufbuild/protobuf";

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(16).toString(16)).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/** Identifiers that exist on the server, so some inputs get past "not found". */
export interface KnownIds {
  ids: string[];
  paths: string[];
  emails: string[];
}

const HOSTILE_STRINGS = [
  "",
  " ",
  "a",
  "\u0000",
  "a\u0000b",
  "\u0007\u001b[31m",
  "\u202e\u200b",
  "\ud800",
  "😀".repeat(20),
  "../../etc/passwd",
  "**",
  "*",
  "a/b/c",
  "/",
  "%00",
  "' OR 1=1 --",
  '"; DROP TABLE clawkeep_users; --',
  "<script>alert(1)</script>",
  "vaults:read",
  "vaults:write",
  "*:*",
  "0x" + "ab".repeat(20),
  "-1",
  "1e309",
  "NaN",
  "9223372036854775808",
  "2026-01-01T00:00:00Z",
  "0001-01-01T00:00:00Z",
  "{}",
  "null",
  "not-a-uuid",
  "00000000-0000-0000-0000-000000000000",
  "x".repeat(300),
  "y".repeat(5000),
  "user",
  "agent",
  "owner",
  "admin",
  "member",
  "read",
  "write",
  "deny",
  "allow",
  "api_key",
  "anyone_with_link",
  "creator",
  "external_email",
  "base",
  "ethereum",
  "10.0.0.0/8",
  "::1",
  "999.1.1.1/99",
];

function randomText(rng: Rng): string {
  const length = rng.int(40);
  let out = "";
  for (let i = 0; i < length; i++) {
    const r = rng.next();
    out += r < 0.7 ? String.fromCharCode(0x20 + rng.int(95)) : r < 0.85 ? String.fromCharCode(rng.int(0x20)) : String.fromCodePoint(0xa0 + rng.int(0x2000));
  }
  return out;
}

function stringFor(rng: Rng, field: DescField | undefined, known: KnownIds): string {
  const name = field?.name ?? "";
  if ((name.endsWith("_id") || name === "id") && rng.chance(0.6)) return rng.chance(0.8) ? rng.pick(known.ids) : rng.uuid();
  if (name.includes("email") && rng.chance(0.6)) return rng.chance(0.7) ? rng.pick(known.emails) : `fuzz${rng.int(1e6)}@example.com`;
  if ((name === "path" || name.endsWith("_path") || name.endsWith("pattern")) && rng.chance(0.6)) return rng.pick(known.paths);
  const r = rng.next();
  if (r < 0.55) return rng.pick(HOSTILE_STRINGS);
  if (r < 0.9) return randomText(rng);
  return rng.uuid();
}

const INT_EDGES = [0, 1, -1, 2, 10, 100, 3600, 2147483647, -2147483648, 4294967295, 1e15];

function scalarFor(rng: Rng, field: DescField, scalar: ScalarType, known: KnownIds): JsonValue {
  switch (scalar) {
    case ScalarType.STRING:
      return stringFor(rng, field, known);
    case ScalarType.BOOL:
      return rng.chance(0.9) ? rng.chance(0.5) : rng.pick(["true", 1, null]);
    case ScalarType.BYTES:
      return rng.chance(0.8) ? Buffer.from(randomText(rng)).toString("base64") : rng.pick(["!!notbase64", ""]);
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return rng.pick<JsonValue>([0, -0.5, 1.5, 1e308, -1e308, "NaN", "Infinity", 3.4e39, rng.next() * 1000]);
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return rng.pick<JsonValue>(["0", "-1", "9223372036854775807", "-9223372036854775808", "18446744073709551615", String(rng.int(1e6)), 12]);
    default:
      return rng.chance(0.8) ? rng.pick(INT_EDGES) : rng.int(1000) - 500;
  }
}

function wellKnownFor(rng: Rng, message: DescMessage, depth: number, known: KnownIds): JsonValue | undefined {
  switch (message.typeName) {
    case "google.protobuf.Timestamp":
      return rng.pick(["2026-12-31T00:00:00Z", "1970-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2020-02-30T00:00:00Z", "yesterday", new Date(Date.now() + rng.int(1e10)).toISOString()]);
    case "google.protobuf.Duration":
      return rng.pick(["1s", "3600s", "-5s", "315576000001s", "1.5s", "x"]);
    case "google.protobuf.FieldMask":
      return rng.pick(["name", "description,scopes", "nope", "", "name,name"]);
    case "google.protobuf.Struct":
      return randomObject(rng, depth + 1, known);
    case "google.protobuf.Value":
      return randomJson(rng, depth + 1, known);
    case "google.protobuf.ListValue":
      return [randomJson(rng, depth + 1, known)];
    case "google.protobuf.Empty":
      return {};
    case "google.protobuf.Any":
      return {};
    default:
      if (message.typeName.startsWith("google.protobuf.") && message.typeName.endsWith("Value")) {
        const value = message.fields.find((f) => f.name === "value");
        return value && value.fieldKind === "scalar" ? scalarFor(rng, value, value.scalar, known) : null;
      }
      return undefined;
  }
}

export function randomJson(rng: Rng, depth: number, known: KnownIds): JsonValue {
  const r = rng.next();
  if (depth > 4 || r < 0.3) return stringFor(rng, undefined, known);
  if (r < 0.45) return rng.pick(INT_EDGES);
  if (r < 0.55) return rng.chance(0.5);
  if (r < 0.6) return null;
  if (r < 0.8) return Array.from({ length: rng.int(4) }, () => randomJson(rng, depth + 1, known));
  return randomObject(rng, depth, known);
}

function randomObject(rng: Rng, depth: number, known: KnownIds): JsonObject {
  const out: JsonObject = {};
  for (let i = rng.int(4); i > 0; i--) out[rng.chance(0.7) ? rng.pick(["ip_allowlist", "time_window", "after", "before", "timezone", "start_hour", "days_of_week", "note", "env"]) : randomText(rng)] = randomJson(rng, depth + 1, known);
  return out;
}

function fieldValue(rng: Rng, field: DescField, depth: number, known: KnownIds): JsonValue {
  switch (field.fieldKind) {
    case "scalar":
      return scalarFor(rng, field, field.scalar, known);
    case "enum": {
      const values = field.enum.values;
      return rng.chance(0.85) ? rng.pick(values).name : rng.pick<JsonValue>([99, -1, "NOT_A_VALUE"]);
    }
    case "message":
      return messageJson(rng, field.message, depth + 1, known);
    case "list": {
      const length = rng.chance(0.05) ? 200 : rng.int(4);
      return Array.from({ length }, (): JsonValue => {
        if (field.listKind === "scalar") return scalarFor(rng, field, field.scalar, known);
        if (field.listKind === "enum") return rng.pick(field.enum.values).name;
        return messageJson(rng, field.message, depth + 1, known);
      });
    }
    case "map": {
      const out: JsonObject = {};
      for (let i = rng.int(4); i > 0; i--) {
        const key = stringFor(rng, undefined, known);
        out[key] = field.mapKind === "scalar" ? scalarFor(rng, field, field.scalar, known) : field.mapKind === "enum" ? rng.pick(field.enum.values).name : messageJson(rng, field.message, depth + 1, known);
      }
      return out;
    }
  }
}

/** A random request in proto JSON (proto field names): each field set with some probability. */
export function messageJson(rng: Rng, message: DescMessage, depth: number, known: KnownIds): JsonValue {
  const wkt = wellKnownFor(rng, message, depth, known);
  if (wkt !== undefined) return wkt;
  const out: JsonObject = {};
  if (depth > 3) return out;
  const oneofsSet = new Set<string>();
  for (const field of message.fields) {
    if (!rng.chance(depth === 0 ? 0.7 : 0.4)) continue;
    if (field.oneof) {
      if (oneofsSet.has(field.oneof.name)) continue;
      oneofsSet.add(field.oneof.name);
    }
    out[field.name] = fieldValue(rng, field, depth, known);
  }
  return out;
}

/** Structural mutations of a JSON request: wrong types, unknown fields, nulls. */
export function mutateJson(rng: Rng, json: JsonValue, known: KnownIds): JsonValue {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return json;
  const out: JsonObject = { ...json };
  const keys = Object.keys(out);
  for (let i = 1 + rng.int(3); i > 0; i--) {
    const r = rng.next();
    if (r < 0.4 && keys.length > 0) out[rng.pick(keys)] = rng.pick<JsonValue>([null, [], {}, "", 0, true, [null], { a: 1 }, randomJson(rng, 0, known), "x".repeat(2000)]);
    else if (r < 0.6) out[randomText(rng) || "unknown_field"] = randomJson(rng, 0, known);
    else if (r < 0.8 && keys.length > 0) delete out[rng.pick(keys)];
    else out[rng.pick(["name", "email", "value", "path", "vault_id", "password", "scopes", "metadata", "role", "permissions"])] = randomJson(rng, 0, known);
  }
  return out;
}

/** Text-level damage to a JSON body: cut, stray characters, duplicated keys, deep or huge arrays. */
export function mutateJsonText(rng: Rng, text: string): string {
  const r = rng.next();
  if (r < 0.2) return text.slice(0, rng.int(text.length + 1));
  if (r < 0.4) {
    const at = rng.int(text.length + 1);
    return text.slice(0, at) + rng.pick(["{", "}", "[", "]", '"', ",", ":", "\\", "\u0000", "\ud800", "NaN", "1e999"]) + text.slice(at);
  }
  if (r < 0.5) return text.replace(/^\{/, '{"name":"a","name":"b",');
  if (r < 0.6) return `${"[".repeat(5000 + rng.int(20000))}${"]".repeat(rng.int(2) ? 5000 : 0)}`;
  if (r < 0.7) return `{"scopes":[${Array.from({ length: 50_000 }, () => '"a"').join(",")}]}`;
  if (r < 0.8) return JSON.stringify(rng.pick<JsonValue>([[], "string", 12, null, true]));
  return text;
}

/** The binary encoding of a JSON request, or random bytes when the JSON is not a valid message. */
export function binaryOf(rng: Rng, message: DescMessage, json: JsonValue): Uint8Array {
  try {
    return toBinary(message, fromJson(message, json, { ignoreUnknownFields: true }));
  } catch {
    return Uint8Array.from({ length: rng.int(64) }, () => rng.int(256));
  }
}

/** Byte-level damage: flips, cuts, inserted bytes, and fields whose length prefix lies. */
export function mutateBinary(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = Array.from(bytes);
  for (let i = 1 + rng.int(3); i > 0; i--) {
    const r = rng.next();
    if (r < 0.3 && out.length > 0) out[rng.int(out.length)] ^= 1 << rng.int(8);
    else if (r < 0.45) out.length = rng.int(out.length + 1);
    else if (r < 0.65) out.splice(rng.int(out.length + 1), 0, ...Array.from({ length: 1 + rng.int(8) }, () => rng.int(256)));
    else if (r < 0.8) out.push((1 + rng.int(30)) << 3 | 2, 0xff, 0xff, 0xff, 0x7f); // a length-delimited field claiming 256 MB
    else if (r < 0.9) out.push(...nestedGroups(rng.int(2) ? 200 : 5000));
    else out.push(rng.int(256));
  }
  return Uint8Array.from(out);
}

/** Deeply nested start-group tags (wire type 3), to test recursion limits while skipping. */
function nestedGroups(depth: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < depth; i++) out.push((15 << 3) | 3);
  return out;
}
