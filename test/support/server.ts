// Starts a real Clawkeep server on port 0 against a fresh database, in this process, and tears
// it down. Several servers may share one database (pass `database`) to test scale-out.
import { createServer, type AddressInfo } from "node:net";
import { pino, type Logger } from "pino";
import type { AppServices } from "../../src/app.js";
import type { Config } from "../../src/config.js";
import type { Database } from "../../src/db/database.js";
import type { EventBus } from "../../src/events/bus.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { openTestApp } from "./app.js";
import { freshDatabase, type FreshDatabase } from "./database.js";

export interface TestServer {
  url: string;
  port: number;
  config: Config;
  database: Database;
  bus: EventBus;
  app: AppServices;
  server: RunningServer;
  /** Stops the server and closes its database connection (and drops the database if it owns it). */
  close(): Promise<void>;
}

/**
 * A free port on 127.0.0.1, for a server whose CLAWKEEP_PUBLIC_URL must name its real port before
 * it binds (links in emails and share URLs).
 */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

export interface TestServerOptions {
  /** Share this database with other servers instead of creating one. */
  database?: FreshDatabase;
  env?: Record<string, string>;
  /** Where the server logs; by default nowhere, or stdout at CLAWKEEP_TEST_LOG's level. */
  logger?: Logger;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const logger = options.logger ?? pino({ level: process.env.CLAWKEEP_TEST_LOG ?? "silent" });
  const parts = await openTestApp({
    database: options.database,
    logger,
    env: { CLAWKEEP_PORT: "0", CLAWKEEP_HOST: "127.0.0.1", CLAWKEEP_SHUTDOWN_GRACE_MS: "2000", ...options.env },
  });
  const { config, database, bus, app } = parts;
  let server: RunningServer;
  try {
    server = await startServer({ config, logger, database, bus, app });
  } catch (error) {
    await parts.close();
    throw error;
  }
  return {
    url: server.url,
    port: server.port,
    config,
    database,
    bus,
    app,
    server,
    async close() {
      await server.close();
      await parts.close();
    },
  };
}

export interface InstancePair {
  a: TestServer;
  b: TestServer;
  /** Stops both servers and drops their database. */
  close(): Promise<void>;
}

/**
 * Two servers on one fresh database, as two instances behind a load balancer. Only with
 * PostgreSQL: the embedded database belongs to one process.
 */
export async function startInstancePair(env?: Record<string, string>): Promise<InstancePair> {
  const database = await freshDatabase();
  const started: TestServer[] = [];
  const close = async () => {
    for (const server of started.splice(0)) await server.close();
    await database.drop();
  };
  try {
    started.push(await startTestServer({ database, env }));
    started.push(await startTestServer({ database, env }));
  } catch (error) {
    await close();
    throw error;
  }
  const [a, b] = started;
  return { a, b, close };
}
