// The fleet load generator: a process of its own. It reads a FleetLoadSpec on stdin, keeps the
// fleet's tokens fresh with the package's own FleetTokenManager (one WatchFleetTokens stream),
// asks it for every agent's token once a second as the agents' work would, and at the same time
// runs the pollers: agents that each exchange their key on their own clock (POST
// /v1/auth/agent-token at two thirds of the TTL, from a random phase). Prints one JSON line.
import { FleetTokenManager } from "clawkeep/client";

export interface FleetLoadSpec {
  url: string;
  fleet: { agentId: string; apiKey: string }[];
  pollers: { agentId: string; apiKey: string }[];
  ttlSeconds: number;
  /** How long to run after every fleet agent has its first token. */
  seconds: number;
}

export interface FleetLoadResult {
  /** Seconds from opening the stream until every agent had a token. */
  initialSeconds: number;
  /** Tokens issued on the stream in each whole second after that (the steady state). */
  perSecond: number[];
  /** Tokens issued during the initial connect. */
  initialIssued: number;
  /** Asks for an agent's token: answered with one already expired / with none / in all. */
  asked: number;
  expired: number;
  missing: number;
  /** Least time left on a token handed out, in seconds. */
  minRemainingSeconds: number;
  revokedOrFailed: number;
  streamEnds: string[];
  pollers: { exchanges: number; failed: number; p50: number; p99: number };
}

function jwtExpiry(token: string): number {
  return (JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as { exp: number }).exp * 1000;
}

async function main(spec: FleetLoadSpec): Promise<FleetLoadResult> {
  const issuedAt: number[] = [];
  const streamEnds: string[] = [];
  let revokedOrFailed = 0;
  const manager = new FleetTokenManager({
    baseUrl: spec.url,
    agents: spec.fleet,
    onEvent: (e) => (e.event === "issued" ? issuedAt.push(Date.now()) : revokedOrFailed++),
    onStreamEnd: (error) => streamEnds.push(error ? `${error.code}: ${error.rawMessage}` : "OK"),
  });
  const opened = Date.now();
  await manager.start();
  const steadyFrom = Date.now();
  const initialIssued = issuedAt.length;

  // The pollers, each on its own clock.
  const latencies: number[] = [];
  let pollFailed = 0;
  let polling = true;
  const period = (spec.ttlSeconds * 2000) / 3;
  const pollers = spec.pollers.map(async (agent) => {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * period));
    while (polling) {
      const started = performance.now();
      try {
        const res = await fetch(`${spec.url}/v1/auth/agent-token`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ agent_id: agent.agentId, api_key: agent.apiKey }),
        });
        await res.arrayBuffer();
        if (res.status !== 200) pollFailed++;
      } catch {
        pollFailed++;
      }
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, period));
    }
  });

  // The fleet's agents ask for their token once a second each.
  let asked = 0;
  let expired = 0;
  let missing = 0;
  let minRemaining = Number.POSITIVE_INFINITY;
  const end = steadyFrom + spec.seconds * 1000;
  while (Date.now() < end) {
    const now = Date.now();
    for (const { agentId } of spec.fleet) {
      asked++;
      const token = manager.token(agentId);
      if (token === undefined) {
        missing++;
        continue;
      }
      const left = jwtExpiry(token) - now;
      if (left <= 0) expired++;
      minRemaining = Math.min(minRemaining, left / 1000);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - now))));
  }
  polling = false;
  await manager.close();
  // Pollers sleeping out their period are not waited for.
  void pollers;

  const seconds = Math.floor((end - steadyFrom) / 1000);
  const perSecond = new Array<number>(seconds).fill(0);
  for (const at of issuedAt.slice(initialIssued)) {
    const second = Math.floor((at - steadyFrom) / 1000);
    if (second >= 0 && second < seconds) perSecond[second]++;
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies.length ? Number(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1)) : 0);
  return {
    initialSeconds: (steadyFrom - opened) / 1000,
    perSecond,
    initialIssued,
    asked,
    expired,
    missing,
    minRemainingSeconds: Number(minRemaining.toFixed(1)),
    revokedOrFailed,
    streamEnds,
    pollers: { exchanges: latencies.length, failed: pollFailed, p50: pct(0.5), p99: pct(0.99) },
  };
}

let input = "";
process.stdin.on("data", (chunk: Buffer) => (input += chunk.toString()));
process.stdin.on("end", () => {
  main(JSON.parse(input) as FleetLoadSpec).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
});
