// Graceful shutdown of the real process: SIGTERM ends open streams cleanly, stops accepting
// connections, closes the database and exits 0.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/ts/grpc/health/v1/health_pb.js";
import { databaseEnv } from "../support/app.js";
import { freshDatabase, type FreshDatabase } from "../support/database.js";
import { SERVER_COMMAND } from "../support/process.js";

let child: ChildProcess | undefined;
let database: FreshDatabase | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await database?.drop();
});

/** Starts `npm start`'s command on a free port and resolves with the port once it listens. */
async function startProcess(): Promise<{ port: number; lines: string[] }> {
  database = await freshDatabase();
  child = spawn(SERVER_COMMAND[0], SERVER_COMMAND.slice(1), {
    env: {
      ...process.env,
      CLAWKEEP_PORT: "0",
      CLAWKEEP_HOST: "127.0.0.1",
      CLAWKEEP_SHUTDOWN_GRACE_MS: "3000",
      ...databaseEnv(database),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${lines.join("\n")}`)), 60_000);
    reader.on("line", (line) => {
      lines.push(line);
      const entry = JSON.parse(line) as { msg: string; port?: number };
      if (entry.msg === "clawkeep listening") {
        clearTimeout(timer);
        resolve({ port: entry.port!, lines });
      }
    });
    child!.once("exit", (code) => reject(new Error(`server exited with ${code}: ${lines.join("\n")}`)));
  });
}

describe("graceful shutdown", () => {
  it("ends a server stream cleanly on SIGTERM, refuses new connections and exits 0", async () => {
    const { port, lines } = await startProcess();
    const client = createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));
    const statuses: ServingStatus[] = [];
    const watching = (async () => {
      for await (const res of client.watch({ service: "" }, { timeoutMs: 20_000 })) {
        statuses.push(res.status);
        if (statuses.length === 1) child!.kill("SIGTERM");
      }
    })();
    await watching; // resolves (no error) when the server ends the stream with OK
    expect(statuses).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    const [code] = (await once(child!, "exit")) as [number];
    expect(code).toBe(0);
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain("shutdown complete");
    await expect(fetch(`http://127.0.0.1:${port}/v1/health`)).rejects.toThrow();
  });
});
