// The processes of a benchmark run: the server under test (as `npm start` runs it), the bare
// node:http ceiling, and the load generator; plus what the operating system says about the
// server's CPU and memory while it works.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { StringDecoder } from "node:string_decoder";
import pg from "pg";
import { descendants } from "../../test/support/process.js";
import type { LoadResult, LoadSpec } from "../loader.js";
import { NO_RATE_LIMIT } from "../../test/support/rate-limit.js";

export interface BenchServer {
  url: string;
  pid: number;
  kind: "embedded" | "postgres";
  /**
   * The server's own time for each call since the last `take`, by RPC ("clawkeep.v1.VaultService/
   * GetSecret"): duration_ms of its access log, from the first interceptor to the last byte of the
   * answer handed to Node (no HTTP parsing, no waiting for the event loop, no socket write).
   */
  takeHandlerTimes(): Map<string, number[]>;
  stop(): Promise<void>;
}


/** PostgreSQL for the "postgres" runs: DATABASE_URL, or the machine's local server. */
export const ADMIN_DATABASE_URL = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres";

/** A Clawkeep server process on a fresh database of the given kind. */
/** `cwd`: another checkout to serve instead of this tree (with its own node_modules). */
export async function startBenchServer(kind: "embedded" | "postgres", env: Record<string, string> = {}, cwd?: string): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "clawkeep-bench-"));
  let databaseUrl: string | undefined;
  let dropDatabase = async () => {};
  if (kind === "postgres") {
    const name = `clawkeep_bench_${randomBytes(4).toString("hex")}`;
    await adminQuery(`CREATE DATABASE "${name}"`);
    const url = new URL(ADMIN_DATABASE_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
  const child = await startProcess(serverCommand(cwd), {
    ...NO_RATE_LIMIT,
    CLAWKEEP_PORT: "0",
    CLAWKEEP_HOST: "127.0.0.1",
    CLAWKEEP_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl ?? "",
    CLAWKEEP_MASTER_KEY: kind === "postgres" ? randomBytes(32).toString("base64") : "",
    ...env,
  }, cwd);
  let handlerTimes = new Map<string, number[]>();
  return {
    url: `http://127.0.0.1:${child.port}`,
    pid: child.process.pid!,
    kind,
    takeHandlerTimes() {
      for (const line of child.log.newLines()) {
        if (!line.includes('"msg":"rpc"')) continue;
        const entry = JSON.parse(line) as { rpc: string; duration_ms: number };
        const times = handlerTimes.get(entry.rpc);
        if (times) times.push(entry.duration_ms);
        else handlerTimes.set(entry.rpc, [entry.duration_ms]);
      }
      const taken = handlerTimes;
      handlerTimes = new Map();
      return taken;
    },
    async stop() {
      await stopProcess(child.process);
      child.log.close();
      await dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `npm start`'s command in the checkout: its prestart build, then the compiled server. A revision
 * from before the build step (no scripts/build.mjs) ran its sources through tsx, as its own npm
 * start did.
 */
const built = new Set<string>();
function serverCommand(cwd = process.cwd()): string[] {
  if (!existsSync(join(cwd, "scripts/build.mjs"))) return [process.execPath, "--import", "tsx", "src/main.ts"];
  if (!built.has(cwd)) {
    execFileSync(process.execPath, ["scripts/build.mjs"], { cwd, stdio: "inherit" });
    built.add(cwd);
  }
  return [process.execPath, "dist/src/main.js"];
}

/** The bare node:http ceiling. */
export async function startCeiling(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = await startProcess([process.execPath, "--import", "tsx", "bench/ceiling-server.ts"], {});
  return {
    url: `http://127.0.0.1:${child.port}`,
    async stop() {
      await stopProcess(child.process);
      child.log.close();
    },
  };
}

/** Runs the specs side by side in a load-generator process; one result per spec. */
export async function runLoad(specs: LoadSpec[]): Promise<LoadResult[]> {
  return (await startLoader()).run(specs);
}

/**
 * A load-generator process, started and ready: its own start-up (loading TypeScript through tsx
 * takes it about a second of CPU) is over before `run`, so a measurement around `run` holds the
 * load alone.
 */
export function startLoader(): Promise<{ run(specs: LoadSpec[]): Promise<LoadResult[]> }> {
  return new Promise((ready, failed) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/loader.ts"], { stdio: ["pipe", "pipe", "inherit"] });
    const lines: string[] = [];
    let answer: { resolve(results: LoadResult[]): void; reject(error: Error): void } | undefined;
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line === "ready") ready({ run: (specs) => new Promise((resolve, reject) => ((answer = { resolve, reject }), child.stdin.end(JSON.stringify(specs)))) });
      else lines.push(line);
    });
    child.on("error", failed);
    child.on("exit", (code) => {
      const error = new Error(`the load generator exited with ${code}`);
      if (!answer) failed(error);
      else if (code === 0) answer.resolve(JSON.parse(lines.join("")) as LoadResult[]);
      else answer.reject(error);
    });
  });
}

export interface Usage {
  /** CPU time over wall time, percent of one core. */
  cpuPercent: number;
  rssMb: number;
}

/** Measures a process's CPU over `work`, and its resident memory when `work` ends. */
export async function measureUsage<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; usage: Usage }> {
  const before = cpuSeconds(pid);
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  return { value, usage: { cpuPercent: ((cpuSeconds(pid) - before) / seconds) * 100, rssMb: rssMb(pid) } };
}

/** Resident memory of the process, in MB. */
export function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** A process's name and CPU seconds from /proc/<pid>/stat: its own (user + system), and its reaped children's. */
function processCpu(pid: number | string): { name: string; own: number; reaped: number } | undefined {
  const ticks = 100; // USER_HZ on Linux
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
      own: (Number(fields[11]) + Number(fields[12])) / ticks,
      reaped: (Number(fields[13]) + Number(fields[14])) / ticks,
    };
  } catch {
    return undefined; // the process ended meanwhile
  }
}

/**
 * CPU seconds of every PostgreSQL process on the machine, with the reaped backends' time that
 * their postmaster holds: the machine's own server, for the runs on it.
 */
export function postgresCpuSeconds(excludingTreesOf: number[] = []): number {
  // An embedded server's own PostgreSQL is not the machine's: what it does while another server is measured must not count.
  const excluded = new Set(excludingTreesOf.flatMap((pid) => descendants(pid)).map(String));
  let seconds = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || excluded.has(entry)) continue;
    const cpu = processCpu(entry);
    if (cpu?.name.startsWith("postgres")) seconds += cpu.own + cpu.reaped;
  }
  return seconds;
}

/**
 * CPU seconds (user + system) the process and, with `tree`, its descendants named `only` (the
 * embedded PostgreSQL: "postgres") have used. Over a tree the time of children already reaped
 * counts too (a PostgreSQL backend that exits mid-run would otherwise take its CPU time with it).
 */
export function cpuSeconds(pid: number, tree = false, only?: string): number {
  const of = (p: number) => {
    const cpu = processCpu(p);
    if (!cpu || (only && p !== pid && !cpu.name.startsWith(only))) return 0;
    return cpu.own + (tree ? cpu.reaped : 0);
  };
  return of(pid) + (tree ? descendants(pid).reduce((sum, p) => sum + of(p), 0) : 0);
}

/**
 * Seconds the process's main thread (the event loop) has spent runnable but waiting for a CPU
 * (the second field of /proc/<pid>/task/<pid>/schedstat): on a machine whose cores the server, its
 * database and the load generator share, the part of a tail that no code of ours runs in.
 */
export function runQueueWaitSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, "utf8").trim().split(" ")[1]) / 1e9;
  } catch {
    return NaN; // a kernel without schedstats
  }
}

/** The machine's CPU since boot, in seconds of all cores together: busy (not idle, not waiting on I/O) and stolen by the hypervisor. */
export function machineCpuSeconds(): { total: number; busy: number; steal: number } {
  const ticks = 100; // USER_HZ on Linux
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { total: (busy + idle + iowait) / ticks, busy: busy / ticks, steal: steal / ticks };
}

/** prom-client's default eventLoopMonitoringPrecision: Node's monitor looks every 10 ms and records the whole interval. */
const LOOP_MONITOR_INTERVAL_MS = 10;

export interface ServerVitals {
  /** GC pause seconds so far, all kinds. */
  gcSeconds: number;
  /** Event-loop delay since the previous reading, ms: how late the monitor's 10 ms tick came (Node's monitorEventLoopDelay). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/**
 * The server's own account of its event loop and garbage collector, from its /metrics (Node's
 * default metrics). Reading resets the event-loop histogram, so a reading before a run and one
 * after it give that run's delays.
 */
export async function serverVitals(url: string): Promise<ServerVitals> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (name: string) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))].reduce((total, match) => total + Number(match[1]), 0);
  return {
    gcSeconds: sum("clawkeep_process_nodejs_gc_duration_seconds_sum"),
    loopDelayP99Ms: Math.max(0, sum("clawkeep_process_nodejs_eventloop_lag_p99_seconds") * 1000 - LOOP_MONITOR_INTERVAL_MS),
    loopDelayMaxMs: Math.max(0, sum("clawkeep_process_nodejs_eventloop_lag_max_seconds") * 1000 - LOOP_MONITOR_INTERVAL_MS),
  };
}

/** Processes this run started: stopped with it, however it ends. */
const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGTERM");
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));

/**
 * A process whose stdout goes to a file, read only when asked (the server's access log: a line
 * per call). Read from a pipe as it came, the log cost the benchmark a wake-up and a JSON parse
 * per call on the same two cores the server runs on, inside the measured window.
 */
async function startProcess(command: string[], env: Record<string, string>, cwd?: string): Promise<{ process: ChildProcess; port: number; log: LogFile }> {
  const log = new LogFile();
  const child = spawn(command[0], command.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ["ignore", log.fd, "inherit"] });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const started = Date.now();
  // Read until the process says where it listens; its later lines are the caller's to read.
  for (;;) {
    for (const line of log.newLines()) {
      try {
        const entry = JSON.parse(line) as { port?: number; msg?: string };
        if (entry.port && (entry.msg === undefined || entry.msg === "clawkeep listening")) return { process: child, port: entry.port, log };
      } catch {
        // not a JSON line
      }
    }
    if (child.exitCode !== null) throw new Error(`${command.join(" ")} exited with ${child.exitCode}`);
    if (Date.now() - started > 60_000) throw new Error(`${command.join(" ")} did not start`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A process's stdout in a file of its own, read by whole lines, emptied as it is read. */
class LogFile {
  private readonly dir = mkdtempSync(join(tmpdir(), "clawkeep-bench-log-"));
  // Appending, so that emptying the file after a read makes the process write from its start again.
  readonly fd = openSync(join(this.dir, "stdout"), "a+");
  private partial = "";
  // A read may end inside a character the process is still writing.
  private readonly decoder = new StringDecoder("utf8");
  private readonly buffer = Buffer.alloc(1 << 20);

  newLines(): string[] {
    let text = this.partial;
    for (let n, offset = 0; (n = readSync(this.fd, this.buffer, 0, this.buffer.length, offset)) > 0; offset += n) text += this.decoder.write(this.buffer.subarray(0, n));
    const lines = text.split("\n");
    this.partial = lines.pop()!;
    // Read between runs, when the server is idle: a whole benchmark's log would be hundreds of MB.
    ftruncateSync(this.fd, 0);
    return lines;
  }

  close(): void {
    closeSync(this.fd);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
