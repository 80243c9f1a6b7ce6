// `npm run migrate`: applies pending migrations to the configured database and exits.
import { loadConfig } from "../config.js";
import { openDatabase } from "../db/database.js";
import { createLogger } from "../logger.js";

const config = loadConfig();
const logger = createLogger(config.logLevel);
// Opening the database runs every pending migration under a cross-instance lock.
const database = await openDatabase(config, logger);
const rows: { name: string }[] = await database.dataSource.query(`SELECT "name" FROM "migrations" ORDER BY "id"`);
console.log(`database is at migration ${rows.at(-1)?.name ?? "(none)"} (${rows.length} applied)`);
await database.close();
