// Every environment variable, parsed and validated once: defaults, ranges and clear errors.
import { isAbsolute, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected loadConfig(${JSON.stringify(env)}) to throw`);
}

const INTEGERS: { name: string; key: string; fallback: number; min: number; max: number }[] = [
  { name: "CLAWKEEP_PORT", key: "port", fallback: 8080, min: 0, max: 65535 },
  { name: "CLAWKEEP_MAX_REQUEST_BYTES", key: "maxRequestBytes", fallback: 1024 * 1024, min: 1024, max: 64 * 1024 * 1024 },
  { name: "CLAWKEEP_REQUEST_TIMEOUT_MS", key: "requestTimeoutMs", fallback: 30_000, min: 100, max: 3_600_000 },
  { name: "CLAWKEEP_SHUTDOWN_GRACE_MS", key: "shutdownGraceMs", fallback: 10_000, min: 0, max: 600_000 },
  { name: "CLAWKEEP_RATE_LIMIT_PER_SECOND", key: "rateLimitPerSecond", fallback: 50, min: 1, max: 1_000_000 },
  { name: "CLAWKEEP_RATE_LIMIT_BURST", key: "rateLimitBurst", fallback: 200, min: 1, max: 1_000_000 },
  { name: "CLAWKEEP_EVENT_RETENTION_HOURS", key: "eventRetentionHours", fallback: 168, min: 1, max: 24 * 366 },
  { name: "CLAWKEEP_MAX_PENDING_LINK_ENROLLMENTS", key: "maxPendingLinkEnrollments", fallback: 100, min: 0, max: 1_000_000 },
  { name: "CLAWKEEP_FLEET_SLOW_READER_MS", key: "fleetSlowReaderMs", fallback: 15_000, min: 100, max: 600_000 },
];

describe("loadConfig", () => {
  it("has working defaults for an empty environment", () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: "0.0.0.0",
      databaseUrl: undefined,
      dataDir: resolve("./data"),
      logLevel: "info",
      maxRequestBytes: 1_048_576,
      requestTimeoutMs: 30_000,
      shutdownGraceMs: 10_000,
      rateLimitPerSecond: 50,
      rateLimitBurst: 200,
      eventRetentionHours: 168,
      publicUrl: "http://localhost:8080",
      masterKey: undefined,
      maxPendingLinkEnrollments: 100,
      trustedProxies: [],
      smtpUrl: undefined,
      mailFrom: "Clawkeep <clawkeep@localhost>",
      chains: [],
      chainRpcTimeoutMs: 10_000,
      fleetSlowReaderMs: 15_000,
    });
  });

  it("reads only the environment it is given", () => {
    const saved = process.env.CLAWKEEP_PORT;
    process.env.CLAWKEEP_PORT = "9999";
    try {
      expect(loadConfig({}).port).toBe(8080);
      expect(loadConfig().port).toBe(9999);
    } finally {
      if (saved === undefined) delete process.env.CLAWKEEP_PORT;
      else process.env.CLAWKEEP_PORT = saved;
    }
  });

  it("treats empty and blank values as unset", () => {
    const blank = Object.fromEntries([...INTEGERS.map((i) => i.name), "CLAWKEEP_HOST", "CLAWKEEP_DATA_DIR", "CLAWKEEP_LOG_LEVEL", "DATABASE_URL", "CLAWKEEP_SMTP_URL", "CLAWKEEP_MAIL_FROM"].map((n) => [n, "  "]));
    expect(loadConfig(blank)).toEqual(loadConfig({}));
    expect(loadConfig({ CLAWKEEP_PORT: "" }).port).toBe(8080);
  });

  it.each(INTEGERS)("reads $name within $min..$max and trims it", ({ name, key, fallback, min, max }) => {
    expect(loadConfig({})[key as keyof ReturnType<typeof loadConfig>]).toBe(fallback);
    expect(loadConfig({ [name]: String(min) })[key as keyof ReturnType<typeof loadConfig>]).toBe(min);
    expect(loadConfig({ [name]: ` ${max} ` })[key as keyof ReturnType<typeof loadConfig>]).toBe(max);
  });

  it.each(INTEGERS)("rejects $name out of range, naming the variable and the range", ({ name, min, max }) => {
    if (min > 0) expect(configError({ [name]: String(min - 1) }).message).toBe(`${name} must be between ${min} and ${max}, got ${min - 1}`);
    expect(configError({ [name]: String(max + 1) }).message).toBe(`${name} must be between ${min} and ${max}, got ${max + 1}`);
    expect(configError({ [name]: "99999999999999999999" }).message).toMatch(new RegExp(`^${name} must be between`));
  });

  it.each(["abc", "-1", "1.5", "1e3", "0x10", "12abc", "+5", "١٢"])("rejects the non-integer %j with the variable's name", (raw) => {
    const error = configError({ CLAWKEEP_PORT: raw });
    expect(error.message).toBe(`CLAWKEEP_PORT must be a whole number, got "${raw}"`);
    expect(error.name).toBe("ConfigError");
  });

  it("keeps the host, and defaults a blank one to every interface", () => {
    expect(loadConfig({ CLAWKEEP_HOST: " 127.0.0.1 " }).host).toBe("127.0.0.1");
    expect(loadConfig({ CLAWKEEP_HOST: "::" }).host).toBe("::");
  });

  it("resolves the data directory to an absolute path", () => {
    const relative = loadConfig({ CLAWKEEP_DATA_DIR: "var/clawkeep" }).dataDir;
    expect(isAbsolute(relative)).toBe(true);
    expect(relative).toBe(resolve("var/clawkeep"));
    expect(loadConfig({ CLAWKEEP_DATA_DIR: "/srv/clawkeep" }).dataDir).toBe("/srv/clawkeep");
  });

  it.each(["fatal", "error", "warn", "info", "debug", "trace", "silent"])("accepts the log level %s in any case", (level) => {
    expect(loadConfig({ CLAWKEEP_LOG_LEVEL: level }).logLevel).toBe(level);
    expect(loadConfig({ CLAWKEEP_LOG_LEVEL: ` ${level.toUpperCase()} ` }).logLevel).toBe(level);
  });

  it("rejects an unknown log level, listing the allowed ones", () => {
    expect(configError({ CLAWKEEP_LOG_LEVEL: "verbose" }).message).toBe(
      'CLAWKEEP_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    );
  });

  it.each(["postgres://clawkeep@db:5432/clawkeep", "postgresql://u:p@localhost/db?sslmode=require", "postgres:///clawkeep?host=/var/run/postgresql"])(
    "accepts the PostgreSQL URL %s unchanged",
    (url) => {
      expect(loadConfig({ DATABASE_URL: url }).databaseUrl).toBe(url);
      expect(loadConfig({ DATABASE_URL: ` ${url}\n` }).databaseUrl).toBe(url);
    },
  );

  it("rejects a DATABASE_URL that is not a URL, without echoing it", () => {
    const error = configError({ DATABASE_URL: "host=db user=clawkeep password=hunter2" });
    expect(error.message).toBe("DATABASE_URL is not a URL; expected postgres://user@host:port/database");
    expect(error.message).not.toContain("hunter2");
  });

  it.each(["mysql://root:hunter2@db/clawkeep", "http://db:5432/clawkeep", "sqlite:///tmp/x.db"])("rejects the non-PostgreSQL DATABASE_URL %s without leaking credentials", (url) => {
    const error = configError({ DATABASE_URL: url });
    const protocol = new URL(url).protocol;
    expect(error.message).toBe(`DATABASE_URL must use postgres:// or postgresql://, not ${protocol}//`);
    expect(error.message).not.toContain("hunter2");
  });

  it("reads CLAWKEEP_TRUSTED_PROXIES as comma-separated addresses and CIDRs, and names a bad entry", () => {
    expect(loadConfig({ CLAWKEEP_TRUSTED_PROXIES: " 10.0.0.0/8, ::1 ,,::ffff:192.0.2.1" }).trustedProxies).toEqual([
      { address: "10.0.0.0", prefix: 8, family: "ipv4" },
      { address: "::1", prefix: 128, family: "ipv6" },
      { address: "192.0.2.1", prefix: 32, family: "ipv4" },
    ]);
    expect(loadConfig({ CLAWKEEP_TRUSTED_PROXIES: "  " }).trustedProxies).toEqual([]);
    expect(configError({ CLAWKEEP_TRUSTED_PROXIES: "10.0.0.0/8,proxy.internal" }).message).toMatch(/^CLAWKEEP_TRUSTED_PROXIES: entry "proxy.internal" is not an IPv4 or IPv6 address or CIDR/);
    expect(configError({ CLAWKEEP_TRUSTED_PROXIES: "10.0.0.0/33" }).message).toMatch(/^CLAWKEEP_TRUSTED_PROXIES: entry "10.0.0.0\/33" has prefix length "33"/);
  });

  it.each(["smtp://mail.internal:25", "smtps://clawkeep:hunter2@smtp.example.com:465", "smtp://user%40example.com:p%40ss@127.0.0.1:2525?ignoreTLS=true"])(
    "accepts the SMTP URL %s unchanged",
    (url) => {
      expect(loadConfig({ CLAWKEEP_SMTP_URL: url }).smtpUrl).toBe(url);
      expect(loadConfig({ CLAWKEEP_SMTP_URL: ` ${url}\n` }).smtpUrl).toBe(url);
    },
  );

  it("rejects a CLAWKEEP_SMTP_URL that is not an smtp:// or smtps:// URL, without echoing its password", () => {
    for (const notUrl of ["mail.example.com:587", "user:hunter2@mail.example.com", "smtp://user:hunter2@[bad host"]) {
      const error = configError({ CLAWKEEP_SMTP_URL: notUrl });
      expect(error.message).toBe("CLAWKEEP_SMTP_URL is not a URL; expected smtp://user:password@host:port or smtps://user:password@host:port");
    }
    for (const [url, protocol] of [
      ["http://user:hunter2@mail.example.com", "http:"],
      ["submission://user:hunter2@mail.example.com:587", "submission:"],
    ]) {
      const error = configError({ CLAWKEEP_SMTP_URL: url });
      expect(error.message).toBe(`CLAWKEEP_SMTP_URL must use smtp:// or smtps://, not ${protocol}//`);
      expect(error.message).not.toContain("hunter2");
    }
    expect(configError({ CLAWKEEP_SMTP_URL: "smtp://" }).message).toBe("CLAWKEEP_SMTP_URL names no host; expected smtp://user:password@host:port");
  });

  it("defaults CLAWKEEP_MAIL_FROM to clawkeep@ the host of CLAWKEEP_PUBLIC_URL", () => {
    expect(loadConfig({ CLAWKEEP_PUBLIC_URL: "https://vault.example.com/base/" }).mailFrom).toBe("Clawkeep <clawkeep@vault.example.com>");
    expect(loadConfig({ CLAWKEEP_PORT: "9000" }).mailFrom).toBe("Clawkeep <clawkeep@localhost>");
  });

  it.each(["noreply@example.com", "Clawkeep <noreply@example.com>", '"Clawkeep, the vault" <noreply@vault.example.com>', "<ops+vault@example.co.uk>"])(
    "accepts the sender %j",
    (from) => {
      expect(loadConfig({ CLAWKEEP_MAIL_FROM: ` ${from} ` }).mailFrom).toBe(from);
    },
  );

  it.each(["noreply", "noreply@", "@example.com", "a@b@example.com", "Clawkeep noreply@example.com", "a@example.com, b@example.com", "Clawkeep <noreply>", "Clawkeep <a@example.com", "a b@example.com", "a@example.com\nBcc: b@example.com"])(
    "rejects the sender %j, naming the variable",
    (from) => {
      expect(configError({ CLAWKEEP_MAIL_FROM: from }).message).toBe(
        `CLAWKEEP_MAIL_FROM must be an address such as clawkeep@example.com or "Clawkeep <clawkeep@example.com>", got "${from.trim()}"`,
      );
    },
  );
});
