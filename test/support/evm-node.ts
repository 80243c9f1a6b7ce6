// A real local EVM node for tests: Hardhat 2 (`npx hardhat node`) on loopback, with its usual
// prefunded accounts, started on a free port and stopped afterwards. In front of it, optionally,
// a plain HTTP relay that can hold back eth_sendRawTransaction for a while, to keep a submission
// in flight on purpose. Nothing is faked: every call reaches the real node.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { freePort } from "./server.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const HARDHAT = join(ROOT, "node_modules/.bin/hardhat");
const CONFIG = join(ROOT, "test/support/hardhat.config.cjs");

/** Hardhat's first prefunded account (publicly known; unlocked on the node). */
export const FUNDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
export const CHAIN_ID = 31337;

export interface EvmNode {
  /** The node's own URL. */
  url: string;
  /** The relay's URL: what Clawkeep is configured with. */
  relayUrl: string;
  /** Holds back each eth_sendRawTransaction through the relay by this many ms (0: none). */
  setSendDelay(ms: number): void;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** A CLAWKEEP_CHAINS file naming this node as chain "hardhat". */
  chainsFile: string;
  stop(): Promise<void>;
}

export async function startEvmNode(): Promise<EvmNode> {
  const port = await freePort();
  const child: ChildProcess = spawn(HARDHAT, ["--config", CONFIG, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr!.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const url = `http://127.0.0.1:${port}`;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await rpc<string>("eth_chainId")) === `0x${CHAIN_ID.toString(16)}`) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`hardhat node did not start on port ${port}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  let sendDelay = 0;
  const relay: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const delay = sendDelay > 0 && body.includes("eth_sendRawTransaction") ? sendDelay : 0;
      setTimeout(() => {
        const upstream = request(url, { method: "POST", headers: { "content-type": "application/json", "content-length": body.length } }, (up) => {
          res.writeHead(up.statusCode ?? 502, { "content-type": "application/json" });
          up.pipe(res);
        });
        upstream.on("error", () => res.destroy());
        upstream.end(body);
      }, delay);
    });
  });
  await new Promise<void>((done) => relay.listen(0, "127.0.0.1", done));
  const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), "clawkeep-chains-"));
  const chainsFile = join(dir, "chains.json");
  writeFileSync(
    chainsFile,
    JSON.stringify([{ name: "hardhat", display_name: "Hardhat (local)", chain_id: CHAIN_ID, rpc_url: relayUrl, native_currency: "ETH", is_testnet: true, explorer_url: "http://127.0.0.1/explorer" }]),
  );
  return {
    url,
    relayUrl,
    setSendDelay: (ms) => (sendDelay = ms),
    rpc,
    chainsFile,
    async stop() {
      await new Promise((done) => relay.close(done));
      relay.closeAllConnections();
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
