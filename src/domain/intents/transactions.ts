// Transactions of the Intents API: an agent asks, the server decides (guardrails), reserves the
// spend, allocates the nonce, signs with a key the agent never sees, and broadcasts.
//
// The order of a submission, and why:
// 1. The request is checked (400s) and the agent's standing (intents_api_enabled, its own id).
// 2. The guardrails that need no history decide before any key is touched; a refusal is audited.
// 3. An Idempotency-Key already used answers from the stored transaction (or 409 / 422).
// 4. With simulate_first (or the organisation requiring it) the call is simulated from the real
//    sender: a revert is recorded (simulation_failed), audited and answered 422; no nonce is used.
// 5. Reservation, in one short transaction under the agent's spend lock: the rolling 24-hour
//    limits are decided against what is already reserved, and a pending row is inserted. Only
//    the same agent's requests wait on that lock, and only when it has a rolling limit.
// 6. Signing and broadcast, in one transaction holding the (chain id, address) nonce row: the
//    nonce is the larger of the server's counter and the node's pending nonce; the counter moves
//    only when the node accepted the transaction (or its outcome is unknown), so a refused send
//    leaves no gap. A send that times out is recorded as signed with its hash, never re-signed;
//    reading it later reconciles by hash (re-sending the very same bytes is not a second spend).
// 7. A failure before broadcast marks the row failed, which releases its reservation.
import { createHash } from "node:crypto";
import { getAddress, isAddress, isHex, keccak256, type Hex } from "viem";
import type { DataSource, EntityManager } from "typeorm";
import type { ChainConfig } from "../../chains/registry.js";
import type { EvmClients, Fees } from "../../chains/evm.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { Agents } from "../agents/agents.js";
import type { Guardrails } from "../agents/guardrails.js";
import { DomainError } from "../errors.js";
import { isUuid } from "../ids.js";
import { orgSettingsOf } from "../identity/org-settings.js";
import type { Principal } from "../identity/principal.js";
import type { Chains } from "./chains.js";
import { signingKeyPath } from "./signing-keys.js";
import { checkDaily, checkStatic, tokenCallOf, type Denial, type TxFacts } from "./guardrail-check.js";
import type { Signer, SigningKeys } from "./signing-keys.js";
import {
  expireIdempotencyKey,
  insertTransaction,
  lockAgentSpend,
  lockNonce,
  peekNonce,
  spentInLastDay,
  spentInLastDayByAgent,
  transactionByKey,
  transactionOfAgent,
  transactionsOfAgent,
  updateTransaction,
  type TransactionRow,
} from "./transaction-store.js";
import { fromSmallestUnit, MAX_UINT256, toSmallestUnit, weiField } from "./units.js";

export interface TransactionInput {
  agentId: string;
  to: string;
  value: string;
  chain: string;
  data: string;
  signingKeyPath: string;
  nonce?: number;
  gasPrice: string;
  gasLimit?: number;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  simulateFirst: boolean;
  /** Fields of other chain families or modes this server does not support, by wire name, when set. */
  unsupported: string[];
}

export interface TransactionRecord {
  id: string;
  agentId: string;
  chain: string;
  chainId: number;
  to: string;
  valueWei: string;
  status: string;
  signedTx?: string;
  txHash: string;
  errorMessage: string;
  createdAt: Date;
  signedAt: Date | null;
  simulationId: string;
  simulationStatus: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  from: string;
  nonce: number | null;
}

export interface SimulationRecord {
  simulationId: string;
  status: "success" | "reverted" | "error";
  gasUsed: number;
  balanceChanges: { address: string; token: string; tokenSymbol: string; before: string; after: string; change: string }[];
  error: string;
  errorCode: string;
  errorHumanReadable: string;
  revertReason: string;
  simulatedAt: Date;
}

/** How long an Idempotency-Key holds its transaction. */
const IDEMPOTENCY_HOURS = 24;
const LIST_LIMIT = 500;
const MAX_DATA_BYTES = 128 * 1024;
const KEY_PATH_PREFIXES = (agentId: string) => ["keys/", "wallets/", `agents/${agentId}/keys/`, `agents/${agentId}/chains/`];

interface Prepared {
  chain: ChainConfig;
  agentGuardrails: Guardrails;
  key: Signer;
  to: Hex;
  data: Hex;
  valueWei: bigint;
  facts: TxFacts;
  fees: { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint };
}

type Mode = "submit" | "sign";

export class Transactions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly agents: Agents,
    private readonly chains: Chains,
    private readonly keys: SigningKeys,
    private readonly evm: EvmClients,
    private readonly audit: AuditLog,
  ) {}

  /** Signs and broadcasts. `idempotencyKey` may be empty. `replayed` tells the caller a stored answer was returned. */
  async submit(principal: Principal, input: TransactionInput, idempotencyKey: string, ip: string): Promise<{ tx: TransactionRecord; replayed: boolean }> {
    return this.run("submit", principal, input, idempotencyKey, ip);
  }

  /** Signs without broadcasting: recorded as sign_only, counted toward the limits, audited. */
  async sign(principal: Principal, input: TransactionInput, ip: string): Promise<TransactionRecord> {
    return (await this.run("sign", principal, input, "", ip)).tx;
  }

  async simulate(principal: Principal, input: TransactionInput, ip: string): Promise<SimulationRecord> {
    const p = await this.prepare(principal, input, ip);
    const simulation = await reachable(p.chain, this.evm.simulate(p.chain, { from: p.key.address, to: p.to, value: p.valueWei, data: p.data, gas: input.gasLimit ? BigInt(input.gasLimit) : undefined }));
    const simulatedAt = new Date();
    const simulationId = crypto.randomUUID();
    const balanceChanges: SimulationRecord["balanceChanges"] = [];
    if (simulation.status === "success" && p.valueWei > 0n) {
      const [fromBefore, toBefore] = await reachable(p.chain, Promise.all([this.evm.balance(p.chain, p.key.address), this.evm.balance(p.chain, p.to)]));
      balanceChanges.push(
        { address: p.key.address, token: "", tokenSymbol: p.chain.nativeCurrency, before: String(fromBefore), after: String(fromBefore - p.valueWei), change: String(-p.valueWei) },
        { address: getAddress(p.to), token: "", tokenSymbol: p.chain.nativeCurrency, before: String(toBefore), after: String(toBefore + p.valueWei), change: String(p.valueWei) },
      );
    }
    await this.audit.append(this.dataSource.manager, {
      orgId: principal.orgId,
      actor: { type: "agent", id: principal.id },
      action: "transaction.simulate",
      resource: { type: "agent", id: input.agentId },
      details: {
        ...this.factsOf(p),
        status: simulation.status,
        decided_by: "guardrails",
        ...(simulation.status === "reverted" ? { revert_reason: simulation.reason.slice(0, 300) } : {}),
      },
      ip,
    });
    return {
      simulationId,
      status: simulation.status,
      gasUsed: simulation.status === "success" ? Number(simulation.gasUsed) : 0,
      balanceChanges,
      error: simulation.status === "error" ? simulation.error : "",
      errorCode: simulation.status === "error" ? "simulation_error" : simulation.status === "reverted" ? "execution_reverted" : "",
      errorHumanReadable: simulation.status === "reverted" ? `the transaction would revert${simulation.reason ? `: ${simulation.reason}` : ""}` : simulation.status === "error" ? simulation.error : "",
      revertReason: simulation.status === "reverted" ? simulation.reason : "",
      simulatedAt,
    };
  }

  async list(principal: Principal, agentId: string, includeSignedTx: boolean): Promise<TransactionRecord[]> {
    await this.agents.get(principal, agentId);
    const rows = await transactionsOfAgent(this.dataSource, agentId, LIST_LIMIT);
    return rows.map((row) => toRecord(row, includeSignedTx));
  }

  async get(principal: Principal, agentId: string, txId: string, includeSignedTx: boolean): Promise<TransactionRecord> {
    await this.agents.get(principal, agentId);
    if (!isUuid(txId)) throw new DomainError("invalid_argument", "tx_id must be a UUID");
    let row = await transactionOfAgent(this.dataSource, agentId, txId);
    if (!row) throw new DomainError("not_found", `transaction ${txId} of agent ${agentId} not found`);
    if (row.status === "signed" && row.signed_tx && row.tx_hash) row = await this.reconcile(row);
    return toRecord(row, includeSignedTx);
  }

  /** What each agent has spent (major unit) and sent in the last 24 hours, for their profiles. */
  async spentToday(agentIds: string[]): Promise<Map<string, { spent: string; count: number }>> {
    const found = agentIds.length === 0 ? new Map() : await spentInLastDayByAgent(this.dataSource, agentIds);
    return new Map(agentIds.map((id) => [id, { spent: fromSmallestUnit(found.get(id)?.valueWei ?? 0n, 18), count: found.get(id)?.count ?? 0 }]));
  }

  // ---- The path of a submission

  private async run(mode: Mode, principal: Principal, input: TransactionInput, idempotencyKey: string, ip: string): Promise<{ tx: TransactionRecord; replayed: boolean }> {
    // A repeated Idempotency-Key answers from what it stored, before anything is decided again
    // (guardrails may have changed since; the answer given then stands).
    assertActingAgent(principal, input.agentId);
    const requestHash = hashRequest(mode, input);
    if (idempotencyKey) {
      if (idempotencyKey.length > 255) throw new DomainError("invalid_argument", "Idempotency-Key must be at most 255 characters");
      await expireIdempotencyKey(this.dataSource, input.agentId, idempotencyKey, IDEMPOTENCY_HOURS);
      const earlier = await transactionByKey(this.dataSource, input.agentId, idempotencyKey);
      if (earlier) return { tx: replay(earlier, requestHash, idempotencyKey), replayed: true };
    }
    const p = await this.prepare(principal, input, ip);
    if (input.simulateFirst || (await orgSettingsOf(this.dataSource.manager, principal.orgId)).intentsRequireSimulation) {
      await this.simulateFirst(principal, p, input, ip);
    }

    const gasLimit = input.gasLimit !== undefined ? BigInt(input.gasLimit) : undefined;
    const reserved = await this.reserve(principal, p, input, { idempotencyKey, requestHash }, ip);
    if ("replayed" in reserved) return { tx: reserved.replayed, replayed: true };
    const tx = reserved.row;
    try {
      const fees = await this.feesFor(p);
      const gas = gasLimit ?? (await this.estimateGas(p));
      const finished = mode === "submit" ? await this.signAndBroadcast(principal, p, tx, fees, gas, input.nonce, ip) : await this.signOnly(principal, p, tx, fees, gas, input.nonce, ip);
      return { tx: toRecord(finished, true), replayed: false };
    } catch (error) {
      // Nothing left the server: release the reservation, say why on the record and in the log.
      const message = error instanceof DomainError ? error.detail : `the ${p.chain.name} node did not answer while the transaction was built`;
      const failed = await this.fail(principal, p, tx, mode, message, ip);
      if (error instanceof DomainError) throw error;
      throw new DomainError("unavailable", `transaction ${failed.id} failed before broadcast: the ${p.chain.name} node did not answer; try again later`);
    }
  }

  /** Everything decided before a key is touched: input, standing, chain, static guardrails. */
  private async prepare(principal: Principal, input: TransactionInput, ip: string): Promise<Prepared> {
    assertActingAgent(principal, input.agentId);
    if (input.unsupported.length > 0) throw new DomainError("invalid_argument", `${input.unsupported.join(", ")}: not supported by this server (EVM transactions in eoa mode only)`);
    const chain = this.chains.forTransaction(input.chain);
    if (!isAddress(input.to, { strict: false })) throw new DomainError("invalid_argument", `to must be a 0x-prefixed 20-byte address, got "${input.to.slice(0, 64)}"`);
    const to = input.to.toLowerCase() as Hex;
    const data = (input.data === "" ? "0x" : input.data) as Hex;
    if (!isHex(data, { strict: true }) || data.length % 2 !== 0) throw new DomainError("invalid_argument", "data must be 0x-prefixed hex with an even number of digits");
    if ((data.length - 2) / 2 > MAX_DATA_BYTES) throw new DomainError("invalid_argument", `data is longer than ${MAX_DATA_BYTES} bytes`);
    if (input.value.trim() === "") throw new DomainError("invalid_argument", `value is required: the amount in ${chain.nativeCurrency} as a decimal string, e.g. "0.01"`);
    const valueWei = toSmallestUnit(input.value.trim(), chain.decimals);
    if (valueWei > MAX_UINT256) throw new DomainError("invalid_argument", `value ${input.value.trim().slice(0, 40)}… ${chain.nativeCurrency} is more than a transaction can carry (2^256 - 1 wei)`);
    if (input.nonce !== undefined && input.nonce < 0) throw new DomainError("invalid_argument", "nonce must be 0 or more");
    if (input.gasLimit !== undefined && input.gasLimit < 21000) throw new DomainError("invalid_argument", "gas_limit must be at least 21000");
    const fees = {
      gasPrice: weiField(input.gasPrice, "gas_price"),
      maxFeePerGas: weiField(input.maxFeePerGas, "max_fee_per_gas"),
      maxPriorityFeePerGas: weiField(input.maxPriorityFeePerGas, "max_priority_fee_per_gas"),
    };
    if (fees.maxFeePerGas !== undefined && fees.maxPriorityFeePerGas !== undefined && fees.maxPriorityFeePerGas > fees.maxFeePerGas) {
      throw new DomainError("invalid_argument", "max_priority_fee_per_gas must not exceed max_fee_per_gas");
    }
    const agent = await this.agents.get(principal, input.agentId);
    const facts: TxFacts = { chainName: chain.name, chainId: chain.chainId, to, valueWei, decimals: chain.decimals, nativeCurrency: chain.nativeCurrency, token: tokenCallOf(to, data) };
    const denial = checkStatic(agent.guardrails, facts);
    if (denial) await this.refuse(principal, facts, denial, ip);
    const key = await this.signer(principal, input, chain, ip);
    return { chain, agentGuardrails: agent.guardrails, key, to, data, valueWei, facts, fees };
  }

  /**
   * The key that signs: the agent's provisioned key for the chain's family, or the private_key
   * secret its signing_key_path names, under the allowed prefixes, as its own policies allow.
   */
  private async signer(principal: Principal, input: TransactionInput, chain: ChainConfig, ip: string): Promise<Signer> {
    const path = input.signingKeyPath.trim();
    const provisioned = signingKeyPath(input.agentId, chain.family);
    if (path === "" || path === provisioned) return this.keys.provisioned(input.agentId, chain.family);
    const allowed = KEY_PATH_PREFIXES(input.agentId);
    if (!allowed.some((prefix) => path.startsWith(prefix)) || path.includes("..")) {
      throw new DomainError("invalid_argument", `signing_key_path must lie under ${allowed.join(", ")}; got "${path.slice(0, 200)}"`);
    }
    return this.keys.named(principal, path, ip);
  }

  /** Audits a guardrail refusal (committing by itself) and answers 403 naming rule, limit and value. */
  private async refuse(principal: Principal, facts: TxFacts, denial: Denial, ip: string): Promise<never> {
    await this.audit.append(this.dataSource.manager, {
      orgId: principal.orgId,
      actor: { type: "agent", id: principal.id },
      action: "transaction.denied",
      resource: { type: "agent", id: principal.id },
      details: {
        agent_id: principal.id,
        chain: facts.chainName,
        chain_id: facts.chainId,
        from_address: "",
        to_address: facts.to,
        value_wei: String(facts.valueWei),
        decided_by: denial.rule,
        limit: denial.limit,
        attempted: denial.attempted,
      },
      ip,
    });
    throw new DomainError("permission_denied", denial.detail);
  }

  private async simulateFirst(principal: Principal, p: Prepared, input: TransactionInput, ip: string): Promise<void> {
    const simulation = await reachable(p.chain, this.evm.simulate(p.chain, { from: p.key.address, to: p.to, value: p.valueWei, data: p.data, gas: input.gasLimit ? BigInt(input.gasLimit) : undefined }));
    if (simulation.status === "success") return;
    const reason = simulation.status === "reverted" ? simulation.reason : simulation.error;
    const message = simulation.status === "reverted" ? `simulation reverted${reason ? `: ${reason}` : " without a reason"}` : `simulation failed: ${reason}`;
    const row = await this.dataSource.transaction(async (manager) => {
      const inserted = await insertTransaction(manager, {
        ...this.rowBase(principal, p),
        status: "simulation_failed",
        idempotency_key: null,
        request_hash: null,
        error_message: message.slice(0, 500),
        simulation_id: crypto.randomUUID(),
        simulation_status: simulation.status,
      });
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "agent", id: principal.id },
        action: "transaction.simulate",
        resource: { type: "transaction", id: inserted!.id },
        details: { ...this.factsOf(p), status: simulation.status, decided_by: "simulation", revert_reason: reason.slice(0, 300) },
        ip,
      });
      return inserted!;
    });
    throw new DomainError("unprocessable", `transaction ${row.id}: ${message}`);
  }

  /**
   * Under the agent's spend lock: decides the rolling 24-hour limits against what is reserved
   * already and inserts the pending transaction, or finds the idempotency key taken meanwhile.
   */
  private async reserve(
    principal: Principal,
    p: Prepared,
    input: TransactionInput,
    key: { idempotencyKey: string; requestHash: string },
    ip: string,
  ): Promise<{ row: TransactionRow } | { replayed: TransactionRecord }> {
    let denial: Denial | undefined;
    // Without a rolling limit there is nothing to decide against the others: no lock, no sum.
    const limited = p.agentGuardrails.tx_daily_limit !== undefined || p.agentGuardrails.tx_max_per_day !== undefined;
    const insert = async (manager: EntityManager) =>
      (await insertTransaction(manager, {
        ...this.rowBase(principal, p),
        status: "pending",
        idempotency_key: key.idempotencyKey || null,
        request_hash: key.idempotencyKey ? key.requestHash : null,
        gas_limit: input.gasLimit !== undefined ? String(input.gasLimit) : null,
      })) ?? null;
    const result = !limited
      ? await insert(this.dataSource.manager) // one statement, committing by itself
      : await this.dataSource.transaction(async (manager) => {
          await lockAgentSpend(manager, input.agentId);
          denial = checkDaily(p.agentGuardrails, p.facts, await spentInLastDay(manager, input.agentId));
          return denial ? undefined : insert(manager);
        });
    if (denial) return this.refuse(principal, p.facts, denial, ip);
    if (result) return { row: result };
    const earlier = await transactionByKey(this.dataSource, input.agentId, key.idempotencyKey);
    if (!earlier) throw new DomainError("conflict", "a request with this Idempotency-Key was being recorded at the same moment; try again");
    return { replayed: replay(earlier, key.requestHash, key.idempotencyKey) };
  }

  private async feesFor(p: Prepared): Promise<Fees> {
    const { gasPrice, maxFeePerGas, maxPriorityFeePerGas } = p.fees;
    if (gasPrice !== undefined) return { type: "legacy", gasPrice };
    if (maxFeePerGas !== undefined && maxPriorityFeePerGas !== undefined) return { type: "eip1559", maxFeePerGas, maxPriorityFeePerGas };
    const node = await this.evm.fees(p.chain);
    if (node.type === "legacy") return node;
    const priority = maxPriorityFeePerGas ?? node.maxPriorityFeePerGas;
    return { type: "eip1559", maxFeePerGas: maxFeePerGas ?? (node.maxFeePerGas - node.maxPriorityFeePerGas + priority), maxPriorityFeePerGas: priority };
  }

  private async estimateGas(p: Prepared): Promise<bigint> {
    const simulation = await reachable(p.chain, this.evm.simulate(p.chain, { from: p.key.address, to: p.to, value: p.valueWei, data: p.data }));
    if (simulation.status === "success") return simulation.gasUsed;
    if (simulation.status === "reverted") throw new DomainError("unprocessable", `the node estimates that this transaction reverts${simulation.reason ? `: ${simulation.reason}` : ""}; nothing was signed`);
    throw new DomainError("unprocessable", `the node could not estimate gas for this transaction: ${simulation.error}; nothing was signed`);
  }

  private async signAndBroadcast(principal: Principal, p: Prepared, tx: TransactionRow, fees: Fees, gas: bigint, explicitNonce: number | undefined, ip: string): Promise<TransactionRow> {
    type Outcome = { row: TransactionRow } | { rejected: string };
    // Set once the transaction left the server: if recording it then fails, it is not "failed".
    let left: { serialized: Hex; hash: Hex; nonce: number } | undefined;
    const recording = this.dataSource.transaction(async (manager): Promise<Outcome> => {
      const allocation =
        explicitNonce !== undefined
          ? { nonce: explicitNonce, advance: async () => {} }
          : await lockNonce(manager, p.chain.chainId, p.key.address, () => this.evm.pendingNonce(p.chain, p.key.address));
      // The private key exists only for this call.
      const serialized = await p.key.withAccount(manager, (account) => account.signTransaction(unsignedTx(p, fees, gas, allocation.nonce)));
      const hash = keccak256(serialized);
      let sent = await this.evm.broadcast(p.chain, serialized);
      // An error that came with the transaction taken after all (a development node that mines at
      // once reports a revert as an error): it is on chain, so it is broadcast, not refused.
      if (sent.outcome === "rejected" && (await this.evm.knows(p.chain, hash))) sent = { outcome: "accepted", hash };
      // Refused by the node: roll back, so the nonce was never taken.
      if (sent.outcome === "rejected") return { rejected: `the node refused the transaction: ${sent.error}` };
      left = { serialized, hash, nonce: allocation.nonce };
      await allocation.advance();
      const row = await updateTransaction(manager, tx.id, {
        ...signedColumns({ nonce: allocation.nonce, gas, serialized, hash, fees }),
        status: sent.outcome === "accepted" ? "broadcast" : "signed",
        error_message: sent.outcome === "unknown" ? `broadcast outcome unknown (${sent.error}); reconciled by tx_hash, never re-signed` : "",
      });
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "agent", id: principal.id },
        action: "transaction.submit",
        resource: { type: "transaction", id: tx.id },
        details: { ...this.factsOf(p), tx_id: tx.id, status: row.status, nonce: allocation.nonce, tx_hash: hash, decided_by: "guardrails", idempotency_key_used: tx.idempotency_key !== null },
        ip,
      });
      return { row };
    });
    let outcome: Outcome;
    try {
      outcome = await recording;
    } catch (error) {
      if (!left) throw error;
      // Sent, but its record rolled back: keep what was sent (its spend stays reserved), to be
      // reconciled by hash; the node's pending nonce already counts it for the next allocation.
      const { serialized, hash, nonce } = left;
      return updateTransaction(this.dataSource, tx.id, {
        ...signedColumns({ nonce, gas, serialized, hash, fees }),
        status: "signed",
        error_message: "sent to the node, but recording it failed; reconciled by tx_hash, never re-signed",
      });
    }
    if ("row" in outcome) return outcome.row;
    return this.fail(principal, p, tx, "submit", outcome.rejected, ip);
  }

  private async signOnly(principal: Principal, p: Prepared, tx: TransactionRow, fees: Fees, gas: bigint, explicitNonce: number | undefined, ip: string): Promise<TransactionRow> {
    // A signed-only transaction may never be broadcast, so it does not move the server's counter
    // (that would leave a gap for every later submission); it takes the next nonce as of now.
    const nonce = explicitNonce ?? Math.max(await peekNonce(this.dataSource, p.chain.chainId, p.key.address), await this.evm.pendingNonce(p.chain, p.key.address));
    return this.dataSource.transaction(async (manager) => {
      const serialized = await p.key.withAccount(manager, (account) => account.signTransaction(unsignedTx(p, fees, gas, nonce)));
      const hash = keccak256(serialized);
      const row = await updateTransaction(manager, tx.id, { ...signedColumns({ nonce, gas, serialized, hash, fees }), status: "sign_only" });
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "agent", id: principal.id },
        action: "transaction.sign",
        resource: { type: "transaction", id: tx.id },
        details: { ...this.factsOf(p), tx_id: tx.id, status: "sign_only", nonce, tx_hash: hash, decided_by: "guardrails" },
        ip,
      });
      return row;
    });
  }

  /** Marks the transaction failed (releasing its reservation) and audits it. */
  private async fail(principal: Principal, p: Prepared, tx: TransactionRow, mode: Mode, message: string, ip: string): Promise<TransactionRow> {
    return this.dataSource.transaction(async (manager) => {
      const row = await updateTransaction(manager, tx.id, { status: "failed", error_message: message.slice(0, 500) });
      await this.audit.append(manager, {
        orgId: principal.orgId,
        actor: { type: "agent", id: principal.id },
        action: mode === "submit" ? "transaction.submit" : "transaction.sign",
        resource: { type: "transaction", id: tx.id },
        details: { ...this.factsOf(p), tx_id: tx.id, status: "failed", decided_by: "guardrails", error: message.slice(0, 300) },
        ip,
      });
      return row;
    });
  }

  /** A transaction whose broadcast outcome was unknown: the node knows it, or gets the same bytes again. */
  private async reconcile(row: TransactionRow): Promise<TransactionRow> {
    let chain: ChainConfig;
    try {
      chain = this.chains.get(row.chain);
    } catch {
      return row;
    }
    try {
      const known = await this.evm.knows(chain, row.tx_hash as Hex);
      const sent = known ? { outcome: "accepted" as const } : await this.evm.broadcast(chain, row.signed_tx as Hex);
      if (sent.outcome !== "accepted") return row;
      return await updateTransaction(this.dataSource, row.id, { status: "broadcast", error_message: "" });
    } catch {
      return row;
    }
  }

  private rowBase(principal: Principal, p: Prepared) {
    return {
      org_id: principal.orgId,
      agent_id: principal.id,
      chain: p.chain.name,
      chain_id: String(p.chain.chainId),
      from_address: p.key.address,
      to_address: getAddress(p.to),
      value_wei: String(p.valueWei),
      data: p.data,
    };
  }

  private factsOf(p: Prepared) {
    return {
      agent_id: p.key.agentId,
      chain: p.chain.name,
      chain_id: p.chain.chainId,
      from_address: p.key.address,
      to_address: getAddress(p.to),
      value_wei: String(p.valueWei),
    };
  }
}

/** Only an agent with the Intents API enabled, for itself (another agent's id is 404 to it). */
function assertActingAgent(principal: Principal, agentId: string): void {
  if (principal.type !== "agent") throw new DomainError("permission_denied", "only an agent submits, signs or simulates transactions; use an agent token");
  if (principal.id !== agentId) throw new DomainError("not_found", `agent ${agentId.slice(0, 40)} not found`);
  if (!principal.agent?.intentsApiEnabled) {
    throw new DomainError("permission_denied", "this agent does not have the Intents API enabled (intents_api_enabled); a human of its organisation can enable it");
  }
}

/** A call to the chain's node whose failure to answer is a 503 that names the chain. */
async function reachable<T>(chain: ChainConfig, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError("unavailable", `the ${chain.name} node did not answer; nothing was signed, try again later`);
  }
}

function unsignedTx(p: Prepared, fees: Fees, gas: bigint, nonce: number) {
  const base = { chainId: p.chain.chainId, to: p.to, value: p.valueWei, data: p.data, gas, nonce };
  return fees.type === "legacy"
    ? { ...base, type: "legacy" as const, gasPrice: fees.gasPrice }
    : { ...base, type: "eip1559" as const, maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas };
}

/** What every signed transaction records, whatever became of it next. */
function signedColumns(signed: { nonce: number | bigint; gas: bigint; serialized: string; hash: string; fees: Fees }) {
  return {
    nonce: String(signed.nonce),
    gas_limit: String(signed.gas),
    signed_tx: signed.serialized,
    tx_hash: signed.hash,
    ...feeColumns(signed.fees),
    signed_at: new Date(),
  };
}

function feeColumns(fees: Fees): { max_fee_per_gas: string; max_priority_fee_per_gas: string } {
  return fees.type === "legacy"
    ? { max_fee_per_gas: String(fees.gasPrice), max_priority_fee_per_gas: String(fees.gasPrice) }
    : { max_fee_per_gas: String(fees.maxFeePerGas), max_priority_fee_per_gas: String(fees.maxPriorityFeePerGas) };
}

/** The stored answer to a repeated Idempotency-Key: the same body gets it, another body 422, in flight 409. */
function replay(earlier: TransactionRow, requestHash: string, key: string): TransactionRecord {
  if (earlier.request_hash !== requestHash) {
    throw new DomainError("unprocessable", `Idempotency-Key "${key.slice(0, 64)}" was used for a different request in the last ${IDEMPOTENCY_HOURS} hours; use a new key`);
  }
  if (earlier.status === "pending") throw new DomainError("conflict", `a request with Idempotency-Key "${key.slice(0, 64)}" is still in flight; try again shortly`);
  return toRecord(earlier, true);
}

/** A digest of everything in the request that shapes the transaction. */
function hashRequest(mode: Mode, input: TransactionInput): string {
  const canonical = JSON.stringify([
    mode,
    input.agentId,
    input.to.toLowerCase(),
    input.value.trim(),
    input.chain.trim().toLowerCase(),
    input.data.toLowerCase(),
    input.signingKeyPath,
    input.nonce ?? null,
    input.gasPrice,
    input.gasLimit ?? null,
    input.maxFeePerGas,
    input.maxPriorityFeePerGas,
    input.simulateFirst,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

function toRecord(row: TransactionRow, includeSignedTx: boolean): TransactionRecord {
  return {
    id: row.id,
    agentId: row.agent_id,
    chain: row.chain,
    chainId: Number(row.chain_id),
    to: row.to_address,
    valueWei: row.value_wei,
    status: row.status,
    signedTx: includeSignedTx && row.signed_tx ? row.signed_tx : undefined,
    txHash: row.tx_hash,
    errorMessage: row.error_message,
    createdAt: new Date(row.created_at),
    signedAt: row.signed_at ? new Date(row.signed_at) : null,
    simulationId: row.simulation_id,
    simulationStatus: row.simulation_status,
    maxFeePerGas: row.max_fee_per_gas,
    maxPriorityFeePerGas: row.max_priority_fee_per_gas,
    from: row.from_address,
    nonce: row.nonce === null ? null : Number(row.nonce),
  };
}
