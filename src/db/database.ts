// Opens the database Clawkeep runs on: the PostgreSQL of DATABASE_URL, or the embedded one.
// Either way it is TypeORM over the `pg` driver, and migrations run before anything else.
import "reflect-metadata";
import pg from "pg";
import { DataSource } from "typeorm";
import type { Logger } from "pino";
import { EMBEDDED_MAX_CONNECTIONS, startEmbeddedPostgres } from "./embedded.js";
import { ENTITIES } from "./entities.js";
import { MIGRATIONS } from "./migrations/index.js";

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
}

/** Receives NOTIFY messages of one channel; returns a function that stops listening. */
export type ListenFn = (channel: string, listener: () => void) => Promise<() => Promise<void>>;

export interface Database {
  kind: "postgres" | "embedded";
  dataSource: DataSource;
  listen: ListenFn;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Serializes migrations across instances that start at the same moment. */
const MIGRATION_LOCK_KEY = 7_360_211_001;

export async function openDatabase(options: DatabaseOptions, logger: Logger): Promise<Database> {
  if (options.databaseUrl) {
    const url = options.databaseUrl;
    const dataSource = await initialize(new DataSource({ ...common(), url, poolSize: 10 }));
    return {
      kind: "postgres",
      dataSource,
      listen: (channel, listener) => listenOnPostgres(url, channel, listener, logger),
      ping: () => dataSource.query("SELECT 1").then(() => undefined),
      close: () => dataSource.destroy(),
    };
  }
  const embedded = await startEmbeddedPostgres(options.dataDir);
  try {
    const dataSource = await initialize(
      new DataSource({ ...common(), host: embedded.host, port: embedded.port, username: "postgres", database: "postgres", poolSize: EMBEDDED_MAX_CONNECTIONS - 2 }),
    );
    logger.info({ data_dir: options.dataDir }, "using the embedded database (set DATABASE_URL to use PostgreSQL)");
    return {
      kind: "embedded",
      dataSource,
      // One process owns the embedded database (see lockDataDir), so nobody else publishes;
      // local subscribers are woken after commit by the event bus itself.
      listen: async () => async () => undefined,
      ping: () => dataSource.query("SELECT 1").then(() => undefined),
      async close() {
        await dataSource.destroy();
        await embedded.close();
      },
    };
  } catch (error) {
    await embedded.close();
    throw error;
  }
}

function common() {
  return {
    type: "postgres" as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built in; uuid-ossp needs a superuser and PGlite lacks it.
    uuidExtension: "pgcrypto" as const,
    installExtensions: false,
    logging: false,
  };
}

async function initialize(dataSource: DataSource): Promise<DataSource> {
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
    return dataSource;
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
}

export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: "each" });
    return applied.map((m) => m.name);
  } finally {
    await runner.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/**
 * A dedicated connection LISTENs on `channel`. If it drops, it reconnects with backoff and fires
 * the listener once, so subscribers re-read anything they may have missed meanwhile.
 */
async function listenOnPostgres(url: string, channel: string, listener: () => void, logger: Logger): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let backoffMs = 100;
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    next.on("notification", (message) => {
      if (message.channel === channel) listener();
    });
    next.on("error", (error) => {
      logger.warn({ err: error }, "event listener connection failed; reconnecting");
      void next.end().catch(() => undefined);
      if (client === next) client = undefined;
      if (!stopped) setTimeout(() => void reconnect(), backoffMs);
    });
    await next.connect();
    await next.query(`LISTEN "${channel}"`);
    client = next;
    backoffMs = 100;
  };
  const reconnect = async () => {
    if (stopped || client) return;
    try {
      await connect();
      listener();
    } catch (error) {
      backoffMs = Math.min(backoffMs * 2, 5000);
      logger.warn({ err: error, retry_ms: backoffMs }, "event listener cannot reconnect yet");
      setTimeout(() => void reconnect(), backoffMs);
    }
  };
  await connect();
  return async () => {
    stopped = true;
    await client?.end().catch(() => undefined);
  };
}
