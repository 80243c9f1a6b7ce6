// Benchmarks (not tests): throughput and latency of the request path on this machine.
//   npm run bench                      all workloads, embedded database
//   DATABASE_URL=… npm run bench       the same on PostgreSQL
// Each workload runs a fixed number of calls at a fixed concurrency against a real server in
// this process and prints calls/s and latency percentiles. Compare with bench/baseline.md.
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { HealthService } from "../gen/ts/clawkeep/v1/health_pb.js";
import { restCaller, restSignup } from "../test/support/rest.js";
import { startTestServer } from "../test/support/server.js";

interface Result {
  name: string;
  calls: number;
  seconds: number;
  p50: number;
  p99: number;
}

async function measure(name: string, calls: number, concurrency: number, call: () => Promise<unknown>): Promise<Result> {
  for (let i = 0; i < 200; i++) await call(); // warm up JIT, pools and connections
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < calls) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  return { name, calls, seconds, p50: pct(0.5), p99: pct(0.99) };
}

const server = await startTestServer({ env: { CLAWKEEP_RATE_LIMIT_PER_SECOND: "1000000", CLAWKEEP_RATE_LIMIT_BURST: "1000000" } });
try {
  const connect = createClient(HealthService, createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" }));
  const grpc = createClient(HealthService, createGrpcTransport({ baseUrl: server.url }));
  // Secret reads and writes: each one a transaction with its audit event on the org's chain.
  const rest = restCaller(server.url);
  const owner = await restSignup(rest);
  const vault = (await (await rest("POST", "/v1/vaults", owner.token, { name: "bench" })).json()) as { id: string };
  await rest("PUT", `/v1/vaults/${vault.id}/secrets/bench/read`, owner.token, { value: "x".repeat(256) });
  let writes = 0;
  const agent = (await (await rest("POST", "/v1/agents", owner.token, { name: "bench" })).json()) as { api_key: string };
  const agentToken = ((await (await rest("POST", "/v1/auth/agent-token", undefined, { api_key: agent.api_key })).json()) as { access_token: string }).access_token;
  // A link share of the read secret: every access decides the sender's access again, counts and audits.
  const { id: secretId } = ((await (await rest("GET", `/v1/vaults/${vault.id}/secrets`, owner.token)).json()) as { secrets: { id: string }[] }).secrets[0];
  const expiresAt = new Date(Date.now() + 3600_000).toISOString();
  const share = (await (await rest("POST", `/v1/secrets/${secretId}/share`, owner.token, { recipient_type: "anyone_with_link", expires_at: expiresAt })).json()) as { id: string };
  const results = [
    await measure("REST GET /v1/health (HTTP/1.1, fetch)", 5000, 32, async () => (await fetch(`${server.url}/v1/health`)).arrayBuffer()),
    await measure("Connect JSON GetHealth (HTTP/1.1)", 5000, 32, () => connect.getHealth({})),
    await measure("gRPC GetHealth (h2c)", 5000, 32, () => grpc.getHealth({})),
    await measure("event bus publish (one transaction each)", 1000, 8, () => server.bus.publishNow("bench.publish", { n: 1 })),
    await measure("REST GET secret (256 B, audited)", 2000, 16, async () => (await rest("GET", `/v1/vaults/${vault.id}/secrets/bench/read`, owner.token)).arrayBuffer()),
    await measure("REST GET /v1/share/{id} (link share, counted, audited)", 2000, 16, async () => (await rest("GET", `/v1/share/${share.id}`, undefined)).arrayBuffer()),
    await measure("REST POST /v1/auth/agent-token (exchange, audited)", 1000, 16, async () =>
      (await rest("POST", "/v1/auth/agent-token", undefined, { api_key: agent.api_key })).arrayBuffer(),
    ),
    await measure("REST GET /v1/agents/me (agent token, cached standing)", 2000, 16, async () => (await rest("GET", "/v1/agents/me", agentToken)).arrayBuffer()),
    await measure("REST PUT secret (new version, audited)", 1000, 16, async () =>
      (await rest("PUT", `/v1/vaults/${vault.id}/secrets/bench/w${writes++ % 50}`, owner.token, { value: "y".repeat(256) })).arrayBuffer(),
    ),
  ];
  console.log(`\ndatabase: ${server.database.kind}, node ${process.version}\n`);
  console.log("| workload | calls/s | p50 ms | p99 ms |\n|---|---|---|---|");
  for (const r of results) console.log(`| ${r.name} | ${Math.round(r.calls / r.seconds)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} |`);
} finally {
  await server.close();
}
