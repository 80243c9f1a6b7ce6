// The real server process, as `npm start` runs it (the compiled server in dist/, which the test
// run's global setup builds), for tests of what only a process shows: signals, kill -9, what it
// leaves behind, and its own embedded database.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** Every log line so far (JSON, one per line). */
  lines: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/** `npm start`'s command, after its `prestart` build. */
export const SERVER_COMMAND = [process.execPath, "dist/src/main.js"] as const;

/** Starts the server command with `env` and resolves once it listens. */
export function startServerProcess(env: Record<string, string | undefined>): Promise<ServerProcess> {
  const child = spawn(SERVER_COMMAND[0], SERVER_COMMAND.slice(1), {
    env: { ...process.env, DATABASE_URL: undefined, CLAWKEEP_PORT: "0", CLAWKEEP_HOST: "127.0.0.1", CLAWKEEP_SHUTDOWN_GRACE_MS: "3000", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on("line", (line) => lines.push(line));
  const reader = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${lines.join("\n")}`)), 60_000);
    reader.on("line", (line) => {
      lines.push(line);
      const entry = parseLine(line);
      if (entry?.msg === "clawkeep listening") {
        clearTimeout(timer);
        resolve({ child, port: entry.port as number, lines, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${lines.join("\n")}`));
    });
  });
}

/** Runs the server command to its end (for starts that must fail) and returns its output. */
export async function runServerToExit(env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(SERVER_COMMAND[0], SERVER_COMMAND.slice(1), {
    env: { ...process.env, DATABASE_URL: undefined, CLAWKEEP_PORT: "0", CLAWKEEP_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

/** Every process below `pid`, from /proc (Linux). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended meanwhile.
    }
  }
  const found: number[] = [];
  const walk = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
