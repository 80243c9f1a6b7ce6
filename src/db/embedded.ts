// The embedded database: a real PostgreSQL server that Clawkeep starts, watches and stops itself,
// with its cluster in CLAWKEEP_DATA_DIR/postgres. It has the same engine, concurrency and
// LISTEN/NOTIFY as production, in processes of its own (not on our event loop).
//
// - It listens on a Unix socket in a directory only its user can enter, never on TCP, so it
//   cannot clash with a PostgreSQL already running on the machine and needs no password.
// - It runs under a small shell guard that holds a pipe from us: when this process ends for any
//   reason, kill -9 included, the pipe closes and the guard asks PostgreSQL for a fast shutdown,
//   so no orphaned server outlives us. A server left over anyway (the guard was killed too) is
//   shut down at the next start, which holds the data directory's lock by then.
// - If PostgreSQL dies while we run, it is started again; the connection pools reconnect.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Logger } from "pino";
import { censorPostgresLine } from "../logger.js";
import { CLUSTER_DIR, DataDirError, isAlive, lockDataDir, lockHolder, postgresIdentity, prepareDataDir, prepareOwnedDir, refusePgliteEra, type RunAs } from "./data-dir.js";
import { postgresBinaries, type PostgresBinaries } from "./postgres-binaries.js";

/** How the pg driver reaches the embedded server. */
export interface EmbeddedConnection {
  /** The socket's directory: the pg driver reads a host that starts with "/" as one. */
  host: string;
  port: number;
  user: string;
  database: string;
}

export interface EmbeddedPostgres {
  connection: EmbeddedConnection;
  /** Stops the server (fast shutdown: open transactions roll back) and releases the directory. */
  close(): Promise<void>;
}

/** Names the socket file (.s.PGSQL.<port>); nothing listens on a TCP port. */
const SOCKET_PORT = 5432;
const SUPERUSER = "postgres";
/** Longest Unix socket path the kernel accepts, less some room. */
const MAX_SOCKET_PATH = 100;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const RESTART_BACKOFF_MS = [100, 250, 500, 1000, 2000, 5000];

/**
 * Fast shutdown for PostgreSQL when our end of stdin closes, whoever closes it. (A background
 * command of a non-interactive shell reads /dev/null unless told otherwise: hence fd 3.)
 */
const GUARD = `exec 3<&0
"$@" </dev/null 3<&- &
pg=$!
{ cat <&3 >/dev/null; kill -INT "$pg" 2>/dev/null; } >/dev/null 2>&1 &
exec 3<&-
wait "$pg"`;

export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  const runAs = postgresIdentity();
  prepareDataDir(dataDir, runAs);
  refusePgliteEra(dataDir);
  const release = lockDataDir(dataDir);
  try {
    const binaries = postgresBinaries(runAs);
    const cluster = join(dataDir, CLUSTER_DIR);
    await stopLeftoverServer(cluster, logger);
    await ensureCluster(cluster, dataDir, binaries, runAs, logger);
    const socketDir = socketDirectory(dataDir, runAs);
    const server = new Supervisor({ binaries, cluster, socketDir, runAs, logger });
    await server.start();
    return {
      connection: { host: socketDir, port: SOCKET_PORT, user: SUPERUSER, database: "postgres" },
      async close() {
        try {
          await server.stop();
        } finally {
          if (socketDir !== join(dataDir, "run")) rmSync(socketDir, { recursive: true, force: true });
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * The running embedded server of a data directory that a Clawkeep server holds, for admin
 * commands that run beside it; undefined when no server holds the directory.
 */
export function runningEmbeddedPostgres(dataDir: string): EmbeddedConnection | undefined {
  if (lockHolder(dataDir) === undefined) return undefined;
  const pid = postmasterPid(join(dataDir, CLUSTER_DIR));
  if (!pid) return undefined;
  return { host: pid.socketDir, port: pid.port, user: SUPERUSER, database: "postgres" };
}

/** What postmaster.pid says: the server's pid, port and first socket directory. */
function postmasterPid(cluster: string): { pid: number; port: number; socketDir: string } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(cluster, "postmaster.pid"), "utf8").split("\n");
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, port: Number(lines[3]) || SOCKET_PORT, socketDir: lines[4] ?? "" };
}

/**
 * A server still running on our cluster belongs to a Clawkeep that is gone (we hold the lock now):
 * shut it down before starting our own, which would otherwise refuse to start.
 */
async function stopLeftoverServer(cluster: string, logger: Logger): Promise<void> {
  const leftover = postmasterPid(cluster);
  if (!leftover || !isAlive(leftover.pid) || !isPostgres(leftover.pid)) return;
  logger.warn({ pid: leftover.pid }, "the embedded database was left running by a previous Clawkeep; shutting it down");
  process.kill(leftover.pid, "SIGINT");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(leftover.pid)) {
    if (Date.now() > deadline) process.kill(leftover.pid, "SIGQUIT");
    await sleep(50);
  }
}

/** Whether the process is a PostgreSQL server (and not another process that reused the pid). */
function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0].endsWith("postgres");
  } catch {
    return true; // No /proc (macOS): trust postmaster.pid, as PostgreSQL itself does.
  }
}

/** Creates the cluster on first start (in a staging directory, so a crash never leaves half of one). */
async function ensureCluster(cluster: string, dataDir: string, binaries: PostgresBinaries, runAs: RunAs | undefined, logger: Logger): Promise<void> {
  const versionFile = join(cluster, "PG_VERSION");
  if (existsSync(versionFile)) {
    const major = readFileSync(versionFile, "utf8").trim();
    if (major !== binaries.major) {
      throw new DataDirError(
        `${cluster} is a PostgreSQL ${major} cluster, but this Clawkeep runs PostgreSQL ${binaries.major}; ` +
          `start the release that created it and move the data to a PostgreSQL server (DATABASE_URL), or move the directory aside`,
      );
    }
    return;
  }
  if (existsSync(cluster)) {
    throw new DataDirError(`${cluster} exists but is not a PostgreSQL cluster (no PG_VERSION); move it aside so Clawkeep can create its database there`);
  }
  const staging = join(dataDir, `${CLUSTER_DIR}.initdb`);
  rmSync(staging, { recursive: true, force: true });
  prepareOwnedDir(staging, runAs);
  logger.info({ data_dir: dataDir, postgres: binaries.version }, "creating the embedded database");
  const output = await run(binaries.initdb, ["-D", staging, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C"], runAs);
  if (output.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new DataDirError(`creating the embedded database failed (initdb exited with ${output.code}): ${output.text.trim().slice(-2000)}`);
  }
  renameSync(staging, cluster);
}

/**
 * The directory of the server's socket: CLAWKEEP_DATA_DIR/run when its path is short enough for a
 * Unix socket, else a private temporary directory.
 */
function socketDirectory(dataDir: string, runAs: RunAs | undefined): string {
  const preferred = join(dataDir, "run");
  const dir = `${preferred}/.s.PGSQL.${SOCKET_PORT}`.length <= MAX_SOCKET_PATH ? preferred : mkdtempSync(join(tmpdir(), "clawkeep-pg-"));
  prepareOwnedDir(dir, runAs);
  return dir;
}

function run(command: string, args: string[], runAs: RunAs | undefined): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}), env: postgresEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, text }));
  });
}

/** A clean environment: the server's messages in English (we show them), nothing of ours. */
function postgresEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C", LANG: "C", TZ: "UTC" };
}

interface SupervisorParts {
  binaries: PostgresBinaries;
  cluster: string;
  socketDir: string;
  runAs: RunAs | undefined;
  logger: Logger;
}

/** Runs the server process, restarts it when it dies, and stops it on request. */
class Supervisor {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private stopping = false;
  private ready = false;
  private restarts = 0;
  /** Its last lines of output, for an error message when it fails to start. */
  private recent: string[] = [];

  constructor(private readonly parts: SupervisorParts) {}

  async start(): Promise<void> {
    this.spawn();
    await this.waitUntilReady();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private spawn(): void {
    const { binaries, cluster, socketDir, runAs, logger } = this.parts;
    const args = [
      binaries.postgres,
      "-D",
      cluster,
      "-c",
      "listen_addresses=",
      "-c",
      `unix_socket_directories=${socketDir}`,
      "-c",
      "unix_socket_permissions=0700",
      // Its log reaches ours, so it must not repeat the values of a failed statement: no DETAIL
      // ("Failing row contains (…)"), no STATEMENT, and the SQLSTATE in each line so that the
      // input a data exception quotes can be censored (censorStatementValues).
      "-c",
      "log_error_verbosity=terse",
      "-c",
      "log_min_error_statement=panic",
      "-c",
      "log_line_prefix=%m [%p] %e ",
      "-p",
      String(SOCKET_PORT),
    ];
    const child = spawn("/bin/sh", ["-c", GUARD, "clawkeep-postgres", ...args], {
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      env: postgresEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    const onOutput = (chunk: Buffer) => {
      for (const raw of chunk.toString().split("\n")) {
        if (!raw.trim()) continue;
        const line = censorPostgresLine(raw);
        this.recent = [...this.recent.slice(-19), line];
        // Until it is ready, our own probes make it say "the database system is starting up".
        const serious = this.ready && /\b(WARNING|ERROR|FATAL|PANIC):/.test(line);
        logger[serious ? "warn" : "debug"]({ postgres: line }, "embedded database");
      }
    };
    child.stdout?.on("data", onOutput);
    child.stderr?.on("data", onOutput);
    child.on("error", (error) => logger.error({ err: error }, "the embedded database could not be started"));
    void this.exited.then((code) => {
      if (this.stopping || this.child !== child) return;
      const delay = RESTART_BACKOFF_MS[Math.min(this.restarts++, RESTART_BACKOFF_MS.length - 1)];
      logger.error({ code, restart_in_ms: delay }, "the embedded database stopped unexpectedly; starting it again");
      setTimeout(() => {
        if (this.stopping) return;
        this.spawn();
        this.waitUntilReady().then(
          () => {
            this.restarts = 0;
            logger.info("the embedded database is running again");
          },
          (error: unknown) => logger.error({ err: error }, "the embedded database did not come back yet"),
        );
      }, delay).unref();
    });
  }

  private async waitUntilReady(): Promise<void> {
    const { socketDir } = this.parts;
    this.ready = false;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const client = new pg.Client({ host: socketDir, port: SOCKET_PORT, user: SUPERUSER, database: "postgres" });
      try {
        await client.connect();
        await client.query("SELECT 1");
        this.ready = true;
        return;
      } catch {
        // Not accepting connections yet (or starting up).
      } finally {
        await client.end().catch(() => undefined);
      }
      if (exited) throw new DataDirError(`the embedded database did not start: ${this.recent.join("\n").slice(-2000)}`);
      if (Date.now() > deadline) throw new DataDirError(`the embedded database did not accept connections within ${READY_TIMEOUT_MS / 1000} s: ${this.recent.join("\n").slice(-2000)}`);
      await sleep(25);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
