// Talking to EVM nodes with viem: pending nonces, fees, gas estimates, eth_call simulations and
// broadcasts, one public client per configured chain. Nothing here holds or sees a private key;
// signing happens in the intents module, for the length of one call.
import {
  BaseError,
  createPublicClient,
  decodeErrorResult,
  HttpRequestError,
  http,
  RpcRequestError,
  TimeoutError,
  type Hex,
  type PublicClient,
} from "viem";
import type { ChainConfig } from "./registry.js";

/** Fees for a transaction: EIP-1559 where the chain has base fees, legacy otherwise. */
export type Fees = { type: "eip1559"; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | { type: "legacy"; gasPrice: bigint };

export interface CallRequest {
  from: Hex;
  to: Hex;
  value: bigint;
  data: Hex;
  gas?: bigint;
}

/** The outcome of an eth_call plus gas estimate from the real sender. */
export type Simulation = { status: "success"; gasUsed: bigint } | { status: "reverted"; reason: string } | { status: "error"; error: string };

/** How a broadcast ended: accepted, refused by the node (nothing was sent), or unknown (sent, no answer). */
export type Broadcast = { outcome: "accepted"; hash: Hex } | { outcome: "rejected"; error: string } | { outcome: "unknown"; error: string };

/** The node could not be reached, or did not answer in time. */
export class NodeUnavailableError extends Error {
  override name = "NodeUnavailableError";
}

function isTransportError(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  return !!error.walk((e) => e instanceof TimeoutError || e instanceof HttpRequestError) && !error.walk((e) => e instanceof RpcRequestError);
}

export class EvmClients {
  private readonly clients = new Map<string, PublicClient>();

  constructor(private readonly options: { timeoutMs: number } = { timeoutMs: 10_000 }) {}

  client(chain: ChainConfig): PublicClient {
    let client = this.clients.get(chain.name);
    if (!client) {
      // retryCount 0: a broadcast must never be repeated behind our back (the caller decides).
      client = createPublicClient({ transport: http(chain.rpcUrl, { timeout: this.options.timeoutMs, retryCount: 0 }) }) as PublicClient;
      this.clients.set(chain.name, client);
    }
    return client;
  }

  async pendingNonce(chain: ChainConfig, address: Hex): Promise<number> {
    return this.client(chain).getTransactionCount({ address, blockTag: "pending" });
  }

  async fees(chain: ChainConfig): Promise<Fees> {
    const client = this.client(chain);
    const block = await client.getBlock({ blockTag: "latest" });
    if (typeof block.baseFeePerGas !== "bigint") return { type: "legacy", gasPrice: await client.getGasPrice() };
    let priority: bigint;
    try {
      priority = await client.estimateMaxPriorityFeePerGas();
    } catch {
      priority = 1_000_000_000n;
    }
    return { type: "eip1559", maxFeePerGas: block.baseFeePerGas * 2n + priority, maxPriorityFeePerGas: priority };
  }

  /** eth_call and eth_estimateGas from the sender: what the transaction would do, without sending it. */
  async simulate(chain: ChainConfig, call: CallRequest): Promise<Simulation> {
    const client = this.client(chain);
    try {
      // Some nodes run an eth_call whatever the sender holds; the transaction itself could not.
      const balance = await client.getBalance({ address: call.from });
      if (balance < call.value) return { status: "error", error: `insufficient funds: ${call.from} holds ${balance} wei and the transaction sends ${call.value} wei` };
      await client.call({ account: call.from, to: call.to, value: call.value, data: call.data, gas: call.gas });
      const gasUsed = await client.estimateGas({ account: call.from, to: call.to, value: call.value, data: call.data });
      return { status: "success", gasUsed };
    } catch (error) {
      if (isTransportError(error)) throw new NodeUnavailableError(`${chain.name}: ${shortMessage(error)}`);
      const reason = revertReason(error);
      if (reason !== undefined) return { status: "reverted", reason };
      return { status: "error", error: shortMessage(error) };
    }
  }

  async estimateGas(chain: ChainConfig, call: CallRequest): Promise<bigint> {
    return this.client(chain).estimateGas({ account: call.from, to: call.to, value: call.value, data: call.data });
  }

  async balance(chain: ChainConfig, address: Hex): Promise<bigint> {
    return this.client(chain).getBalance({ address });
  }

  /** Sends a signed transaction once. A transport failure after sending is "unknown", never retried. */
  async broadcast(chain: ChainConfig, serialized: Hex): Promise<Broadcast> {
    try {
      const hash = await this.client(chain).sendRawTransaction({ serializedTransaction: serialized });
      return { outcome: "accepted", hash };
    } catch (error) {
      if (isTransportError(error)) return { outcome: "unknown", error: shortMessage(error) };
      return { outcome: "rejected", error: shortMessage(error) };
    }
  }

  /** Whether the node knows the transaction (pending or mined). */
  async knows(chain: ChainConfig, hash: Hex): Promise<boolean> {
    try {
      await this.client(chain).getTransaction({ hash });
      return true;
    } catch {
      return false;
    }
  }
}

/** The decoded reason of a revert (Error(string), Panic(uint256), or raw data), undefined when not a revert. */
export function revertReason(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  let data: Hex | undefined;
  error.walk((e) => {
    const d = (e as { data?: unknown }).data;
    if (typeof d === "string" && d.startsWith("0x")) data = d as Hex;
    else if (d && typeof d === "object" && typeof (d as { data?: unknown }).data === "string") data = (d as { data: Hex }).data;
    return false;
  });
  if (data && data.length > 2) {
    try {
      const decoded = decodeErrorResult({ data, abi: [] });
      if (decoded.errorName === "Error") return String(decoded.args?.[0] ?? "");
      if (decoded.errorName === "Panic") return `panic code ${String(decoded.args?.[0])}`;
      return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(", ")})`;
    } catch {
      return `custom error ${data.slice(0, 10)}`;
    }
  }
  const text = `${error.details ?? ""} ${error.shortMessage}`;
  const quoted = /reverted with reason string '([^']*)'/.exec(text);
  if (quoted) return quoted[1];
  if (/revert/i.test(text)) return /reverted without a reason/i.test(text) ? "" : error.shortMessage;
  return undefined;
}

function shortMessage(error: unknown): string {
  if (error instanceof BaseError) return (error.details || error.shortMessage).slice(0, 300);
  return (error as Error)?.message?.slice(0, 300) ?? "unknown error";
}
