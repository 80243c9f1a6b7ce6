// Opens the database Clawkeep runs on: the PostgreSQL of DATABASE_URL, or the embedded one (a real
// PostgreSQL server Clawkeep runs itself). Either way it is TypeORM over the `pg` driver, and
// migrations run before anything else.
import "reflect-metadata";
import pg from "pg";
import { DataSource, MigrationExecutor } from "typeorm";
import type { Logger } from "pino";
import { runningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedConnection } from "./embedded.js";
import { MIGRATIONS } from "./migrations/index.js";

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
}

export interface OpenOptions {
  /**
   * "server" (the default) owns the embedded database: it starts and stops it, and refuses a data
   * directory another server holds. "tool" (admin commands) uses the running server's embedded
   * database when there is one, and starts its own only when there is none.
   */
  role?: "server" | "tool";
}

/** Receives NOTIFY messages of one channel (with their payload); returns a function that stops listening. */
export type ListenFn = (channel: string, listener: (payload: string) => void) => Promise<() => Promise<void>>;

export interface Database {
  kind: "postgres" | "embedded";
  dataSource: DataSource;
  listen: ListenFn;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Serializes migrations across instances that start at the same moment. */
const MIGRATION_LOCK_KEY = 7_360_211_001;
const POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 5000;

export async function openDatabase(options: DatabaseOptions, logger: Logger, open: OpenOptions = {}): Promise<Database> {
  if (options.databaseUrl) return connect("postgres", { connectionString: options.databaseUrl }, logger);
  const running = open.role === "tool" ? runningEmbeddedPostgres(options.dataDir) : undefined;
  if (running) return connect("embedded", running, logger);
  const embedded = await startEmbeddedPostgres(options.dataDir, logger);
  try {
    const database = await connect("embedded", embedded.connection, logger);
    logger.info({ data_dir: options.dataDir }, "using the embedded database (set DATABASE_URL to use PostgreSQL)");
    return {
      ...database,
      async close() {
        try {
          await database.close();
        } finally {
          await embedded.close();
        }
      },
    };
  } catch (error) {
    await embedded.close();
    throw error;
  }
}

type Connection = { connectionString: string } | EmbeddedConnection;

async function connect(kind: Database["kind"], connection: Connection, logger: Logger): Promise<Database> {
  const target =
    "connectionString" in connection
      ? { url: connection.connectionString }
      : { host: connection.host, port: connection.port, username: connection.user, database: connection.database };
  const dataSource = await initialize(new DataSource({ ...common(), ...target, poolSize: POOL_SIZE }));
  const clientConfig: pg.ClientConfig = "connectionString" in connection ? connection : { ...connection };
  return {
    kind,
    dataSource,
    listen: (channel, listener) => listenOn(clientConfig, channel, listener, logger),
    ping: () => dataSource.query("SELECT 1").then(() => undefined),
    close: () => dataSource.destroy(),
  };
}

function common() {
  return {
    type: "postgres" as const,
    // No entities: every module's SQL lives in its store (src/db/table.ts), with typed rows.
    entities: [],
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    // gen_random_uuid() is built in; uuid-ossp needs a superuser.
    uuidExtension: "pgcrypto" as const,
    installExtensions: false,
    logging: false,
    // A database that does not answer is reported (503) in seconds, not waited for forever.
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
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

/** The names of the migrations applied to the database, oldest first. */
export async function appliedMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = await new MigrationExecutor(dataSource).getExecutedMigrations();
  return applied.sort((a, b) => Number(a.id) - Number(b.id)).map((migration) => migration.name);
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
async function listenOn(config: pg.ClientConfig, channel: string, listener: (payload: string) => void, logger: Logger): Promise<() => Promise<void>> {
  let client: pg.Client | undefined;
  let stopped = false;
  let backoffMs = 100;
  const connect = async (): Promise<void> => {
    const next = new pg.Client(config);
    next.on("notification", (message) => {
      if (message.channel === channel) listener(message.payload ?? "");
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
      listener("");
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
