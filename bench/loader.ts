// The load generator: a process of its own, so that it never shares an event loop with the
// server it measures. It reads a JSON list of runs on stdin, runs them at the same time (a 90/10
// mix is two runs side by side), and prints their results as one JSON line.
//
// As-fast-as-possible runs use autocannon. Fixed-rate runs are paced here: autocannon's
// overallRate sends each connection's quota for a second in one burst at the start of that
// second, which measures its own bursts rather than the server. Here requests leave evenly
// spaced, and each latency counts from the moment its request was due (not when a socket was
// free), so a server that falls behind cannot hide it.
import { Agent, request } from "node:http";
import autocannon from "autocannon";

export interface LoadSpec {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Requests per second across all connections; absent means as fast as the server answers. */
  overallRate?: number;
  /** Cycled through in order by every connection. */
  requests: { method: "GET" | "POST" | "PUT"; path: string; headers?: Record<string, string>; body?: string }[];
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Requests sent and requests answered 2xx over the run. */
  sent: number;
  ok: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  p50: number;
  p99: number;
  seconds: number;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  return spec.overallRate ? paced(spec, spec.overallRate) : flatOut(spec);
}

async function flatOut(spec: LoadSpec): Promise<LoadResult> {
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    overallRate: spec.overallRate,
    timeout: 10,
    requests: spec.requests,
  });
  return {
    requestsPerSecond: result["2xx"] / result.duration,
    sent: result.requests.sent,
    ok: result["2xx"],
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    p50: result.latency.p50,
    p99: result.latency.p99,
    seconds: result.duration,
  };
}

async function paced(spec: LoadSpec, rate: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const target = new URL(spec.url);
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let errors = 0;
  let non2xx = 0;
  let timeouts = 0;
  const pending = new Set<Promise<void>>();
  const fire = (due: number) => {
    const template = spec.requests[sent % spec.requests.length];
    sent++;
    const done = new Promise<void>((resolve) => {
      const req = request(
        { host: target.hostname, port: target.port, path: template.path, method: template.method, headers: template.headers, agent, timeout: 10_000 },
        (res) => {
          res.resume();
          res.on("end", () => {
            latencies.push(performance.now() - due);
            if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) ok++;
            else non2xx++;
            resolve();
          });
        },
      );
      req.on("timeout", () => {
        timeouts++;
        req.destroy();
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(template.body);
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  const interval = 1000 / rate;
  const started = performance.now();
  const total = Math.round(rate * spec.durationSeconds);
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + sent * interval <= now) fire(started + sent * interval);
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] * 10) / 10;
  return { requestsPerSecond: ok / spec.durationSeconds, sent, ok, errors, timeouts, non2xx, p50: at(0.5), p99: at(0.99), seconds };
}

// Loaded and compiled: what the parent measures starts once it sends the runs.
process.stdout.write("ready\n");
let input = "";
process.stdin.on("data", (chunk: Buffer) => (input += chunk.toString()));
process.stdin.on("end", () => {
  const specs = JSON.parse(input) as LoadSpec[];
  Promise.all(specs.map(run)).then(
    (results) => process.stdout.write(`${JSON.stringify(results)}\n`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
