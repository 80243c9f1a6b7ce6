// The transactions of the Intents API and the locks their concurrency rests on: every statement on
// clawkeep_transactions, clawkeep_tx_nonces (the next nonce per chain id and address) and
// clawkeep_tx_spend_locks (one row per agent, locked while its spend is reserved).
import type { DataSource, EntityManager } from "typeorm";
import { rowsOf } from "../../db/rows.js";
import { columnList, defineTable } from "../../db/table.js";

type Queryable = DataSource | EntityManager;

export type TxStatus = "pending" | "signed" | "sign_only" | "broadcast" | "failed" | "simulation_failed";

/** A row of clawkeep_transactions. */
export interface TransactionRow {
  id: string;
  org_id: string;
  agent_id: string;
  chain: string;
  /** bigint: the driver returns it as a string. */
  chain_id: string;
  from_address: string;
  to_address: string;
  /** numeric(78,0) as a decimal string. */
  value_wei: string;
  data: string;
  nonce: string | null;
  gas_limit: string | null;
  status: TxStatus;
  signed_tx: string | null;
  tx_hash: string;
  error_message: string;
  simulation_id: string;
  simulation_status: string;
  max_fee_per_gas: string;
  max_priority_fee_per_gas: string;
  idempotency_key: string | null;
  request_hash: string | null;
  created_at: Date;
  signed_at: Date | null;
}

export const TRANSACTIONS = defineTable<TransactionRow>("clawkeep_transactions", {
  id: true,
  org_id: true,
  agent_id: true,
  chain: true,
  chain_id: true,
  from_address: true,
  to_address: true,
  value_wei: true,
  data: true,
  nonce: true,
  gas_limit: true,
  status: true,
  signed_tx: true,
  tx_hash: true,
  error_message: true,
  simulation_id: true,
  simulation_status: true,
  max_fee_per_gas: true,
  max_priority_fee_per_gas: true,
  idempotency_key: true,
  request_hash: true,
  created_at: true,
  signed_at: true,
});

/** A row of clawkeep_tx_nonces. */
export interface NonceRow {
  chain_id: string;
  address: string;
  next_nonce: string;
}

export const TX_NONCES = defineTable<NonceRow>("clawkeep_tx_nonces", { chain_id: true, address: true, next_nonce: true });

/** A row of clawkeep_tx_spend_locks. */
export interface SpendLockRow {
  agent_id: string;
}

export const TX_SPEND_LOCKS = defineTable<SpendLockRow>("clawkeep_tx_spend_locks", { agent_id: true });

const COLUMNS = columnList(TRANSACTIONS);

/** Statuses that do not count toward the agent's limits: nothing was (or will be) sent. */
const NOT_COUNTED = ["failed", "simulation_failed"];

export type NewTransaction = Pick<
  TransactionRow,
  "org_id" | "agent_id" | "chain" | "chain_id" | "from_address" | "to_address" | "value_wei" | "data" | "status" | "idempotency_key" | "request_hash"
> &
  Partial<Pick<TransactionRow, "error_message" | "simulation_id" | "simulation_status" | "gas_limit">>;

/**
 * Inserts a transaction; with an idempotency key already held by another of the agent's
 * transactions, inserts nothing and returns undefined.
 */
export async function insertTransaction(manager: EntityManager, tx: NewTransaction): Promise<TransactionRow | undefined> {
  const [row]: TransactionRow[] = await manager.query(
    `INSERT INTO "clawkeep_transactions" ("org_id", "agent_id", "chain", "chain_id", "from_address", "to_address", "value_wei", "data", "status",
       "idempotency_key", "request_hash", "error_message", "simulation_id", "simulation_status", "gas_limit")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT ("agent_id", "idempotency_key") WHERE "idempotency_key" IS NOT NULL DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      tx.org_id,
      tx.agent_id,
      tx.chain,
      tx.chain_id,
      tx.from_address,
      tx.to_address,
      tx.value_wei,
      tx.data,
      tx.status,
      tx.idempotency_key,
      tx.request_hash,
      tx.error_message ?? "",
      tx.simulation_id ?? "",
      tx.simulation_status ?? "",
      tx.gas_limit ?? null,
    ],
  );
  return row;
}

export type TransactionChanges = Partial<
  Pick<TransactionRow, "status" | "nonce" | "gas_limit" | "signed_tx" | "tx_hash" | "error_message" | "max_fee_per_gas" | "max_priority_fee_per_gas" | "signed_at">
>;

export async function updateTransaction(manager: EntityManager | DataSource, id: string, changes: TransactionChanges): Promise<TransactionRow> {
  const keys = Object.keys(changes) as (keyof TransactionChanges)[];
  const sets = keys.map((key, i) => `"${key}" = $${i + 2}`).join(", ");
  const [row] = rowsOf<TransactionRow>(await manager.query(`UPDATE "clawkeep_transactions" SET ${sets} WHERE "id" = $1 RETURNING ${COLUMNS}`, [id, ...keys.map((k) => changes[k])]));
  return row;
}

/** The agent's transaction holding the idempotency key, if any. */
export async function transactionByKey(q: Queryable, agentId: string, key: string): Promise<TransactionRow | undefined> {
  const [row]: TransactionRow[] = await q.query(`SELECT ${COLUMNS} FROM "clawkeep_transactions" WHERE "agent_id" = $1 AND "idempotency_key" = $2`, [agentId, key]);
  return row;
}

/** Frees an idempotency key older than `hours`, so that it may be used again. */
export async function expireIdempotencyKey(q: Queryable, agentId: string, key: string, hours: number): Promise<void> {
  await q.query(
    `UPDATE "clawkeep_transactions" SET "idempotency_key" = NULL WHERE "agent_id" = $1 AND "idempotency_key" = $2 AND "created_at" < clock_timestamp() - make_interval(hours => $3)`,
    [agentId, key, hours],
  );
}

export async function transactionOfAgent(q: Queryable, agentId: string, txId: string): Promise<TransactionRow | undefined> {
  const [row]: TransactionRow[] = await q.query(`SELECT ${COLUMNS} FROM "clawkeep_transactions" WHERE "agent_id" = $1 AND "id" = $2`, [agentId, txId]);
  return row;
}

export function transactionsOfAgent(q: Queryable, agentId: string, limit: number): Promise<TransactionRow[]> {
  return q.query(`SELECT ${COLUMNS} FROM "clawkeep_transactions" WHERE "agent_id" = $1 ORDER BY "created_at" DESC, "id" DESC LIMIT $2`, [agentId, limit]);
}

/**
 * Locks the agent's spend row for the rest of the transaction (creating it on first use): the
 * agent's concurrent reservations pass one at a time; no other agent's request waits on it.
 */
export async function lockAgentSpend(manager: EntityManager, agentId: string): Promise<void> {
  await manager.query(
    `INSERT INTO "clawkeep_tx_spend_locks" ("agent_id") VALUES ($1) ON CONFLICT ("agent_id") DO UPDATE SET "agent_id" = EXCLUDED."agent_id"`,
    [agentId],
  );
}

/** What the agent spent (wei) and how many transactions it made in the last 24 hours. */
export async function spentInLastDay(q: Queryable, agentId: string): Promise<{ valueWei: bigint; count: number }> {
  const [row]: { value_wei: string; count: number }[] = await q.query(
    `SELECT coalesce(sum("value_wei"), 0)::text AS "value_wei", count(*)::int AS "count" FROM "clawkeep_transactions"
     WHERE "agent_id" = $1 AND "created_at" > clock_timestamp() - interval '24 hours' AND "status" <> ALL($2)`,
    [agentId, NOT_COUNTED],
  );
  return { valueWei: BigInt(row.value_wei), count: row.count };
}

/** The same for several agents in one statement; agents without transactions are absent. */
export async function spentInLastDayByAgent(q: Queryable, agentIds: string[]): Promise<Map<string, { valueWei: bigint; count: number }>> {
  const rows: { agent_id: string; value_wei: string; count: number }[] = await q.query(
    `SELECT "agent_id", sum("value_wei")::text AS "value_wei", count(*)::int AS "count" FROM "clawkeep_transactions"
     WHERE "agent_id" = ANY($1::uuid[]) AND "created_at" > clock_timestamp() - interval '24 hours' AND "status" <> ALL($2)
     GROUP BY "agent_id"`,
    [agentIds, NOT_COUNTED],
  );
  return new Map(rows.map((row) => [row.agent_id, { valueWei: BigInt(row.value_wei), count: row.count }]));
}

/**
 * Allocates a nonce for (chain id, address) under the row's lock, held until the caller's
 * transaction ends: the larger of the server's counter and the node's pending nonce. The counter
 * moves past it only when `advance` is called in the same transaction.
 */
export async function lockNonce(manager: EntityManager, chainId: number, address: string, pending: () => Promise<number>): Promise<{ nonce: number; advance(): Promise<void> }> {
  const [row]: { next_nonce: string }[] = await manager.query(
    `INSERT INTO "clawkeep_tx_nonces" ("chain_id", "address", "next_nonce") VALUES ($1, $2, 0)
     ON CONFLICT ("chain_id", "address") DO UPDATE SET "next_nonce" = "clawkeep_tx_nonces"."next_nonce" RETURNING "next_nonce"`,
    [chainId, address.toLowerCase()],
  );
  const nonce = Math.max(Number(row.next_nonce), await pending());
  return {
    nonce,
    advance: async () => {
      await manager.query(`UPDATE "clawkeep_tx_nonces" SET "next_nonce" = $3 WHERE "chain_id" = $1 AND "address" = $2`, [chainId, address.toLowerCase(), nonce + 1]);
    },
  };
}

/** The server's counter for (chain id, address) without locking it; 0 when it has none. */
export async function peekNonce(q: Queryable, chainId: number, address: string): Promise<number> {
  const [row]: { next_nonce: string }[] = await q.query(`SELECT "next_nonce" FROM "clawkeep_tx_nonces" WHERE "chain_id" = $1 AND "address" = $2`, [chainId, address.toLowerCase()]);
  return row ? Number(row.next_nonce) : 0;
}
