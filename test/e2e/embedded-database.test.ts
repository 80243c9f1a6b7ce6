// The embedded database as a user meets it: `npm start` without DATABASE_URL runs a real
// PostgreSQL of its own in CLAWKEEP_DATA_DIR, on a Unix socket, stops it on SIGTERM, leaves none
// behind after kill -9, shuts down one left over anyway, and refuses a PGlite-era directory.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { usingPostgres } from "../support/database.js";
import { descendants, runServerToExit, startServerProcess, type ServerProcess } from "../support/process.js";
import { restCaller, restSignup } from "../support/rest.js";
import { PASSWORD } from "../support/people.js";

const started: ServerProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const server of started.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }
  for (const dir of dirs.splice(0)) {
    const pid = postmasterPid(dir);
    if (pid && alive(pid)) process.kill(pid, "SIGQUIT");
    rmSync(dir, { recursive: true, force: true });
  }
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "clawkeep-embedded-"));
  dirs.push(dir);
  return dir;
}

async function start(dir: string): Promise<ServerProcess> {
  const server = await startServerProcess({ CLAWKEEP_DATA_DIR: dir });
  started.push(server);
  return server;
}

function postmasterPid(dir: string): number | undefined {
  try {
    return Number(readFileSync(join(dir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return undefined;
  }
}

function killIfAlive(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(usingPostgres)("the embedded database (npm start without DATABASE_URL)", () => {
  it("runs a real PostgreSQL in the data directory on a Unix socket only, and SIGTERM stops both", async () => {
    const dir = dataDir();
    const server = await start(dir);
    const pid = postmasterPid(dir)!;
    expect(alive(pid)).toBe(true);
    expect(readFileSync(join(dir, "postgres", "PG_VERSION"), "utf8").trim()).toBe("18");
    // No TCP port: it cannot clash with a PostgreSQL already on the machine.
    const pidFile = readFileSync(join(dir, "postgres", "postmaster.pid"), "utf8").split("\n");
    expect(pidFile[4]).toBe(join(dir, "run"));
    expect(pidFile[5]).toBe("");
    expect((await fetch(`http://127.0.0.1:${server.port}/v1/health`)).status).toBe(200);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, "postgres", "postmaster.pid"))).toBe(false);
  });

  it("leaves no database running after kill -9, and the next start finds every account", async () => {
    const dir = dataDir();
    const first = await start(dir);
    const rest = restCaller(`http://127.0.0.1:${first.port}`);
    const person = await restSignup(rest);
    const pid = postmasterPid(dir)!;
    first.child.kill("SIGKILL");
    await first.exited;
    await until(() => !alive(pid), "the orphaned PostgreSQL shut down");
    const second = await start(dir);
    const login = await restCaller(`http://127.0.0.1:${second.port}`)("POST", "/v1/auth/token", undefined, { email: person.email, password: PASSWORD });
    expect(login.status).toBe(200);
  });

  it("shuts down a database left running by a Clawkeep that is gone, then starts its own", async () => {
    const dir = dataDir();
    const first = await start(dir);
    const pid = postmasterPid(dir)!;
    // Kill everything of ours but PostgreSQL itself, guard included, so that nothing stops it.
    // A short-lived child (a shell of the guard, a psql) may have exited since it was listed.
    for (const child of descendants(first.child.pid!).filter((p) => p !== pid && !descendants(pid).includes(p))) killIfAlive(child);
    first.child.kill("SIGKILL");
    await first.exited;
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid)).toBe(true);
    const second = await start(dir);
    expect(alive(pid)).toBe(false);
    expect(postmasterPid(dir)).not.toBe(pid);
    expect((await fetch(`http://127.0.0.1:${second.port}/v1/health`)).status).toBe(200);
  });

  it("refuses a second server on the same data directory, naming the process that holds it", async () => {
    const dir = dataDir();
    const first = await start(dir);
    const { code, output } = await runServerToExit({ CLAWKEEP_DATA_DIR: dir });
    expect(code).toBe(1);
    expect(output).toContain(`the data directory ${dir} is in use by process ${first.child.pid}`);
  });

  it("lets admin commands work beside the running server, on its database", async () => {
    const dir = dataDir();
    await start(dir);
    const output = execFileSync(process.execPath, ["--import", "tsx", "src/cli/clawkeep.ts", "migrate"], {
      env: { ...process.env, DATABASE_URL: "", CLAWKEEP_DATA_DIR: dir, CLAWKEEP_LOG_LEVEL: "silent" },
      encoding: "utf8",
    });
    expect(output).toMatch(/database is at migration \w+ \(\d+ applied\)/);
  });

  it("refuses a data directory of the PGlite era with what to do, and changes nothing in it", async () => {
    const dir = dataDir();
    mkdirSync(join(dir, "pgdata"));
    writeFileSync(join(dir, "pgdata", "PG_VERSION"), "17\n");
    writeFileSync(join(dir, "master.key"), "kept\n", { mode: 0o600 });
    const before = readdirSync(dir).sort();
    const { code, output } = await runServerToExit({ CLAWKEEP_DATA_DIR: dir });
    expect(code).toBe(1);
    expect(output).toContain("holds a database of Clawkeep's former embedded engine (PGlite");
    expect(output).toContain(`mv ${join(dir, "pgdata")} ${join(dir, "pgdata")}.pglite`);
    expect(output).not.toMatch(/\n\s+at /);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readFileSync(join(dir, "master.key"), "utf8")).toBe("kept\n");
  });
});
