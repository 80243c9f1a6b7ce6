// What a Clawkeep server runs on, without the server: a fresh database (or a shared one), its
// event bus and the application services. The test server (server.ts) and the tier-2 harness
// (test/rpc/harness.ts) both build on it, so they configure the database the same way.
import { randomBytes } from "node:crypto";
import { pino, type Logger } from "pino";
import { openServices, type AppServices } from "../../src/app.js";
import { loadConfig, type Config } from "../../src/config.js";
import { openDatabase, type Database } from "../../src/db/database.js";
import { EventBus } from "../../src/events/bus.js";
import { freshDatabase, type FreshDatabase } from "./database.js";

/**
 * With DATABASE_URL the server refuses to generate a master key (every instance sharing the
 * database must use the same one), so PostgreSQL runs get this one. It is the same for every
 * database this process creates, which is what servers sharing a database need.
 */
const POSTGRES_MASTER_KEY = randomBytes(32).toString("base64");

export interface TestApp {
  /** The environment `config` was loaded from: the database settings and the caller's `env`. */
  env: Record<string, string>;
  config: Config;
  database: Database;
  bus: EventBus;
  app: AppServices;
  /** Closes the mailer, the bus and the database connection, and drops the database if it owns it. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Share this database with other servers instead of creating one. */
  database?: FreshDatabase;
  /** More configuration; it wins over the database settings. */
  env?: Record<string, string>;
  logger?: Logger;
}

/** The environment that points a server at `fresh`. */
export function databaseEnv(fresh: FreshDatabase): Record<string, string> {
  return {
    CLAWKEEP_DATA_DIR: fresh.dataDir,
    ...(fresh.databaseUrl ? { DATABASE_URL: fresh.databaseUrl, CLAWKEEP_MASTER_KEY: POSTGRES_MASTER_KEY } : {}),
  };
}

export async function openTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const owned = options.database === undefined;
  const fresh = options.database ?? (await freshDatabase());
  const logger = options.logger ?? pino({ level: process.env.CLAWKEEP_TEST_LOG ?? "silent" });
  const closers: (() => Promise<void>)[] = owned ? [() => fresh.drop()] : [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const env = { ...databaseEnv(fresh), ...options.env };
    const config = loadConfig(env);
    const database = await openDatabase(config, logger);
    closers.push(() => database.close());
    const bus = new EventBus(database, { logger, pollIntervalMs: 1000 });
    await bus.start();
    closers.push(() => bus.close());
    const app = await openServices({ config, database, bus, logger });
    closers.push(() => app.mailer.close());
    closers.push(() => app.auditSequencer.close());
    closers.push(() => app.enrollmentExpiry.close());
    return { env, config, database, bus, app, close };
  } catch (error) {
    await close();
    throw error;
  }
}
