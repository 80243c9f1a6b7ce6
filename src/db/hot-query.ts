// The few statements every request runs (a secret read, its audit event, a token exchange, a
// write's rows) go to the driver directly, as named prepared statements: PostgreSQL plans them
// once per connection instead of on every call, and TypeORM's per-query machinery (a query
// runner object, query events to every subscriber) is skipped. Outside a transaction they use
// the pool, which is TypeORM's own (one pool, one set of type parsers); inside one, that
// transaction's own connection.
import type { DataSource, EntityManager } from "typeorm";

/** What the pg driver's pool and clients have in common. */
interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** A statement with a name unique to its text. */
export interface HotStatement {
  name: string;
  text: string;
}

export function hotStatement(name: string, text: string): HotStatement {
  return { name: `clawkeep_${name}`, text };
}

/** Runs `statement` with `values` and returns its rows (for an UPDATE or DELETE, those it RETURNING-ed). */
export async function runHot<T>(q: DataSource | EntityManager, statement: HotStatement, values: unknown[]): Promise<T[]> {
  return (await driverOf(q).query({ name: statement.name, text: statement.text, values })).rows as T[];
}

function driverOf(q: DataSource | EntityManager): PgQueryable {
  const manager = "manager" in q ? q.manager : q;
  const runner = manager.queryRunner as (typeof manager.queryRunner & { databaseConnection?: PgQueryable }) | undefined;
  if (runner?.isTransactionActive) {
    // A transaction has its connection from its first statement (START TRANSACTION) on.
    if (!runner.databaseConnection) throw new Error("a transaction without a connection");
    return runner.databaseConnection;
  }
  return (manager.connection.driver as unknown as { master: PgQueryable }).master;
}
