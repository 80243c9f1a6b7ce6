// Every environment variable Clawkeep reads, parsed and validated once at start-up.
import { resolve } from "node:path";
import { DomainError } from "./domain/errors.js";
import { parseCidr, type Cidr } from "./domain/net/ip.js";
import { addressOf } from "./mail/address.js";
import { ChainConfigError, loadChainsFile, type ChainConfig } from "./chains/registry.js";

export interface Config {
  /** TCP port for every protocol (REST, Connect, gRPC, gRPC-Web). 0 picks a free port. */
  port: number;
  host: string;
  /** PostgreSQL connection string; when absent the embedded database is used. */
  databaseUrl: string | undefined;
  /** Where the embedded database and generated keys live. */
  dataDir: string;
  logLevel: string;
  /** Largest request message accepted, in bytes (REST bodies and RPC messages alike). */
  maxRequestBytes: number;
  /** Longest deadline a client may ask for, and the cap on receiving a whole request. */
  requestTimeoutMs: number;
  /** How long SIGTERM waits for in-flight calls before closing connections. */
  shutdownGraceMs: number;
  /** Sustained requests per second allowed from one client address, and the burst above it. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  /** Events older than this are pruned; a watcher may resume from a cursor up to this old. */
  eventRetentionHours: number;
  /** Where clients reach this server; the JWT issuer and the base of links we hand out. */
  publicUrl: string;
  /**
   * Reverse proxies whose X-Forwarded-For we believe (addresses or CIDRs). Empty: the client
   * address is always the socket's peer, and X-Forwarded-For is ignored.
   */
  trustedProxies: Cidr[];
  /** CLAWKEEP_MASTER_KEY as given (validated by the crypto module); never log it. */
  masterKey: string | undefined;
  /** Most link-only self-enrollments waiting for approval at once, across all instances. */
  maxPendingLinkEnrollments: number;
  /**
   * Where mail is sent (smtp:// or smtps://, credentials in the URL); never log it. Absent: mail
   * is kept in the development outbox instead (`clawkeep mail outbox`).
   */
  smtpUrl: string | undefined;
  /** The From of every mail we send, e.g. "Clawkeep <clawkeep@vault.example.com>". */
  mailFrom: string;
  /** The chains the Intents API signs for, from the JSON file CLAWKEEP_CHAINS names; empty: none. */
  chains: ChainConfig[];
  /** How long a call to a chain's node may take before it counts as unanswered. */
  chainRpcTimeoutMs: number;
  /** A fleet token stream whose reader leaves an event unread this long is ended (RESOURCE_EXHAUSTED). */
  fleetSlowReaderMs: number;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: Env = process.env): Config {
  return {
    port: integer(env, "CLAWKEEP_PORT", 8080, 0, 65535),
    host: env.CLAWKEEP_HOST?.trim() || "0.0.0.0",
    databaseUrl: databaseUrl(env),
    dataDir: resolve(env.CLAWKEEP_DATA_DIR?.trim() || "./data"),
    logLevel: oneOf(env, "CLAWKEEP_LOG_LEVEL", "info", ["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    maxRequestBytes: integer(env, "CLAWKEEP_MAX_REQUEST_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    requestTimeoutMs: integer(env, "CLAWKEEP_REQUEST_TIMEOUT_MS", 30_000, 100, 3_600_000),
    shutdownGraceMs: integer(env, "CLAWKEEP_SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    rateLimitPerSecond: integer(env, "CLAWKEEP_RATE_LIMIT_PER_SECOND", 50, 1, 1_000_000),
    rateLimitBurst: integer(env, "CLAWKEEP_RATE_LIMIT_BURST", 200, 1, 1_000_000),
    eventRetentionHours: integer(env, "CLAWKEEP_EVENT_RETENTION_HOURS", 168, 1, 24 * 366),
    publicUrl: publicUrl(env),
    masterKey: env.CLAWKEEP_MASTER_KEY?.trim() || undefined,
    maxPendingLinkEnrollments: integer(env, "CLAWKEEP_MAX_PENDING_LINK_ENROLLMENTS", 100, 0, 1_000_000),
    fleetSlowReaderMs: integer(env, "CLAWKEEP_FLEET_SLOW_READER_MS", 15_000, 100, 600_000),
    trustedProxies: trustedProxies(env),
    smtpUrl: smtpUrl(env),
    mailFrom: mailFrom(env),
    chains: chains(env),
    chainRpcTimeoutMs: integer(env, "CLAWKEEP_CHAIN_RPC_TIMEOUT_MS", 10_000, 100, 300_000),
  };
}

function chains(env: Env): ChainConfig[] {
  try {
    return loadChainsFile(env.CLAWKEEP_CHAINS?.trim() || undefined);
  } catch (error) {
    if (error instanceof ChainConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

function smtpUrl(env: Env): string | undefined {
  const raw = env.CLAWKEEP_SMTP_URL?.trim();
  if (!raw) return undefined;
  // Never echo the value: it usually holds the SMTP password.
  let url: URL;
  try {
    // "host:587" parses as a URL of scheme "host:"; only scheme://… is what we mean.
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) throw new Error("no scheme");
    url = new URL(raw);
  } catch {
    throw new ConfigError("CLAWKEEP_SMTP_URL is not a URL; expected smtp://user:password@host:port or smtps://user:password@host:port");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw new ConfigError(`CLAWKEEP_SMTP_URL must use smtp:// or smtps://, not ${url.protocol}//`);
  }
  if (!url.hostname) throw new ConfigError("CLAWKEEP_SMTP_URL names no host; expected smtp://user:password@host:port");
  return raw;
}

function mailFrom(env: Env): string {
  const raw = env.CLAWKEEP_MAIL_FROM?.trim();
  if (!raw) return `Clawkeep <clawkeep@${new URL(publicUrl(env)).hostname}>`;
  if (!addressOf(raw)) {
    throw new ConfigError(`CLAWKEEP_MAIL_FROM must be an address such as clawkeep@example.com or "Clawkeep <clawkeep@example.com>", got "${raw}"`);
  }
  return raw;
}

function trustedProxies(env: Env): Cidr[] {
  const entries = (env.CLAWKEEP_TRUSTED_PROXIES ?? "").split(",").map((e) => e.trim()).filter(Boolean);
  return entries.map((entry) => {
    try {
      return parseCidr(entry, "entry");
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw new ConfigError(`CLAWKEEP_TRUSTED_PROXIES: ${error.detail}; expected comma-separated IP addresses or CIDRs such as 10.0.0.0/8`);
    }
  });
}

function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError("DATABASE_URL is not a URL; expected postgres://user@host:port/database");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(`DATABASE_URL must use postgres:// or postgresql://, not ${url.protocol}//`);
  }
  return raw;
}

function publicUrl(env: Env): string {
  const raw = env.CLAWKEEP_PUBLIC_URL?.trim() || `http://localhost:${env.CLAWKEEP_PORT?.trim() || "8080"}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`CLAWKEEP_PUBLIC_URL is not a URL, got "${raw}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError("CLAWKEEP_PUBLIC_URL must use http:// or https://");
  return url.origin + url.pathname.replace(/\/$/, "");
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function oneOf(env: Env, name: string, fallback: string, allowed: string[]): string {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (!allowed.includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
  return raw;
}
