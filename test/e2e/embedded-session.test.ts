// The embedded database shares one PGlite session between pool connections. Concurrent
// parameterised queries and transactions from several connections must neither interleave their
// protocol exchanges nor lose updates (see src/db/pglite-session-queue.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../src/db/embedded.js";

let dataDir: string;
let embedded: EmbeddedPostgres;
let pool: pg.Pool;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "clawkeep-session-"));
  embedded = await startEmbeddedPostgres(dataDir);
  pool = new pg.Pool({ host: embedded.host, port: embedded.port, user: "postgres", database: "postgres", max: 6 });
  await pool.query(`CREATE TABLE counters ("id" integer PRIMARY KEY, "n" integer NOT NULL)`);
  await pool.query(`INSERT INTO counters VALUES (1, 0)`);
});
afterAll(async () => {
  await pool?.end();
  await embedded?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("embedded database session sharing", () => {
  it("answers 200 concurrent parameterised queries from 6 connections, each with its own result", async () => {
    // Distinct statement texts: an interleaved Parse would bind one query's values to another's text.
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => pool.query(`SELECT $1::int * 2 AS "doubled", $2::text AS "tag", ${i} AS "n"`, [i, `q${i}`])));
    expect(results.map((r) => [r.rows[0].doubled, r.rows[0].tag, r.rows[0].n])).toEqual(Array.from({ length: 200 }, (_, i) => [i * 2, `q${i}`, i]));
  });

  it("keeps transactions whole while other connections query in between", async () => {
    const increment = async () => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query(`SELECT "n" FROM counters WHERE "id" = $1 FOR UPDATE`, [1]);
        await client.query(`UPDATE counters SET "n" = $2 WHERE "id" = $1`, [1, rows[0].n + 1]);
        await client.query("COMMIT");
      } finally {
        client.release();
      }
    };
    // A transaction's BEGIN (a simple query) landing between another connection's Parse and Bind
    // destroys that connection's unnamed statement; interleave many of both to give it the chance.
    const read = async (i: number) => (await pool.query(`SELECT $1::int AS "i", ${i} AS "n"`, [i])).rows[0];
    const outcomes = await Promise.all([...Array.from({ length: 60 }, increment), ...Array.from({ length: 240 }, (_, i) => read(i))]);
    expect(outcomes.slice(60)).toEqual(Array.from({ length: 240 }, (_, i) => ({ i, n: i })));
    const { rows } = await pool.query(`SELECT "n" FROM counters WHERE "id" = $1`, [1]);
    expect(rows[0].n).toBe(60);
  });

  it("gives the session back when a connection dies inside its transaction", async () => {
    const client = new pg.Client({ host: embedded.host, port: embedded.port, user: "postgres", database: "postgres" });
    await client.connect();
    client.on("error", () => {}); // the connection we are about to kill reports its own death
    await client.query("BEGIN");
    await client.query(`UPDATE counters SET "n" = -1 WHERE "id" = $1`, [1]);
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const { rows } = await pool.query(`SELECT "n" FROM counters WHERE "id" = $1`, [1]);
    expect(rows[0].n).toBe(60);
  });
});
