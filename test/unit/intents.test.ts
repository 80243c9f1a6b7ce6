// The Intents API's pure parts: exact decimal → wei, ERC-20 calldata reading, the guardrail
// decisions, and the chain registry's start-up checks.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseChains } from "../../src/chains/registry.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { checkDaily, checkStatic, tokenCallOf, type TxFacts } from "../../src/domain/intents/guardrail-check.js";
import { fromSmallestUnit, toSmallestUnit } from "../../src/domain/intents/units.js";

describe("decimal to wei", () => {
  it("is exact, where floating point is not", () => {
    expect(toSmallestUnit("0.1", 18)).toBe(100000000000000000n);
    expect(toSmallestUnit("0.3", 18)).toBe(300000000000000000n);
    expect(toSmallestUnit("1.000000000000000001", 18)).toBe(1000000000000000001n);
    expect(toSmallestUnit("123456789.123456789123456789", 18)).toBe(123456789123456789123456789n);
    expect(toSmallestUnit("5", 0)).toBe(5n);
    expect(toSmallestUnit("1.50", 1)).toBe(15n);
  });

  it("refuses more decimals than the unit has, and anything but a plain decimal", () => {
    expect(() => toSmallestUnit("0.0000000000000000001", 18)).toThrow('value "0.0000000000000000001" has 19 decimals; the currency has 18');
    for (const bad of ["", "1e18", "-1", "0x10", " 1", "1.", ".5", "1,5", "NaN", "Infinity"]) {
      expect(() => toSmallestUnit(bad, 18), bad).toThrow(/must be a non-negative decimal string/);
    }
  });

  it("round-trips any amount", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: 0, max: 30 }), (wei, decimals) => {
        expect(toSmallestUnit(fromSmallestUnit(wei, decimals), decimals)).toBe(wei);
      }),
    );
  });
});

const word = (hex: string) => hex.replace(/^0x/, "").padStart(64, "0");
const A = "0x1111111111111111111111111111111111111111";
const B = "0x2222222222222222222222222222222222222222";
const TOKEN = "0x3333333333333333333333333333333333333333";

describe("ERC-20 calldata", () => {
  it("reads the recipient of transfer and transferFrom and the spender of approve", () => {
    expect(tokenCallOf(TOKEN, `0xa9059cbb${word(A)}${word("0x64")}`)).toEqual({ method: "transfer", contract: TOKEN, counterparty: A, amount: 100n });
    expect(tokenCallOf(TOKEN, `0x23b872dd${word(B)}${word(A)}${word("0x1")}`)).toEqual({ method: "transferFrom", contract: TOKEN, counterparty: A, amount: 1n });
    expect(tokenCallOf(TOKEN, `0x095ea7b3${word(B)}${"f".repeat(64)}`)).toMatchObject({ method: "approve", counterparty: B });
    expect(tokenCallOf(TOKEN, "0x")).toBeUndefined();
    expect(tokenCallOf(TOKEN, `0xdeadbeef${word(A)}`)).toBeUndefined();
  });

  it("refuses a transfer too short for its arguments or with a non-address", () => {
    expect(() => tokenCallOf(TOKEN, `0xa9059cbb${word(A)}`)).toThrow(/too short/);
    expect(() => tokenCallOf(TOKEN, `0xa9059cbb${"f".repeat(64)}${word("0x1")}`)).toThrow(/not an address/);
  });
});

describe("guardrails", () => {
  const facts = (over: Partial<TxFacts> = {}): TxFacts => ({ chainName: "base", chainId: 8453, to: A, valueWei: 10n ** 18n, decimals: 18, nativeCurrency: "ETH", ...over });

  it("pass with none set", () => {
    expect(checkStatic({}, facts())).toBeUndefined();
    expect(checkDaily({}, facts(), { valueWei: 10n ** 30n, count: 10_000 })).toBeUndefined();
  });

  it("allow chains by name or numeric id", () => {
    expect(checkStatic({ tx_allowed_chains: ["8453"] }, facts())).toBeUndefined();
    expect(checkStatic({ tx_allowed_chains: ["Base"] }, facts())).toBeUndefined();
    expect(checkStatic({ tx_allowed_chains: ["ethereum"] }, facts())).toMatchObject({ rule: "tx_allowed_chains", limit: "ethereum", attempted: "base" });
  });

  it("check a token transfer's real recipient against tx_to_allowlist, not the contract", () => {
    const token = tokenCallOf(TOKEN, `0xa9059cbb${word(B)}${word("0x1")}`);
    expect(checkStatic({ tx_to_allowlist: [TOKEN] }, facts({ to: TOKEN, valueWei: 0n, token }))).toMatchObject({ rule: "tx_to_allowlist", attempted: B });
    expect(checkStatic({ tx_to_allowlist: [B.toUpperCase().replace("0X", "0x")] }, facts({ to: TOKEN, valueWei: 0n, token }))).toBeUndefined();
    expect(checkStatic({ tx_token_allowlist: [A] }, facts({ to: TOKEN, valueWei: 0n, token }))).toMatchObject({ rule: "tx_token_allowlist", attempted: TOKEN });
  });

  it("cap one transaction's value at tx_max_value, inclusive", () => {
    expect(checkStatic({ tx_max_value: "1" }, facts())).toBeUndefined();
    expect(checkStatic({ tx_max_value: "1" }, facts({ valueWei: 10n ** 18n + 1n }))).toMatchObject({ rule: "tx_max_value", limit: "1", attempted: "1.000000000000000001" });
  });

  it("decide the rolling day's spend and count against what is already reserved", () => {
    const g = { tx_daily_limit: "2.5", tx_max_per_day: 3 };
    expect(checkDaily(g, facts(), { valueWei: 15n * 10n ** 17n, count: 1 })).toBeUndefined();
    expect(checkDaily(g, facts(), { valueWei: 15n * 10n ** 17n + 1n, count: 1 })).toMatchObject({ rule: "tx_daily_limit", limit: "2.5", attempted: "1" });
    expect(checkDaily(g, facts({ valueWei: 0n }), { valueWei: 0n, count: 3 })).toMatchObject({ rule: "tx_max_per_day", limit: "3", attempted: "4" });
  });
});

describe("the chain registry", () => {
  const good = { name: "base-sepolia", chain_id: 84532, rpc_url: "https://sepolia.base.org" };

  it("reads chains with defaults and stable ids", () => {
    const [chain] = parseChains([good]);
    expect(chain).toMatchObject({ name: "base-sepolia", displayName: "base-sepolia", chainId: 84532, nativeCurrency: "ETH", decimals: 18, isTestnet: false, isEnabled: true, publicRpcUrl: "https://sepolia.base.org" });
    expect(chain.id).toBe(parseChains({ chains: [good] })[0].id);
    expect(chain.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // An RPC URL with a key in its path is never shown.
    expect(parseChains([{ ...good, rpc_url: "https://mainnet.infura.io/v3/0123456789abcdef" }])[0].publicRpcUrl).toBe("");
  });

  it("names the bad entry and field", () => {
    const cases: [unknown, string][] = [
      [{}, "CLAWKEEP_CHAINS must hold a JSON list of chains"],
      [[good, { ...good, name: "Base Sepolia" }], 'CLAWKEEP_CHAINS entry 1 ("Base Sepolia"): name must be lowercase letters, digits and dashes'],
      [[{ ...good, chain_id: "84532" }], 'CLAWKEEP_CHAINS entry 0 ("base-sepolia"): chain_id must be a whole number'],
      [[{ ...good, rpc_url: "ftp://x" }], 'CLAWKEEP_CHAINS entry 0 ("base-sepolia"): rpc_url must use http:// or https://, not ftp://'],
      [[{ ...good, rpc: "x" }], 'CLAWKEEP_CHAINS entry 0 ("base-sepolia"): unknown field "rpc"'],
      [[good, { ...good, name: "other" }], 'CLAWKEEP_CHAINS entry 1 ("other") repeats the name or chain_id of entry 0 ("base-sepolia")'],
      [[null], "CLAWKEEP_CHAINS entry 0: must be an object"],
    ];
    for (const [input, message] of cases) expect(() => parseChains(input), message).toThrow(message);
  });

  it("stops start-up with a ConfigError naming the file's bad entry, and allows no file at all", () => {
    const dir = mkdtempSync(join(tmpdir(), "clawkeep-chains-unit-"));
    const file = join(dir, "chains.json");
    writeFileSync(file, JSON.stringify([good, { name: "x", chain_id: 0, rpc_url: "http://127.0.0.1:8545" }]));
    expect(() => loadConfig({ CLAWKEEP_CHAINS: file })).toThrow(ConfigError);
    expect(() => loadConfig({ CLAWKEEP_CHAINS: file })).toThrow(`CLAWKEEP_CHAINS (${file}) entry 1 ("x"): chain_id must be a whole number from 1 to 4294967295`);
    writeFileSync(file, "[{");
    expect(() => loadConfig({ CLAWKEEP_CHAINS: file })).toThrow(/^CLAWKEEP_CHAINS file .* is not JSON/);
    expect(() => loadConfig({ CLAWKEEP_CHAINS: join(dir, "missing.json") })).toThrow(/cannot be read \(ENOENT\)/);
    expect(loadConfig({}).chains).toEqual([]);
  });
});
