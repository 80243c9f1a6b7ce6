// The sign-only benchmark: POST /v1/agents/{id}/transactions/sign through a real server process
// (authentication, guardrails, the spend reservation, opening the sealed key, signing, recording
// and auditing), beside raw viem signing of the same transaction in this process, measured in the
// same run. Fees, gas and nonce are given in the request, so no call waits on the chain's node; a
// real Hardhat node is still configured as the chain (the server checks nothing against it here).
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { startEvmNode } from "../test/support/evm-node.js";
import { measureUsage, runLoad, startBenchServer, startLoader } from "./support/processes.js";
import { call, setUpOrg } from "./support/setup.js";

export interface SignOptions {
  seconds: number;
  repeats: number;
  connections: number;
  databases: ("embedded" | "postgres")[];
}

export interface SignRow {
  database: string;
  workload: string;
  rate: number;
  p50?: number;
  p99?: number;
  failed?: number;
  serverCpu?: number;
}

const TO = "0x000000000000000000000000000000000000dEaD";
const TX = { to: TO, value: "0.000001", gas_limit: 21000, max_fee_per_gas: "2000000000", max_priority_fee_per_gas: "1000000000", nonce: 0 };

/** Raw viem: sign the same EIP-1559 transaction as fast as one thread can, for `seconds`. */
async function rawViem(seconds: number): Promise<number> {
  const account = privateKeyToAccount(generatePrivateKey());
  const tx = { type: "eip1559" as const, chainId: 31337, to: TO as `0x${string}`, value: 1_000_000_000_000n, gas: 21000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n, nonce: 0 };
  for (let i = 0; i < 200; i++) await account.signTransaction(tx);
  let count = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    await account.signTransaction({ ...tx, nonce: count });
    count++;
  }
  return count / seconds;
}

export async function runSign(options: SignOptions): Promise<SignRow[]> {
  const rows: SignRow[] = [];
  const node = await startEvmNode();
  try {
    for (const kind of options.databases) {
      const server = await startBenchServer(kind, { CLAWKEEP_CHAINS: node.chainsFile });
      try {
        const org = await setUpOrg(server.url, 0, { agentBody: { intents_api_enabled: true } });
        await call(server.url, "POST", `/v1/agents/${org.agentId}/signing-keys`, org.ownerToken, { chain: "ethereum" });
        const requests = [
          {
            method: "POST" as const,
            path: `/v1/agents/${org.agentId}/transactions/sign`,
            headers: { "content-type": "application/json", authorization: `Bearer ${org.agentToken}` },
            body: JSON.stringify({ chain: "hardhat", ...TX }),
          },
        ];
        const health = [{ method: "GET" as const, path: "/v1/health" }];
        const spec = (reqs: typeof requests | typeof health, seconds = options.seconds) => ({ url: server.url, connections: options.connections, durationSeconds: seconds, requests: reqs });
        console.error(`${kind}: warming up`);
        await runLoad([spec(requests, 4)]);
        const median = async (name: string, reqs: typeof requests | typeof health) => {
          console.error(`${kind}: ${name}`);
          const runs = [];
          for (let i = 0; i < options.repeats; i++) {
            const loader = await startLoader();
            const { value, usage } = await measureUsage(server.pid, () => loader.run([spec(reqs)]));
            runs.push({ result: value[0], cpu: usage.cpuPercent });
          }
          runs.sort((a, b) => a.result.requestsPerSecond - b.result.requestsPerSecond);
          return runs[Math.floor(runs.length / 2)];
        };
        const h = await median("health", health);
        const s = await median("sign-only", requests);
        console.error(`${kind}: raw viem`);
        const raws: number[] = [];
        for (let i = 0; i < options.repeats; i++) raws.push(await rawViem(Math.min(options.seconds, 3)));
        raws.sort((a, b) => a - b);
        rows.push({ database: kind, workload: "GET /v1/health", rate: h.result.requestsPerSecond, p50: h.result.p50, p99: h.result.p99, failed: h.result.errors + h.result.timeouts + h.result.non2xx, serverCpu: h.cpu });
        rows.push({
          database: kind,
          workload: "sign-only (POST …/transactions/sign)",
          rate: s.result.requestsPerSecond,
          p50: s.result.p50,
          p99: s.result.p99,
          failed: s.result.errors + s.result.timeouts + s.result.non2xx,
          serverCpu: s.cpu,
        });
        rows.push({ database: kind, workload: "raw viem signTransaction, one thread, no server", rate: raws[Math.floor(raws.length / 2)] });
      } finally {
        await server.stop();
      }
    }
  } finally {
    await node.stop();
  }
  return rows;
}

export function signTable(rows: SignRow[]): string {
  const lines = ["| database | workload | per second | p50 ms | p99 ms | failed | server CPU | of raw viem |", "|---|---|---|---|---|---|---|---|"];
  for (const r of rows) {
    const raw = rows.find((x) => x.database === r.database && x.workload.startsWith("raw viem"))!.rate;
    const share = r.workload.startsWith("sign-only") ? `${((r.rate / raw) * 100).toFixed(0)} %` : "";
    lines.push(`| ${r.database} | ${r.workload} | ${r.rate.toFixed(0)} | ${r.p50 ?? ""} | ${r.p99 ?? ""} | ${r.failed ?? ""} | ${r.serverCpu === undefined ? "" : `${r.serverCpu.toFixed(0)} %`} | ${share} |`);
  }
  return lines.join("\n");
}
