// The master key: parsing CLAWKEEP_MASTER_KEY (and never repeating it in an error), generating a
// key file in embedded mode, refusing to run on PostgreSQL without a key, and HKDF derivation.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino, type Logger } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { deriveKey, loadMasterKey, parseMasterKey } from "../../src/crypto/master-key.js";

/** A real pino logger whose JSON lines are kept for inspection. */
function capturingLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const raw: string[] = [];
  const logger = pino({ level: "trace" }, { write: (line: string) => void raw.push(line) });
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "clawkeep-master-key-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("CLAWKEEP_MASTER_KEY", () => {
  const key = randomBytes(32);

  it.each([
    ["base64", key.toString("base64")],
    ["base64 without padding", key.toString("base64").replace(/=+$/, "")],
    ["base64url", key.toString("base64url")],
    ["base64 with surrounding whitespace", `  ${key.toString("base64")}\n`],
  ])("accepts 32 bytes as %s", (_name, value) => {
    const { logger } = capturingLogger();
    expect(loadMasterKey({ envValue: value, dataDir: "/nonexistent", embedded: false, logger }).equals(key)).toBe(true);
  });

  it("accepts a key whose base64 and base64url forms differ", () => {
    // 0xfb 0xff … encodes to "+/…" in base64 and "-_…" in base64url.
    const awkward = Buffer.alloc(32, 0xfb);
    expect(awkward.toString("base64")).toMatch(/[+/]/);
    expect(parseMasterKey(awkward.toString("base64"), "x").equals(awkward)).toBe(true);
    expect(parseMasterKey(awkward.toString("base64url"), "x").equals(awkward)).toBe(true);
  });

  it.each([
    ["31 bytes", randomBytes(31).toString("base64")],
    ["33 bytes", randomBytes(33).toString("base64")],
    ["64 bytes", randomBytes(64).toString("base64")],
    ["hex of 32 bytes", randomBytes(32).toString("hex")],
    ["a character outside base64", `${key.toString("base64url").slice(0, 20)}!${key.toString("base64url").slice(21)}`],
    ["a passphrase", "correct horse battery staple"],
  ])("refuses %s with a sentence that does not repeat the value", (_name, value) => {
    const { logger } = capturingLogger();
    let message = "";
    try {
      loadMasterKey({ envValue: value, dataDir: "/nonexistent", embedded: true, logger });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^CLAWKEEP_MASTER_KEY .*32/);
    expect(message).toMatch(/\.$/);
    // Neither the value nor any 8-character piece of it may appear in the message.
    const trimmed = value.trim();
    for (let i = 0; i + 8 <= trimmed.length; i++) {
      const piece = trimmed.slice(i, i + 8);
      if (!/^[a-z ]+$/.test(piece)) expect(message).not.toContain(piece);
    }
    expect(message).not.toContain(trimmed);
  });

  it("is required when the database is PostgreSQL", () => {
    const { logger } = capturingLogger();
    const dataDir = tempDir();
    expect(() => loadMasterKey({ envValue: undefined, dataDir, embedded: false, logger })).toThrow(/CLAWKEEP_MASTER_KEY is required/);
    expect(() => loadMasterKey({ envValue: "", dataDir, embedded: false, logger })).toThrow(/CLAWKEEP_MASTER_KEY is required/);
    // Nothing was generated behind the operator's back.
    expect(() => statSync(join(dataDir, "master.key"))).toThrow();
  });
});

describe("generated master key (embedded mode)", () => {
  it("is created mode 0600 in the data directory, with a loud warning saying where", () => {
    const dataDir = join(tempDir(), "nested", "data");
    const { logger, lines } = capturingLogger();
    const key = loadMasterKey({ envValue: undefined, dataDir, embedded: true, logger });
    expect(key).toHaveLength(32);
    const file = join(dataDir, "master.key");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(file, "utf8").trim(), "base64").equals(key)).toBe(true);
    const warnings = lines().filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toContain(file);
    expect(warnings[0].msg).toMatch(/lost.*every secret/);
    // The warning says where the key is, never what it is.
    expect(JSON.stringify(lines())).not.toContain(key.toString("base64"));
    expect(JSON.stringify(lines())).not.toContain(key.toString("base64url"));
  });

  it("is reused on the next start, still with a warning", () => {
    const dataDir = tempDir();
    const first = loadMasterKey({ envValue: undefined, dataDir, embedded: true, logger: capturingLogger().logger });
    const { logger, lines } = capturingLogger();
    const second = loadMasterKey({ envValue: undefined, dataDir, embedded: true, logger });
    expect(second.equals(first)).toBe(true);
    expect(lines().some((line) => line.level === 40 && String(line.msg).includes(join(dataDir, "master.key")))).toBe(true);
  });

  it("loses to CLAWKEEP_MASTER_KEY when both exist", () => {
    const dataDir = tempDir();
    loadMasterKey({ envValue: undefined, dataDir, embedded: true, logger: capturingLogger().logger });
    const fromEnv = randomBytes(32);
    const key = loadMasterKey({ envValue: fromEnv.toString("base64"), dataDir, embedded: true, logger: capturingLogger().logger });
    expect(key.equals(fromEnv)).toBe(true);
  });

  it("refuses a damaged key file without printing its contents", () => {
    const dataDir = tempDir();
    const damaged = randomBytes(20).toString("base64");
    writeFileSync(join(dataDir, "master.key"), `${damaged}\n`, { mode: 0o600 });
    let message = "";
    try {
      loadMasterKey({ envValue: undefined, dataDir, embedded: true, logger: capturingLogger().logger });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/master\.key decodes to 20 bytes but must be exactly 32/);
    expect(message).not.toContain(damaged);
  });

  it("warns when the key file is readable by other users", () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, "master.key"), randomBytes(32).toString("base64"), { mode: 0o644 });
    const { logger, lines } = capturingLogger();
    loadMasterKey({ envValue: undefined, dataDir, embedded: true, logger });
    expect(lines().some((line) => String(line.msg).includes("chmod 600"))).toBe(true);
  });
});

describe("deriveKey", () => {
  const master = randomBytes(32);

  it("gives 32 bytes, the same for the same purpose and master key", () => {
    const a = deriveKey(master, "api-key pepper");
    expect(a).toHaveLength(32);
    expect(deriveKey(Buffer.from(master), "api-key pepper").equals(a)).toBe(true);
  });

  it("gives unrelated keys for different purposes and different master keys", () => {
    const keys = [
      deriveKey(master, "api-key pepper"),
      deriveKey(master, "audit chain"),
      deriveKey(master, "refresh-token pepper"),
      deriveKey(randomBytes(32), "api-key pepper"),
      master,
    ].map((k) => k.toString("hex"));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("is HKDF-SHA256 with an empty salt and info 'clawkeep <purpose>'", async () => {
    const { hkdfSync } = await import("node:crypto");
    const expected = Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), "clawkeep audit chain", 32));
    expect(deriveKey(master, "audit chain").equals(expected)).toBe(true);
  });

  it("refuses a master key of the wrong size and an empty purpose", () => {
    expect(() => deriveKey(randomBytes(16), "audit chain")).toThrow(/32 bytes/);
    expect(() => deriveKey(master, "")).toThrow(/purpose/);
  });
});
