// Starts a real Clawkeep server on port 0 against a fresh database, in this process, and tears
// it down. Several servers may share one database (pass `database`) to test scale-out.
import { pino } from "pino";
import { loadConfig, type Config } from "../../src/config.js";
import { openDatabase, type Database } from "../../src/db/database.js";
import { EventBus } from "../../src/events/bus.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { freshDatabase, type FreshDatabase } from "./database.js";

export interface TestServer {
  url: string;
  port: number;
  config: Config;
  database: Database;
  bus: EventBus;
  server: RunningServer;
  /** Stops the server and closes its database connection (and drops the database if it owns it). */
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Share this database with other servers instead of creating one. */
  database?: FreshDatabase;
  env?: Record<string, string>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const owned = options.database === undefined;
  const fresh = options.database ?? (await freshDatabase());
  const config = loadConfig({
    CLAWKEEP_PORT: "0",
    CLAWKEEP_HOST: "127.0.0.1",
    CLAWKEEP_DATA_DIR: fresh.dataDir,
    CLAWKEEP_SHUTDOWN_GRACE_MS: "2000",
    ...(fresh.databaseUrl ? { DATABASE_URL: fresh.databaseUrl } : {}),
    ...options.env,
  });
  const logger = pino({ level: process.env.CLAWKEEP_TEST_LOG ?? "silent" });
  const database = await openDatabase(config, logger);
  const bus = new EventBus(database, { logger, pollIntervalMs: 1000 });
  await bus.start();
  const server = await startServer({ config, logger, database, bus });
  return {
    url: server.url,
    port: server.port,
    config,
    database,
    bus,
    server,
    async close() {
      await server.close();
      await bus.close();
      await database.close();
      if (owned) await fresh.drop();
    },
  };
}
