// `clawkeep migrate`: applies pending migrations to the configured database.
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { appliedMigrations, openDatabase } from "../db/database.js";

export async function migrate(config: Config, logger: Logger): Promise<void> {
  // Opening the database runs every pending migration under a cross-instance lock.
  const database = await openDatabase(config, logger, { role: "tool" });
  try {
    const applied = await appliedMigrations(database.dataSource);
    console.log(`database is at migration ${applied.at(-1) ?? "(none)"} (${applied.length} applied)`);
  } finally {
    await database.close();
  }
}
