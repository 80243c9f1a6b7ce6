// An agent's transactions: the list (newest first, paged) and one transaction. Read-only: only
// the agent itself submits transactions. The signed raw transaction is never asked for.
import type { Transaction } from "../../../../gen/ts/clawkeep/v1/intents_pb.js";
import { attempt } from "../api-errors.js";
import { alert, badge, code, emptyState, facts, html, paged, table, when, type Html } from "../html.js";
import { page, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { agentHeader, agentPath, loadAgent } from "./agent-frame.js";

const WEI_PER_ETH = 10n ** 18n;

/** "1.5 ETH" from a wei string on an EVM chain, exactly (bigint); the raw amount otherwise. */
export function amount(tx: Pick<Transaction, "valueWei" | "chainId">): string {
  if (tx.chainId === 0 || !/^\d{1,78}$/.test(tx.valueWei)) return tx.valueWei || "0";
  const wei = BigInt(tx.valueWei);
  const fraction = (wei % WEI_PER_ETH).toString().padStart(18, "0").replace(/0+$/, "");
  return `${wei / WEI_PER_ETH}${fraction ? `.${fraction}` : ""} ETH`;
}

function statusBadge(status: string): Html {
  const tone = status === "broadcast" || status === "signed" || status === "sign_only" ? "ok" : status === "pending" ? "warn" : "bad";
  return badge(status.replace(/_/g, " "), tone);
}

function short(hash: string): Html {
  return hash ? html`<code title="${hash}">${hash.slice(0, 10)}…${hash.slice(-6)}</code>` : html`<span class="muted">—</span>`;
}

async function list(req: PageRequest): Promise<PageResult> {
  const agent = await loadAgent(req);
  const base = agentPath(agent.id, "/transactions");
  const listed = await attempt(() => req.rpc.intents.listTransactions({ agentId: agent.id, includeSignedTx: false }));
  let body: Html;
  if (!listed.ok) body = alert(listed.error);
  else if (listed.value.transactions.length === 0) {
    body = emptyState(
      "No transactions yet.",
      html`The agent submits them itself with <code>POST /v1/agents/${agent.id}/transactions</code>; Clawkeep signs them with the agent's <a href="${agentPath(agent.id, "/signing-keys")}">signing key</a> within its <a href="${agentPath(agent.id, "/guardrails")}">guardrails</a>.`,
    );
  } else {
    const { rows, pager } = paged(listed.value.transactions, req.query, base);
    body = html`${table(rows, [
      { label: "Time", cell: (t) => html`<a href="${base}/${t.id}">${when(t.createdAt)}</a>` },
      { label: "Chain", cell: (t) => t.chain },
      { label: "To", cell: (t) => short(t.to) },
      { label: "Value", cell: (t) => amount(t), numeric: true },
      { label: "Status", cell: (t) => statusBadge(t.status) },
      { label: "Hash", cell: (t) => short(t.txHash) },
    ])}${pager}`;
  }
  return page(`Transactions of "${agent.name}"`, html`${agentHeader(agent, "transactions")}${body}`, { section: "agents", status: listed.ok ? 200 : listed.status });
}

async function show(req: PageRequest): Promise<PageResult> {
  const agent = await loadAgent(req);
  const { transaction: tx } = await req.rpc.intents.getTransaction({ agentId: agent.id, txId: req.params.txId, includeSignedTx: false });
  if (!tx) throw new Error("GetTransaction answered without a transaction");
  const none = html`<span class="muted">—</span>`;
  return page(
    "Transaction",
    html`${agentHeader(agent, "transactions")}
<p class="crumbs"><a href="${agentPath(agent.id, "/transactions")}">All transactions</a></p>
<div class="panel">${facts([
      ["Id", code(tx.id)],
      ["Status", statusBadge(tx.status)],
      ["Chain", `${tx.chain}${tx.chainId ? ` (chain id ${tx.chainId})` : ""}`],
      ["To", code(tx.to)],
      ["Value", amount(tx)],
      ["Value in the smallest unit", code(tx.valueWei || "0")],
      ["Hash", tx.txHash ? code(tx.txHash) : none],
      ["Created", when(tx.createdAt)],
      ["Signed", tx.signedAt ? when(tx.signedAt) : none],
      ["Max fee per gas (wei)", tx.maxFeePerGas || none],
      ["Max priority fee per gas (wei)", tx.maxPriorityFeePerGas || none],
      ["Simulation", tx.simulationStatus ? `${tx.simulationStatus}${tx.simulationId ? ` (${tx.simulationId})` : ""}` : none],
      ["Error", tx.errorMessage || none],
    ])}</div>`,
    { section: "agents" },
  );
}

export const transactionRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/agents/:agentId/transactions", handle: list },
  { method: "GET", pattern: "/console/agents/:agentId/transactions/:txId", handle: show },
];
