// Passwords: the policy, Argon2id hashing with the documented parameters, verification that never
// throws, and the dummy check that makes unknown-account logins cost the same.
import { parseOptions } from "@node-rs/argon2";
import { describe, expect, it } from "vitest";
import {
  BURN_HASH,
  burnPasswordCheck,
  checkPasswordPolicy,
  hashPassword,
  PASSWORD_MIN_LENGTH,
  passwordNeedsRehash,
  verifyPassword,
} from "../../src/crypto/passwords.js";

const PASSWORD = "correct horse battery staple";

describe("checkPasswordPolicy", () => {
  it("wants at least 12 characters", () => {
    expect(PASSWORD_MIN_LENGTH).toBe(12);
    expect(checkPasswordPolicy("")).toBe("The password must be at least 12 characters long.");
    expect(checkPasswordPolicy("a".repeat(11))).toBe("The password must be at least 12 characters long.");
    expect(checkPasswordPolicy("a".repeat(12))).toBeUndefined();
  });

  it("wants at most 1024 characters", () => {
    expect(checkPasswordPolicy("a".repeat(1024))).toBeUndefined();
    expect(checkPasswordPolicy("a".repeat(1025))).toBe("The password must be at most 1024 characters long.");
  });

  it("counts characters as people do, not UTF-16 units", () => {
    // Six emoji are 12 UTF-16 units but 6 characters.
    expect(checkPasswordPolicy("🔑🔑🔑🔑🔑🔑")).toMatch(/at least 12/);
    expect(checkPasswordPolicy("🔑".repeat(12))).toBeUndefined();
  });
});

describe("hashPassword and verifyPassword", () => {
  it("hash with Argon2id, m=19456 KiB, t=2, p=1, a random salt, and verify the right password only", async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(hash).not.toContain(PASSWORD);
    expect(await hashPassword(PASSWORD)).not.toBe(hash);
    expect(await verifyPassword(hash, PASSWORD)).toBe(true);
    expect(await verifyPassword(hash, `${PASSWORD} `)).toBe(false);
    expect(await verifyPassword(hash, "")).toBe(false);
    expect(passwordNeedsRehash(hash)).toBe(false);
  });

  it("treat the same password typed with composed or decomposed accents alike", async () => {
    const composed = "mot de passe d\u00e9j\u00e0 vu";
    const decomposed = "mot de passe de\u0301ja\u0300 vu";
    expect(await verifyPassword(await hashPassword(composed), decomposed)).toBe(true);
  });

  it.each([
    ["an empty string", ""],
    ["garbage", "not a hash at all"],
    ["a truncated hash", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ"],
    ["a bcrypt hash", "$2b$10$abcdefghijklmnopqrstuu5KfGbzhmM8r8ECvKd2qLp0n0w5Ojzi"],
    ["absurd parameters", "$argon2id$v=19$m=1,t=0,p=0$c2FsdHNhbHQ$aGFzaGhhc2g"],
  ])("return false, never throw, for %s", async (_name, hash) => {
    await expect(verifyPassword(hash, PASSWORD)).resolves.toBe(false);
    expect(passwordNeedsRehash(hash)).toBe(true);
  });

  it("ask for a rehash of hashes made with weaker parameters", () => {
    expect(passwordNeedsRehash("$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")).toBe(true);
  });
});

describe("burnPasswordCheck", () => {
  it("verifies against a hash made with exactly today's parameters, so it costs what a real check costs", async () => {
    const burn = parseOptions(BURN_HASH);
    const real = parseOptions(await hashPassword(PASSWORD));
    expect(burn).toEqual(real);
    expect(passwordNeedsRehash(BURN_HASH)).toBe(false);
    await expect(burnPasswordCheck(PASSWORD)).resolves.toBeUndefined();
    // Same algorithm, version, memory, passes, lanes, output and salt length means the same work;
    // timing itself is left to the benchmarks (DESIGN.md: no timed tests).
  });
});
