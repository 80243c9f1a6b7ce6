// The normal client of the hostile test, in a process of its own so that generating the attacks
// does not delay it: GET /v1/health over one keep-alive connection every 20 ms, from its own
// address, for the given time; prints the latencies (ms) and the failures as one JSON line.
// node --import tsx test/reliability/hostile/health-probe.ts <port> <milliseconds>
import http from "node:http";

const [port, duration] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const latencies: number[] = [];
let failures = 0;
const endAt = Date.now() + duration;

function health(): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/v1/health", agent, headers: { "x-forwarded-for": "203.0.113.10" } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.setTimeout(30_000, () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

while (Date.now() < endAt) {
  const started = performance.now();
  const status = await health();
  latencies.push(performance.now() - started);
  if (status !== 200) failures++;
  await new Promise((done) => setTimeout(done, 20));
}
agent.destroy();
process.stdout.write(`${JSON.stringify({ latencies, failures })}\n`);
