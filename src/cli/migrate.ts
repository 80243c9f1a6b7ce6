// `clawkeep migrate`: applies pending migrations to the configured database.
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { openDatabase } from "../db/database.js";

export async function migrate(config: Config, logger: Logger): Promise<void> {
  // Opening the database runs every pending migration under a cross-instance lock.
  const database = await openDatabase(config, logger, { role: "tool" });
  try {
    const rows: { name: string }[] = await database.dataSource.query(`SELECT "name" FROM "migrations" ORDER BY "id"`);
    console.log(`database is at migration ${rows.at(-1)?.name ?? "(none)"} (${rows.length} applied)`);
  } finally {
    await database.close();
  }
}
