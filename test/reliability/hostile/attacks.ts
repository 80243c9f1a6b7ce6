// Hostile clients against a running server, each from an address of its own (X-Forwarded-For
// through a trusted proxy, so rate limits see them apart), while a normal client checks health:
// slow-loris connections, 10 MB bodies, deeply nested and huge-array JSON, thousands of concurrent
// streams, thousands of bad tokens. Reports the normal client's latencies and the server's memory.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { fileURLToPath } from "node:url";

export interface Intensity {
  seconds: number;
  slowLoris: number;
  bigBodies: number;
  deepJson: number;
  hugeArrays: number;
  streams: number;
  badTokens: number;
}

export const CI_INTENSITY: Intensity = { seconds: 10, slowLoris: 300, bigBodies: 30, deepJson: 200, hugeArrays: 50, streams: 10_000, badTokens: 3000 };
export const LONG_INTENSITY: Intensity = { seconds: 60, slowLoris: 2000, bigBodies: 300, deepJson: 3000, hugeArrays: 500, streams: 10_000, badTokens: 30_000 };

export interface HostileReport {
  healthSamples: number;
  healthFailures: number;
  p50: number;
  p99: number;
  max: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  streamsOpened: number;
  slowLorisClosedByServer: number;
  statuses: Record<string, number>;
}

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Math.round(Number(match[1]) / 1024) : 0;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

const attackers = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP/1.1 request from `address`; resolves with the status (or the error's code). */
function request(port: number, address: string, options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | (() => AsyncIterable<Buffer>); agent?: http.Agent }): Promise<string> {
  return new Promise((resolve) => {
    const req = http.request({ host: "127.0.0.1", port, method: options.method, path: options.path, agent: options.agent ?? attackers, headers: { "x-forwarded-for": address, "content-type": "application/json", ...options.headers } }, (res) => {
      res.resume();
      res.on("end", () => resolve(String(res.statusCode)));
      res.on("error", () => resolve(String(res.statusCode)));
    });
    req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    const body = options.body;
    if (typeof body === "function") {
      void (async () => {
        try {
          for await (const chunk of body()) if (!req.write(chunk)) await new Promise((done) => req.once("drain", done));
          req.end();
        } catch {
          req.destroy();
        }
      })();
    } else req.end(body);
  });
}

async function pooled(total: number, concurrency: number, until: () => boolean, work: (i: number) => Promise<string>, statuses: Record<string, number>, label: string): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && !until()) {
        const status = await work(next++);
        const key = `${label} ${status}`;
        statuses[key] = (statuses[key] ?? 0) + 1;
      }
    }),
  );
}

export async function hostile(port: number, pid: number, intensity: Intensity): Promise<HostileReport> {
  const statuses: Record<string, number> = {};
  const rssBeforeMb = rssMb(pid);
  let rssPeakMb = rssBeforeMb;
  const memory = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, rssMb(pid))), 100);
  const endAt = Date.now() + intensity.seconds * 1000;
  const over = () => Date.now() > endAt;

  // The normal client: health over keep-alive, from its own address, every 20 ms, in a process of
  // its own (health-probe.ts) so that generating the attacks here does not delay it.
  const probe = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("./health-probe.ts", import.meta.url)), String(port), String(intensity.seconds * 1000)], { stdio: ["ignore", "pipe", "inherit"] });
  let probeOutput = "";
  probe.stdout.on("data", (chunk: Buffer) => (probeOutput += chunk.toString()));
  const normal = new Promise<{ latencies: number[]; failures: number }>((resolve) =>
    probe.once("exit", () => {
      try {
        resolve(JSON.parse(probeOutput) as { latencies: number[]; failures: number });
      } catch {
        resolve({ latencies: [], failures: 1 });
      }
    }),
  );

  // Slow-loris: connections that send a request one byte at a time, never finishing, or nothing.
  let slowClosed = 0;
  let closingOurselves = false;
  const slowSockets: net.Socket[] = [];
  for (let i = 0; i < intensity.slowLoris; i++) {
    const socket = net.connect(port, "127.0.0.1");
    slowSockets.push(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => {
      if (!closingOurselves) slowClosed++;
    });
    const text = `POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.${i % 250}\r\nContent-Length: 100000\r\n\r\n{"email":"`;
    let at = 0;
    // Half of them never send a byte.
    if (i % 2) continue;
    const drip = setInterval(() => {
      if (socket.destroyed || over()) return clearInterval(drip);
      socket.write(text[at++ % text.length] ?? "a");
    }, 1000);
  }

  // 10,000 concurrent streams: gRPC health Watch, which stays open, over a few HTTP/2 connections.
  let streamsOpened = 0;
  const sessions: http2.ClientHttp2Session[] = [];
  const perSession = 1000;
  for (let s = 0; s * perSession < intensity.streams; s++) {
    const session = http2.connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: 65535 } });
    session.on("error", () => undefined);
    sessions.push(session);
    for (let i = 0; i < Math.min(perSession, intensity.streams - s * perSession); i++) {
      try {
        const stream = session.request({ ":method": "POST", ":path": "/grpc.health.v1.Health/Watch", "content-type": "application/grpc", te: "trailers", "x-forwarded-for": `198.51.101.${s}` });
        stream.on("response", () => streamsOpened++);
        stream.on("error", () => undefined);
        stream.on("data", () => undefined);
        stream.end(Buffer.from([0, 0, 0, 0, 0]));
      } catch {
        break;
      }
    }
  }

  const big = Buffer.alloc(10 * 1024 * 1024, 0x61);
  const deep = Buffer.from(`{"name":${"[".repeat(50_000)}${"]".repeat(50_000)}}`);
  const huge = Buffer.from(`{"scopes":[${Array.from({ length: 200_000 }, () => "1").join(",")}]}`);
  const attacks = [
    // 10 MB bodies: declared, and streamed without a length.
    pooled(intensity.bigBodies, 4, over, (i) => request(port, `198.51.102.${i % 250}`, i % 2 ? { method: "POST", path: "/v1/vaults", body: big } : { method: "POST", path: "/clawkeep.v1.VaultService/CreateVault", headers: { "transfer-encoding": "chunked" }, body: async function* () { for (let k = 0; k < 160; k++) yield big.subarray(0, 65536); } }), statuses, "10MB"),
    pooled(intensity.deepJson, 4, over, (i) => request(port, `198.51.103.${i % 250}`, { method: "POST", path: i % 2 ? "/v1/vaults" : "/clawkeep.v1.VaultService/CreateVault", body: deep }), statuses, "deep"),
    pooled(intensity.hugeArrays, 2, over, (i) => request(port, `198.51.104.${i % 250}`, { method: "POST", path: i % 2 ? "/v1/agents" : "/clawkeep.v1.AgentService/CreateAgent", body: huge }), statuses, "huge-array"),
    pooled(intensity.badTokens, 8, over, (i) => request(port, `198.51.105.${i % 250}`, { method: "GET", path: "/v1/vaults", headers: { authorization: `Bearer ${i % 3 === 0 ? "eyJhbGciOiJFZERTQSIsImtpZCI6IngifQ.eyJzdWIiOiJ4In0." + "A".repeat(86) : i % 3 === 1 ? "1ck_" + Buffer.from(String(i)).toString("base64url").padEnd(43, "A") : "ocv_" + "B".repeat(43)}` } }), statuses, "bad-token"),
  ];
  await Promise.all(attacks);
  const { latencies, failures: healthFailures } = await normal;
  await new Promise((done) => setTimeout(done, Math.max(0, endAt - Date.now())));

  // Give the server's request timeout time past the attack (on a loaded machine its timers run
  // late; the connections must be cut by the server, not on time), then close what is left.
  for (const waitUntil = Date.now() + 20_000; slowClosed < intensity.slowLoris && Date.now() < waitUntil; ) await new Promise((done) => setTimeout(done, 250));
  closingOurselves = true;
  for (const socket of slowSockets) socket.destroy();
  for (const session of sessions) session.destroy();
  await new Promise((done) => setTimeout(done, 2000));
  clearInterval(memory);
  const rssAfterMb = rssMb(pid);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    healthSamples: latencies.length,
    healthFailures,
    p50: Math.round(percentile(sorted, 50) * 10) / 10,
    p99: Math.round(percentile(sorted, 99) * 10) / 10,
    max: Math.round((sorted.at(-1) ?? 0) * 10) / 10,
    rssBeforeMb,
    rssPeakMb,
    rssAfterMb,
    streamsOpened,
    slowLorisClosedByServer: slowClosed,
    statuses,
  };
}
