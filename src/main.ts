// Entry point: config → database → event bus → services → server. Nothing else happens here.
import { openServices } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { DataDirError } from "./db/data-dir.js";
import { openDatabase } from "./db/database.js";
import { EventBus } from "./events/bus.js";
import { createLogger } from "./logger.js";
import { startServer } from "./server/server.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`clawkeep: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config, logger);
  const bus = new EventBus(database, { logger, retentionHours: config.eventRetentionHours });
  await bus.start();
  const app = await openServices({ config, database, bus, logger });
  const server = await startServer({ config, logger, database, bus, app });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await server.close();
    await app.enrollmentExpiry.close();
    await app.mailer.close();
    await app.auditSequencer.close();
    await bus.close();
    await database.close();
    logger.info("shutdown complete");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error) => {
  // A problem the operator fixes (the data directory) is a sentence; anything else keeps its stack.
  if (error instanceof DataDirError) console.error(`clawkeep: ${error.message}`);
  else console.error("clawkeep failed to start:", error);
  process.exit(1);
});
