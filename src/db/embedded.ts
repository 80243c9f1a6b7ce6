// The embedded PostgreSQL: PGlite in the data directory, served over a loopback socket so that
// TypeORM uses the same `pg` driver and the same SQL as production.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { SessionQueue } from "./pglite-session-queue.js";

export interface EmbeddedPostgres {
  /** Connection settings for the pg driver. */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Connections the socket server accepts; the pool uses one fewer so migrations can still connect. */
export const EMBEDDED_MAX_CONNECTIONS = 8;

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = lockDataDir(dataDir);
  try {
    const db = await PGlite.create({ dataDir: join(dataDir, "pgdata") });
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: EMBEDDED_MAX_CONNECTIONS });
    replaceQueryQueue(server, new SessionQueue(db));
    await server.start();
    const [, port] = server.getServerConn().split(":");
    return {
      host: "127.0.0.1",
      port: Number(port),
      async close() {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/** See pglite-session-queue.ts for why; refuses to start if a new pglite-socket moved the field. */
function replaceQueryQueue(server: PGLiteSocketServer, queue: SessionQueue): void {
  const internals = server as unknown as { queryQueue?: unknown };
  if (!internals.queryQueue) throw new Error("pglite-socket no longer has a queryQueue field; review src/db/pglite-session-queue.ts against the new version");
  internals.queryQueue = queue;
}

/**
 * PGlite is single-process: two servers on one data directory would corrupt it. A lock file with
 * our pid refuses the second one; a lock left by a process that no longer exists is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = join(dataDir, "clawkeep.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(lockPath, "utf8").trim());
      if (holder && isAlive(holder)) {
        throw new Error(`the data directory ${dataDir} is in use by process ${holder}; stop it, or set CLAWKEEP_DATA_DIR or DATABASE_URL`);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock the data directory ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
