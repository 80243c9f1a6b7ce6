// The chain registry: the EVM chains this server signs for, read once from the JSON file that
// CLAWKEEP_CHAINS names. Every entry is checked at start-up; a bad one stops the server with a
// sentence naming the entry and the field. No file is a valid setup: no chains.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

export interface ChainConfig {
  /** Stable UUID derived from the name, so every instance and every restart agree. */
  id: string;
  /** Lowercase name used in requests, e.g. "ethereum", "base-sepolia", "localhost". */
  name: string;
  displayName: string;
  /** EIP-155 chain id. */
  chainId: number;
  /** Where the server talks to the chain; may carry provider credentials, so never shown. */
  rpcUrl: string;
  /** What listChains shows as rpc_url: `public_rpc_url`, or rpc_url when it carries no credentials. */
  publicRpcUrl: string;
  wsUrl: string;
  explorerUrl: string;
  /** Symbol of the native currency, e.g. "ETH". */
  nativeCurrency: string;
  /** Decimals of the native currency's smallest unit (18 on every EVM chain we know). */
  decimals: number;
  isTestnet: boolean;
  isEnabled: boolean;
  /** The signing-key family that signs for it: every EVM chain is "ethereum". */
  family: "ethereum";
  /** When the registry was loaded (the registry lives in configuration, not in the database). */
  loadedAt: Date;
}

export class ChainConfigError extends Error {
  override name = "ChainConfigError";
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const KNOWN_FIELDS = new Set([
  "name",
  "display_name",
  "chain_id",
  "rpc_url",
  "public_rpc_url",
  "ws_url",
  "explorer_url",
  "native_currency",
  "decimals",
  "is_testnet",
  "is_enabled",
]);

/** Reads and checks the registry file; `path` undefined or empty means no chains. */
export function loadChainsFile(path: string | undefined): ChainConfig[] {
  if (!path) return [];
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ChainConfigError(`CLAWKEEP_CHAINS names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ChainConfigError(`CLAWKEEP_CHAINS file ${path} is not JSON: ${(error as Error).message}`);
  }
  return parseChains(parsed, `CLAWKEEP_CHAINS (${path})`);
}

/** Checks a parsed registry: a list of chains, or `{ "chains": [...] }`. */
export function parseChains(parsed: unknown, source = "CLAWKEEP_CHAINS"): ChainConfig[] {
  const list = Array.isArray(parsed) ? parsed : (parsed as { chains?: unknown } | null)?.chains;
  if (!Array.isArray(list)) throw new ChainConfigError(`${source} must hold a JSON list of chains (or {"chains": [...]})`);
  const loadedAt = new Date();
  const chains = list.map((entry, index) => parseEntry(entry, index, source, loadedAt));
  for (const [i, chain] of chains.entries()) {
    const clash = chains.findIndex((other, j) => j < i && (other.name === chain.name || other.chainId === chain.chainId));
    if (clash >= 0) {
      throw new ChainConfigError(`${source} entry ${i} ("${chain.name}") repeats the name or chain_id of entry ${clash} ("${chains[clash].name}")`);
    }
  }
  return chains;
}

function parseEntry(entry: unknown, index: number, source: string, loadedAt: Date): ChainConfig {
  const label = () => `${source} entry ${index}${typeof (entry as { name?: unknown })?.name === "string" ? ` ("${(entry as { name: string }).name}")` : ""}`;
  const fail = (what: string): never => {
    throw new ChainConfigError(`${label()}: ${what}`);
  };
  if (!entry || typeof entry !== "object" || Array.isArray(entry)) return fail("must be an object");
  const e = entry as Record<string, unknown>;
  const unknown = Object.keys(e).find((key) => !KNOWN_FIELDS.has(key));
  if (unknown) fail(`unknown field "${unknown}"; known fields are ${[...KNOWN_FIELDS].join(", ")}`);
  const name = e.name;
  if (typeof name !== "string" || !NAME.test(name)) fail(`name must be lowercase letters, digits and dashes, such as "base-sepolia"`);
  const chainId = e.chain_id;
  if (typeof chainId !== "number" || !Number.isInteger(chainId) || chainId < 1 || chainId > 0xffffffff) fail("chain_id must be a whole number from 1 to 4294967295");
  const rpcUrl = url(e.rpc_url, "rpc_url", true, fail);
  const publicRpcUrl = e.public_rpc_url === undefined ? withoutCredentials(rpcUrl) : url(e.public_rpc_url, "public_rpc_url", true, fail);
  const wsUrl = e.ws_url === undefined ? "" : url(e.ws_url, "ws_url", false, fail);
  const explorerUrl = e.explorer_url === undefined ? "" : url(e.explorer_url, "explorer_url", true, fail);
  const nativeCurrency = e.native_currency ?? "ETH";
  if (typeof nativeCurrency !== "string" || !/^[A-Za-z0-9]{1,12}$/.test(nativeCurrency)) fail(`native_currency must be a symbol such as "ETH"`);
  const decimals = e.decimals ?? 18;
  if (typeof decimals !== "number" || !Number.isInteger(decimals) || decimals < 0 || decimals > 36) fail("decimals must be a whole number from 0 to 36");
  for (const flag of ["is_testnet", "is_enabled"]) {
    if (e[flag] !== undefined && typeof e[flag] !== "boolean") fail(`${flag} must be true or false`);
  }
  const displayName = e.display_name ?? name;
  if (typeof displayName !== "string" || displayName.length === 0 || displayName.length > 100) fail("display_name must be 1 to 100 characters");
  return {
    id: uuidFromName(name as string),
    name: name as string,
    displayName: displayName as string,
    chainId: chainId as number,
    rpcUrl,
    publicRpcUrl,
    wsUrl,
    explorerUrl,
    nativeCurrency: nativeCurrency as string,
    decimals: decimals as number,
    isTestnet: e.is_testnet === true,
    isEnabled: e.is_enabled !== false,
    family: "ethereum",
    loadedAt,
  };
}

function url(value: unknown, field: string, http: boolean, fail: (what: string) => never): string {
  const schemes = http ? ["http:", "https:"] : ["ws:", "wss:"];
  if (typeof value !== "string") return fail(`${field} must be a ${schemes.map((s) => s + "//").join(" or ")} URL`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return fail(`${field} is not a URL`);
  }
  if (!schemes.includes(parsed.protocol)) fail(`${field} must use ${schemes.map((s) => s + "//").join(" or ")}, not ${parsed.protocol}//`);
  return value;
}

/**
 * The RPC URL as the public may see it: only when it carries nothing that looks like a credential
 * (user info, a query, or a path, where providers put their keys); empty otherwise.
 */
function withoutCredentials(rpcUrl: string): string {
  const parsed = new URL(rpcUrl);
  if (parsed.username || parsed.password || parsed.search || (parsed.pathname !== "/" && parsed.pathname !== "")) return "";
  return parsed.origin;
}

/** A UUID (version 8, name-based) from the chain's name. */
function uuidFromName(name: string): string {
  const hex = createHash("sha256").update(`clawkeep-chain:${name}`).digest("hex").slice(0, 32).split("");
  hex[12] = "8";
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
