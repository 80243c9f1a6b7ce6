// The audit chain's pure parts: canonical JSON and the HMAC over the fields rest-surface.md names.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJson, GENESIS_HASH, hashesEqual, integrityHash, type ChainedFields } from "../../src/domain/audit/chain.js";

const KEY = Buffer.alloc(32, 7);
const EVENT: ChainedFields = {
  orgId: "11111111-1111-4111-8111-111111111111",
  actorType: "user",
  actorId: "22222222-2222-4222-8222-222222222222",
  action: "secret.read",
  resourceType: "secret",
  resourceId: "api-keys/openai",
  details: { vault_id: "33333333-3333-4333-8333-333333333333", version: 3 },
  createdAt: "2026-11-23T10:00:00.123Z",
};

describe("canonicalJson", () => {
  it("sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it("is independent of insertion order", () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it("writes null for undefined and refuses non-finite numbers", () => {
    expect(canonicalJson([undefined, null])).toBe("[null,null]");
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/NaN/);
  });
});

describe("integrityHash", () => {
  it("is the HMAC-SHA256 of the canonical field array", () => {
    const material = JSON.stringify([GENESIS_HASH, EVENT.orgId, EVENT.actorType, EVENT.actorId, EVENT.action, EVENT.resourceType, EVENT.resourceId, { vault_id: EVENT.details.vault_id, version: 3 }, EVENT.createdAt]);
    expect(integrityHash(KEY, GENESIS_HASH, EVENT)).toBe(createHmac("sha256", KEY).update(material).digest("hex"));
  });

  it.each(Object.keys(EVENT) as (keyof ChainedFields)[])("changes when %s changes", (field) => {
    const changed = { ...EVENT, [field]: field === "details" ? { ...EVENT.details, version: 4 } : `${EVENT[field] as string}x` };
    expect(integrityHash(KEY, GENESIS_HASH, changed)).not.toBe(integrityHash(KEY, GENESIS_HASH, EVENT));
  });

  it("changes with the previous hash and with the key", () => {
    const base = integrityHash(KEY, GENESIS_HASH, EVENT);
    expect(integrityHash(KEY, "f".repeat(64), EVENT)).not.toBe(base);
    expect(integrityHash(Buffer.alloc(32, 8), GENESIS_HASH, EVENT)).not.toBe(base);
  });
});

describe("hashesEqual", () => {
  it("compares hex digests exactly", () => {
    const h = integrityHash(KEY, GENESIS_HASH, EVENT);
    expect(hashesEqual(h, h)).toBe(true);
    expect(hashesEqual(h, h.replace(/.$/, (c) => (c === "0" ? "1" : "0")))).toBe(false);
    expect(hashesEqual(h, h.slice(0, 10))).toBe(false);
    expect(hashesEqual("", "")).toBe(false);
  });
});
