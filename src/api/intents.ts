// IntentService: proto ↔ the intents domain (chains, signing keys, transactions).
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type {
  ChainSchema,
  IntentService,
  SignTransactionRequest,
  SigningKeySchema,
  SimulateTransactionRequest,
  SubmitTransactionRequest,
  TransactionSchema,
} from "../../gen/ts/clawkeep/v1/intents_pb.js";
import type { ChainConfig } from "../chains/registry.js";
import type { Chains } from "../domain/intents/chains.js";
import type { KeyBalances } from "../domain/intents/key-balances.js";
import type { SigningKeyInfo, SigningKeys } from "../domain/intents/signing-keys.js";
import type { TransactionInput, TransactionRecord, Transactions } from "../domain/intents/transactions.js";
import { clientAddress, principalOf } from "./call-context.js";

export interface IntentDeps {
  chains: Chains;
  signingKeys: SigningKeys;
  keyBalances: KeyBalances;
  transactions: Transactions;
}

export function intentService(deps: IntentDeps): Partial<ServiceImpl<typeof IntentService>> {
  const { chains, signingKeys, keyBalances, transactions } = deps;
  return {
    async submitTransaction(req, ctx) {
      const key = ctx.requestHeader.get("idempotency-key")?.trim() ?? "";
      const { tx, replayed } = await transactions.submit(principalOf(ctx), inputOf(req), key, clientAddress(ctx));
      if (replayed) ctx.responseHeader.set("idempotent-replayed", "true");
      return { transaction: toTransaction(tx) };
    },
    async signTransaction(req, ctx) {
      const tx = await transactions.sign(principalOf(ctx), inputOf(req), clientAddress(ctx));
      return {
        signedTx: tx.signedTx ?? "",
        txHash: tx.txHash,
        from: tx.from,
        to: tx.to,
        chain: tx.chain,
        chainId: tx.chainId,
        nonce: tx.nonce ?? 0,
        valueWei: tx.valueWei,
        status: tx.status,
        simulationId: tx.simulationId,
        simulationStatus: tx.simulationStatus,
        maxFeePerGas: tx.maxFeePerGas,
        maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
      };
    },
    async simulateTransaction(req, ctx) {
      const s = await transactions.simulate(principalOf(ctx), inputOf(req), clientAddress(ctx));
      return {
        simulationId: s.simulationId,
        status: s.status,
        gasUsed: s.gasUsed,
        balanceChanges: s.balanceChanges,
        error: s.error,
        errorCode: s.errorCode,
        errorHumanReadable: s.errorHumanReadable,
        revertReason: s.revertReason,
        simulatedAt: timestampFromDate(s.simulatedAt),
      };
    },
    async listTransactions(req, ctx) {
      return { transactions: (await transactions.list(principalOf(ctx), req.agentId, req.includeSignedTx)).map(toTransaction) };
    },
    async getTransaction(req, ctx) {
      return { transaction: toTransaction(await transactions.get(principalOf(ctx), req.agentId, req.txId, req.includeSignedTx)) };
    },
    async createSigningKey(req, ctx) {
      return { signingKey: toSigningKey(await signingKeys.create(principalOf(ctx), req.agentId, req.chain, clientAddress(ctx))) };
    },
    async listSigningKeys(req, ctx) {
      return { keys: (await signingKeys.list(principalOf(ctx), req.agentId)).map(toSigningKey) };
    },
    async rotateSigningKey(req, ctx) {
      return { signingKey: toSigningKey(await signingKeys.rotate(principalOf(ctx), req.agentId, req.chain, clientAddress(ctx))) };
    },
    async deactivateSigningKey(req, ctx) {
      await signingKeys.deactivate(principalOf(ctx), req.agentId, req.chain, clientAddress(ctx));
      return {};
    },
    async getSigningKeyBalance(req, ctx) {
      const balance = await keyBalances.of(principalOf(ctx), req.agentId, req.chain);
      return { chain: balance.chain, address: balance.address, balanceWei: balance.wei.toString(), balanceDisplay: balance.display, nativeCurrency: balance.nativeCurrency };
    },
    async listChains() {
      return { chains: chains.list().map(toChain) };
    },
    async getChain(req) {
      return { chain: toChain(chains.get(req.identifier)) };
    },
  };
}

/** The fields shared by submit, sign and simulate, with the ones this server cannot honour named. */
function inputOf(req: SubmitTransactionRequest | SignTransactionRequest | SimulateTransactionRequest): TransactionInput {
  const r = req as unknown as Partial<Omit<SubmitTransactionRequest, "$typeName">> & Omit<SimulateTransactionRequest, "$typeName">;
  const unsupported: string[] = [];
  if (r.mode !== undefined && r.mode !== "" && r.mode !== "eoa") unsupported.push(`mode "${r.mode.slice(0, 32)}"`);
  if (r.gasless) unsupported.push("gasless");
  if (r.destinationTag !== undefined) unsupported.push("destination_tag");
  if (r.memo) unsupported.push("memo");
  if (r.feeRateSatPerVbyte !== undefined) unsupported.push("fee_rate_sat_per_vbyte");
  if (r.feeLimitSun !== undefined) unsupported.push("fee_limit_sun");
  if (r.tokenMint) unsupported.push("token_mint");
  if (r.tokenDecimals !== undefined) unsupported.push("token_decimals");
  if (r.ttl !== undefined) unsupported.push("ttl");
  if (r.xrplTxJson) unsupported.push("xrpl_tx_json");
  if (r.rawTransaction) unsupported.push("raw_transaction");
  if (r.tronTransaction) unsupported.push("tron_transaction");
  return {
    agentId: r.agentId,
    to: r.to,
    value: r.value,
    chain: r.chain,
    data: r.data,
    signingKeyPath: r.signingKeyPath,
    nonce: r.nonce,
    gasPrice: r.gasPrice ?? "",
    gasLimit: r.gasLimit,
    maxFeePerGas: r.maxFeePerGas ?? "",
    maxPriorityFeePerGas: r.maxPriorityFeePerGas ?? "",
    simulateFirst: r.simulateFirst === true,
    unsupported,
  };
}

function toTransaction(tx: TransactionRecord): MessageInitShape<typeof TransactionSchema> {
  return {
    id: tx.id,
    agentId: tx.agentId,
    chain: tx.chain,
    chainId: tx.chainId,
    to: tx.to,
    valueWei: tx.valueWei,
    status: tx.status,
    signedTx: tx.signedTx,
    txHash: tx.txHash,
    errorMessage: tx.errorMessage,
    createdAt: timestampFromDate(tx.createdAt),
    signedAt: tx.signedAt ? timestampFromDate(tx.signedAt) : undefined,
    simulationId: tx.simulationId,
    simulationStatus: tx.simulationStatus,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
  };
}

function toSigningKey(key: SigningKeyInfo): MessageInitShape<typeof SigningKeySchema> {
  return {
    id: key.id,
    agentId: key.agentId,
    chain: key.chain,
    curve: key.curve,
    publicKey: key.publicKey,
    address: key.address,
    keyVersion: key.keyVersion,
    isActive: key.isActive,
    createdAt: timestampFromDate(key.createdAt),
    rotatedAt: key.rotatedAt ? timestampFromDate(key.rotatedAt) : undefined,
  };
}

function toChain(chain: ChainConfig): MessageInitShape<typeof ChainSchema> {
  return {
    id: chain.id,
    name: chain.name,
    displayName: chain.displayName,
    chainId: chain.chainId,
    rpcUrl: chain.publicRpcUrl,
    wsUrl: chain.wsUrl,
    explorerUrl: chain.explorerUrl,
    nativeCurrency: chain.nativeCurrency,
    isTestnet: chain.isTestnet,
    isEnabled: chain.isEnabled,
    createdAt: timestampFromDate(chain.loadedAt),
    updatedAt: timestampFromDate(chain.loadedAt),
  };
}
