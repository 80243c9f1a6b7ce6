// API keys: their format, uniqueness and listing prefix, the syntax check, the keyed hash and
// the constant-time comparison.
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { apiKeyKind, generateApiKey, hashApiKey, sameHash } from "../../src/crypto/api-keys.js";

describe("generateApiKey", () => {
  it.each(["ocv", "1ck"] as const)("makes %s_ + base64url of 32 random bytes, and a 12-character prefix", (kind) => {
    const { key, prefix } = generateApiKey(kind);
    expect(key).toMatch(new RegExp(`^${kind}_[A-Za-z0-9_-]{43}$`));
    expect(Buffer.from(key.slice(4), "base64url")).toHaveLength(32);
    expect(prefix).toBe(key.slice(0, 12));
    expect(prefix.startsWith(`${kind}_`)).toBe(true);
    expect(apiKeyKind(key)).toBe(kind);
  });

  it("never repeats a key, and prefixes almost never collide", () => {
    const keys = Array.from({ length: 2000 }, () => generateApiKey("ocv"));
    expect(new Set(keys.map((k) => k.key)).size).toBe(2000);
    // 48 random bits per prefix: a collision among 2000 has odds of about 1e-8.
    expect(new Set(keys.map((k) => k.prefix)).size).toBe(2000);
  });
});

describe("apiKeyKind", () => {
  const good = generateApiKey("1ck").key;

  it.each([
    ["empty", ""],
    ["unknown kind", `abc_${good.slice(4)}`],
    ["upper-case kind", `1CK_${good.slice(4)}`],
    ["no underscore", `1ck${good.slice(4)}`],
    ["one character short", good.slice(0, -1)],
    ["one character long", `${good}A`],
    ["standard base64 characters", `1ck_${"+".repeat(42)}A`],
    ["padding", `1ck_${good.slice(4, -1)}=`],
    ["a last character 32 bytes cannot end in", `1ck_${"A".repeat(42)}B`],
    ["surrounding space", ` ${good}`],
    ["a JWT", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"],
  ])("is undefined for %s", (_name, candidate) => {
    expect(apiKeyKind(candidate)).toBeUndefined();
  });

  it("accepts every key the generator makes", () => {
    for (let i = 0; i < 500; i++) {
      expect(apiKeyKind(generateApiKey(i % 2 ? "ocv" : "1ck").key)).toBeDefined();
    }
  });
});

describe("hashApiKey and sameHash", () => {
  const pepper = randomBytes(32);

  it("is HMAC-SHA256 under the pepper", () => {
    const { key } = generateApiKey("ocv");
    const expected = createHmac("sha256", pepper).update(key).digest();
    expect(hashApiKey(pepper, key).equals(expected)).toBe(true);
    expect(hashApiKey(pepper, key)).toHaveLength(32);
  });

  it("differs per key and per pepper, so a database without the pepper is useless", () => {
    const { key } = generateApiKey("ocv");
    const hashes = [hashApiKey(pepper, key), hashApiKey(pepper, generateApiKey("ocv").key), hashApiKey(randomBytes(32), key)];
    expect(new Set(hashes.map((h) => h.toString("hex"))).size).toBe(3);
    expect(hashApiKey(pepper, key).toString("hex")).not.toContain(Buffer.from(key).toString("hex"));
  });

  it("compares equal hashes as equal and anything else as different, without throwing on lengths", () => {
    const { key } = generateApiKey("1ck");
    const a = hashApiKey(pepper, key);
    expect(sameHash(a, Buffer.from(a))).toBe(true);
    // A 32-byte key's last base64url character is one of 16; pick one that differs from it.
    const otherLast = key.endsWith("A") ? "E" : "A";
    expect(sameHash(a, hashApiKey(pepper, `${key.slice(0, -1)}${otherLast}`))).toBe(false);
    const oneBitOff = Buffer.from(a);
    oneBitOff[31] ^= 1;
    expect(sameHash(a, oneBitOff)).toBe(false);
    expect(sameHash(a, a.subarray(0, 31))).toBe(false);
    expect(sameHash(a, Buffer.alloc(0))).toBe(false);
    expect(sameHash(Buffer.alloc(0), Buffer.alloc(0))).toBe(true);
  });
});
