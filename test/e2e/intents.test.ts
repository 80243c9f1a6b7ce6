// The Intents API end to end against a real local EVM node (Hardhat 2 on loopback): a human
// provisions an agent's signing key, funds it from a prefunded account, and the agent has the
// server sign and broadcast over REST. Guardrail denials, the rolling daily limit under 20
// concurrent requests, 50 concurrent submissions with gapless nonces, Idempotency-Key replay /
// conflict / in-flight answers, a simulated revert, sign-only, and the agent's 403 reading its own
// private key directly.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { ServiceError } from "@grpc/grpc-js";
import { createPublicClient, http, parseEther, recoverTransactionAddress, type Hex, type TransactionSerialized } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IntentService } from "../../gen/ts/clawkeep/v1/intents_pb.js";
import { CHAIN_ID, FUNDER, startEvmNode, type EvmNode } from "../support/evm-node.js";
import { grpcJsClient, grpcJsUnary } from "../support/grpc-js.js";
import { runServerToExit } from "../support/process.js";
import { probeTool } from "../support/tools.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { freePort, startInstancePair, startTestServer, type TestServer } from "../support/server.js";

const run = promisify(execFile);
const curlTool = probeTool(["curl", "--version"], "apt-get install -y curl");

let node: EvmNode;
let server: TestServer;
let call: RestCall;
let human: RestPerson;

beforeAll(async () => {
  node = await startEvmNode();
  server = await startTestServer({ env: { CLAWKEEP_CHAINS: node.chainsFile, CLAWKEEP_RATE_LIMIT_PER_SECOND: "1000", CLAWKEEP_RATE_LIMIT_BURST: "1000" } });
  call = restCaller(server.url);
  human = await restSignup(call);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await node?.stop();
});

const chainClient = () => createPublicClient({ transport: http(node.url) });
const randomAddress = () => `0x${randomBytes(20).toString("hex")}` as Hex;

export interface IntentAgent {
  id: string;
  token: string;
  address: Hex;
}

/** A human registers an Intents agent with these guardrails, gives it an ethereum key, funds it. */
async function intentAgent(guardrails: Record<string, unknown> = {}, fundEth = "10"): Promise<IntentAgent> {
  const created = await call("POST", "/v1/agents", human.token, { name: `bot-${randomBytes(3).toString("hex")}`, intents_api_enabled: true, ...guardrails });
  expect(created.status, await created.clone().text()).toBe(201);
  const { agent, api_key } = (await created.json()) as { agent: { id: string }; api_key: string };
  const key = await call("POST", `/v1/agents/${agent.id}/signing-keys`, human.token, { chain: "ethereum" });
  expect(key.status).toBe(201);
  const { address } = (await key.json()) as { address: Hex };
  if (fundEth !== "0") await fund(address, fundEth);
  const exchanged = await call("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.id, api_key });
  const { access_token } = (await exchanged.json()) as { access_token: string };
  return { id: agent.id, token: access_token, address };
}

async function fund(address: Hex, eth: string): Promise<void> {
  const hash = await node.rpc<Hex>("eth_sendTransaction", [{ from: FUNDER, to: address, value: `0x${parseEther(eth).toString(16)}` }]);
  await chainClient().waitForTransactionReceipt({ hash });
}

const submit = (agent: IntentAgent, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call("POST", `/v1/agents/${agent.id}/transactions`, agent.token, { chain: "hardhat", ...body }, headers);

interface Tx {
  id: string;
  status: string;
  tx_hash: Hex;
  value_wei: string;
  signed_tx?: string;
  chain_id: number;
  error_message: string;
}

describe("chains", () => {
  it("lists the configured chain publicly and finds it by name or numeric id", async () => {
    const list = await call("GET", "/v1/chains");
    expect(list.status).toBe(200);
    const { chains } = (await list.json()) as { chains: Record<string, unknown>[] };
    expect(chains).toEqual([
      expect.objectContaining({ name: "hardhat", display_name: "Hardhat (local)", chain_id: CHAIN_ID, native_currency: "ETH", is_testnet: true, is_enabled: true }),
    ]);
    // The relay URL carries no credentials, so it may be shown.
    expect(chains[0].rpc_url).toBe(node.relayUrl);
    for (const identifier of ["hardhat", String(CHAIN_ID), "HardHat"]) {
      const one = await call("GET", `/v1/chains/${identifier}`);
      expect(one.status, identifier).toBe(200);
      expect(((await one.json()) as { id: string }).id).toBe(chains[0].id);
    }
    const missing = await call("GET", "/v1/chains/base");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { detail: string }).detail).toBe('no chain "base" is configured');
  });
});

describe("signing keys", () => {
  it("are made by a human, listed with public parts only, rotated and deactivated", async () => {
    const agent = await intentAgent({}, "0");
    const again = await call("POST", `/v1/agents/${agent.id}/signing-keys`, human.token, { chain: "ethereum" });
    expect(again.status).toBe(409);
    const bySelf = await call("POST", `/v1/agents/${agent.id}/signing-keys/ethereum/rotate`, agent.token);
    expect(bySelf.status).toBe(403);
    const unsupported = await call("POST", `/v1/agents/${agent.id}/signing-keys`, human.token, { chain: "dogecoin" });
    expect(unsupported.status).toBe(400);

    const listed = await call("GET", `/v1/agents/${agent.id}/signing-keys`, agent.token);
    const { keys } = (await listed.json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0]).sort()).toEqual(["address", "agent_id", "chain", "created_at", "curve", "id", "is_active", "key_version", "public_key"]);
    expect(keys[0]).toMatchObject({ chain: "ethereum", curve: "secp256k1", address: agent.address, key_version: 1, is_active: true });
    expect(keys[0].public_key).toMatch(/^0x04[0-9a-f]{128}$/);

    const rotated = await call("POST", `/v1/agents/${agent.id}/signing-keys/ethereum/rotate`, human.token);
    expect(rotated.status).toBe(200);
    const next = (await rotated.json()) as { address: string; key_version: number };
    expect(next.key_version).toBe(2);
    expect(next.address).not.toBe(agent.address);
    const after = ((await (await call("GET", `/v1/agents/${agent.id}/signing-keys`, human.token)).json()) as { keys: { key_version: number; is_active: boolean; rotated_at?: string }[] }).keys;
    expect(after.map((k) => [k.key_version, k.is_active, typeof k.rotated_at])).toEqual([
      [1, false, "string"],
      [2, true, "undefined"],
    ]);
    expect((await call("DELETE", `/v1/agents/${agent.id}/signing-keys/ethereum`, human.token)).status).toBe(204);
    expect((await call("DELETE", `/v1/agents/${agent.id}/signing-keys/ethereum`, human.token)).status).toBe(404);
    const none = await submit(agent, { to: randomAddress(), value: "0" });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { detail: string }).detail).toMatch(/has no active ethereum signing key; a human of its organisation creates one/);
  });

  it("show their balance on a chain over REST: 1Claw's getSigningKeyBalance shape plus native_currency", async () => {
    const agent = await intentAgent({}, "2.5");
    const res = await call("GET", `/v1/agents/${agent.id}/signing-keys/hardhat/balance`, human.token);
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toEqual({ chain: "hardhat", address: agent.address, balance_wei: "2500000000000000000", balance_display: "2.5", native_currency: "ETH" });
    const bySelf = await call("GET", `/v1/agents/${agent.id}/signing-keys/${CHAIN_ID}/balance`, agent.token);
    expect(((await bySelf.json()) as { balance_display: string }).balance_display).toBe("2.5");
    const unknown = await call("GET", `/v1/agents/${agent.id}/signing-keys/nope/balance`, human.token);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { detail: string }).detail).toBe('no chain "nope" is configured');
  });

  it("keeps the private key out of the agent's reach: a policy on it still meets 403", async () => {
    const agent = await intentAgent({}, "0");
    const { vault_id } = (await (await call("GET", "/v1/org/agent-keys-vault", human.token)).json()) as { vault_id: string };
    const path = `agents/${agent.id}/chains/ethereum/private_key`;
    const policy = await call("POST", `/v1/vaults/${vault_id}/policies`, human.token, { secret_path_pattern: `agents/${agent.id}/**`, principal_type: "agent", principal_id: agent.id, permissions: ["read"] });
    expect(policy.status).toBe(201);
    const read = await call("GET", `/v1/vaults/${vault_id}/secrets/${path}`, agent.token);
    expect(read.status).toBe(403);
    expect(((await read.json()) as { detail: string }).detail).toBe("agents with the Intents API enabled cannot read private_key secrets; ask the server to sign instead");
    // The agent may see that it is there, a private_key secret that never expires, but not its value.
    const meta = await call("GET", `/v1/vaults/${vault_id}/secrets?prefix=agents/${agent.id}/chains/`, agent.token);
    const { secrets } = (await meta.json()) as { secrets: { path: string; type: string; expires_at: unknown }[] };
    expect(secrets).toEqual([expect.objectContaining({ path, type: "private_key", expires_at: null })]);
  });
});

describe("submitting", () => {
  it("signs and broadcasts a transfer that is mined and moves the balance", async () => {
    const agent = await intentAgent();
    const to = randomAddress();
    const res = await submit(agent, { to, value: "0.123456789012345678" });
    expect(res.status, await res.clone().text()).toBe(201);
    const tx = (await res.json()) as Tx;
    expect(tx).toMatchObject({ status: "broadcast", chain: "hardhat", chain_id: CHAIN_ID, value_wei: "123456789012345678", to: expect.stringMatching(new RegExp(to.slice(2), "i")) });
    expect(tx.signed_tx).toMatch(/^0x02/); // EIP-1559
    const receipt = await chainClient().waitForTransactionReceipt({ hash: tx.tx_hash });
    expect(receipt.status).toBe("success");
    expect(receipt.from.toLowerCase()).toBe(agent.address.toLowerCase());
    expect(await chainClient().getBalance({ address: to })).toBe(123456789012345678n);

    // A legacy gas_price asks for a legacy (type 0) transaction; it is mined too.
    const legacy = await submit(agent, { to, value: "0.000000000000000001", gas_price: "3000000000" });
    expect(legacy.status).toBe(201);
    const legacyTx = (await legacy.json()) as Tx;
    expect(legacyTx.signed_tx).toMatch(/^0xf8/);
    expect(legacyTx).toMatchObject({ max_fee_per_gas: "3000000000", max_priority_fee_per_gas: "3000000000" });
    expect((await chainClient().getTransaction({ hash: legacyTx.tx_hash })).type).toBe("legacy");
    expect(await chainClient().getBalance({ address: to })).toBe(123456789012345679n);

    // Listed and read back by the agent and by the human; signed_tx only when asked for.
    const list = (await (await call("GET", `/v1/agents/${agent.id}/transactions`, human.token)).json()) as { transactions: Tx[] };
    expect(list.transactions.map((t) => t.id)).toEqual([legacyTx.id, tx.id]);
    expect(list.transactions.map((t) => t.signed_tx)).toEqual([undefined, undefined]);
    const withRaw = (await (await call("GET", `/v1/agents/${agent.id}/transactions?include_signed_tx=true`, agent.token)).json()) as { transactions: Tx[] };
    expect(withRaw.transactions[1].signed_tx).toBe(tx.signed_tx);
    const notLiteral = (await (await call("GET", `/v1/agents/${agent.id}/transactions?include_signed_tx=yes`, agent.token)).json()) as { transactions: Tx[] };
    expect(notLiteral.transactions[1].signed_tx).toBeUndefined();
    const one = (await (await call("GET", `/v1/agents/${agent.id}/transactions/${tx.id}`, agent.token)).json()) as Tx;
    expect(one).toMatchObject({ id: tx.id, status: "broadcast", tx_hash: tx.tx_hash });
    expect(one.signed_tx).toBeUndefined();
    const other = await restSignup(call);
    expect((await call("GET", `/v1/agents/${agent.id}/transactions/${tx.id}`, other.token)).status).toBe(404);

    // The agent's profile shows what it spent in the last 24 hours.
    const profile = (await (await call("GET", `/v1/agents/${agent.id}`, human.token)).json()) as Record<string, unknown>;
    expect(profile).toMatchObject({ tx_spent_today: "0.123456789012345679", tx_count_today: 2 });
    const { agents } = (await (await call("GET", "/v1/agents", human.token)).json()) as { agents: Record<string, unknown>[] };
    expect(agents.find((a) => a.id === agent.id)).toMatchObject({ tx_spent_today: "0.123456789012345679", tx_spent_today_eth: "0.123456789012345679", tx_count_today: 2 });
    expect(agents.filter((a) => a.tx_count_today === 0).every((a) => a.tx_spent_today === "0")).toBe(true);
    const self = (await (await call("GET", "/v1/agents/me", agent.token)).json()) as Record<string, unknown>;
    expect(self).toMatchObject({ tx_count_today: 2 });

    // Every submit is in the audit log, with the amount under a name that is not a secret's.
    const events = (await (await call("GET", `/v1/audit/events?action=transaction.submit&resource_id=${tx.id}`, human.token)).json()) as { events: { details: Record<string, unknown> }[] };
    expect(events.events).toHaveLength(1);
    expect(events.events[0].details).toMatchObject({ value_wei: "123456789012345678", status: "broadcast", tx_hash: tx.tx_hash, decided_by: "guardrails" });
    expect(JSON.stringify(events.events[0].details)).not.toContain(tx.signed_tx!.slice(2, 40));
  });

  it("refuses bad input with a 400 that says why", async () => {
    const agent = await intentAgent({}, "0");
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ to: randomAddress(), value: "0.0000000000000000001" }, /has 19 decimals; the currency has 18/],
      [{ to: randomAddress(), value: "1e-3" }, /value must be a non-negative decimal string/],
      [{ to: randomAddress(), value: "-1" }, /value must be a non-negative decimal string/],
      [{ to: "0x1234", value: "1" }, /to must be a 0x-prefixed 20-byte address/],
      [{ to: randomAddress(), value: "1", chain: "base" }, /chain "base" is not configured here; configured: hardhat/],
      [{ to: randomAddress(), value: "1", data: "0xzz" }, /data must be 0x-prefixed hex/],
      [{ to: randomAddress(), value: "1", mode: "smart_account" }, /mode "smart_account": not supported/],
      [{ to: randomAddress(), value: "1", gasless: true }, /gasless: not supported/],
      [{ to: randomAddress(), value: "9".repeat(60) }, /is more than a transaction can carry \(2\^256 - 1 wei\)/],
      [{ to: randomAddress(), value: "1", max_fee_per_gas: "9".repeat(78), max_priority_fee_per_gas: "1" }, /max_fee_per_gas is larger than 2\^256 - 1 wei/],
      [{ to: randomAddress(), value: "1", max_fee_per_gas: "1", max_priority_fee_per_gas: "2" }, /max_priority_fee_per_gas must not exceed max_fee_per_gas/],
    ];
    for (const [body, detail] of cases) {
      const res = await submit(agent, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toMatch(detail);
    }
  });

  it("is only for agents with the Intents API enabled, each for itself", async () => {
    const created = await call("POST", "/v1/agents", human.token, { name: "plain bot" });
    const { agent, api_key } = (await created.json()) as { agent: { id: string }; api_key: string };
    const { access_token } = (await (await call("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.id, api_key })).json()) as { access_token: string };
    const plain = await call("POST", `/v1/agents/${agent.id}/transactions`, access_token, { chain: "hardhat", to: randomAddress(), value: "0" });
    expect(plain.status).toBe(403);
    expect(((await plain.json()) as { detail: string }).detail).toMatch(/does not have the Intents API enabled/);
    const other = await intentAgent({}, "0");
    expect((await call("POST", `/v1/agents/${agent.id}/transactions`, other.token, { chain: "hardhat", to: randomAddress(), value: "0" })).status).toBe(404);
    expect((await call("POST", `/v1/agents/${other.id}/transactions`, human.token, { chain: "hardhat", to: randomAddress(), value: "0" })).status).toBe(403);
  });
});

describe("guardrails", () => {
  const allowed = randomAddress();

  async function expectDenied(res: Response, rule: string, limit: string, attempted: string): Promise<void> {
    expect(res.status).toBe(403);
    const { detail } = (await res.json()) as { detail: string };
    expect(detail).toMatch(new RegExp(`^guardrail ${rule}: `));
    expect(detail).toContain(`(limit ${limit}, attempted ${attempted})`);
  }

  it("deny by chain, destination, token, value and count, each naming rule, limit and value", async () => {
    const token = randomAddress();
    const agent = await intentAgent({ tx_to_allowlist: [allowed], tx_max_value: "1.5", tx_token_allowlist: [token], tx_max_per_day: 2 });
    const stranger = randomAddress();
    await expectDenied(await submit(agent, { to: `0x${stranger.slice(2).toUpperCase()}`, value: "0.1" }), "tx_to_allowlist", allowed.toLowerCase(), stranger);
    await expectDenied(await submit(agent, { to: allowed, value: "1.500000000000000001" }), "tx_max_value", "1.5", "1.500000000000000001");

    // ERC-20 transfer(recipient, amount) to the allowed contract but an unlisted recipient.
    const outsider = randomAddress();
    const transfer = `0xa9059cbb${outsider.slice(2).padStart(64, "0")}${(10n ** 18n).toString(16).padStart(64, "0")}`;
    await expectDenied(await submit(agent, { to: token, value: "0", data: transfer }), "tx_to_allowlist", allowed.toLowerCase(), outsider.toLowerCase());
    // approve(spender, amount) to an unlisted spender.
    const approve = `0x095ea7b3${outsider.slice(2).padStart(64, "0")}${"f".repeat(64)}`;
    await expectDenied(await submit(agent, { to: token, value: "0", data: approve }), "tx_to_allowlist", allowed.toLowerCase(), outsider.toLowerCase());
    // A transfer to the allowed recipient on a token contract not on tx_token_allowlist.
    const stray = randomAddress();
    const toAllowed = `0xa9059cbb${allowed.slice(2).padStart(64, "0")}${"0".repeat(63)}1`;
    await expectDenied(await submit(agent, { to: stray, value: "0", data: toAllowed }), "tx_token_allowlist", token.toLowerCase(), stray.toLowerCase());

    expect((await submit(agent, { to: allowed, value: "1.5" })).status).toBe(201);
    expect((await submit(agent, { to: allowed, value: "0.5" })).status).toBe(201);
    await expectDenied(await submit(agent, { to: allowed, value: "0.1" }), "tx_max_per_day", "2", "3");

    const chains = await intentAgent({ tx_allowed_chains: ["base"] }, "0");
    await expectDenied(await submit(chains, { to: allowed, value: "0" }), "tx_allowed_chains", "base", "hardhat");

    // Each denial is audited with its deciding rule.
    const events = (await (await call("GET", `/v1/audit/events?action=transaction.denied&actor_id=${agent.id}`, human.token)).json()) as { events: { details: { decided_by: string } }[] };
    expect(events.events.map((e) => e.details.decided_by).sort()).toEqual(["tx_max_per_day", "tx_max_value", "tx_to_allowlist", "tx_to_allowlist", "tx_to_allowlist", "tx_token_allowlist"]);
  });

  it("a daily limit that 20 concurrent requests cannot exceed", async () => {
    // The deprecated _eth alias sets tx_daily_limit.
    const agent = await intentAgent({ tx_daily_limit_eth: "1" });
    const to = randomAddress();
    const answers = await Promise.all(Array.from({ length: 20 }, () => submit(agent, { to, value: "0.15" })));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(6);
    expect(statuses.filter((s) => s === 403)).toHaveLength(14);
    const denied = await answers.find((r) => r.status === 403)!.json();
    expect((denied as { detail: string }).detail).toMatch(/^guardrail tx_daily_limit: value 0\.15 ETH on top of 0\.9 ETH spent in the last 24 hours exceeds tx_daily_limit of 1 ETH/);
    const hashes = await Promise.all(answers.filter((r) => r.status === 201).map(async (r) => ((await r.json()) as Tx).tx_hash));
    for (const hash of hashes) expect((await chainClient().waitForTransactionReceipt({ hash })).status).toBe("success");
    expect(await chainClient().getBalance({ address: to })).toBe(parseEther("0.9"));
  });
});

describe("nonces", () => {
  it("gives 50 concurrent submissions of one agent 50 distinct, gapless nonces, all mined", async () => {
    const agent = await intentAgent({}, "5");
    const to = randomAddress();
    const answers = await Promise.all(Array.from({ length: 50 }, () => submit(agent, { to, value: "0.01" })));
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(201));
    const txs = (await Promise.all(answers.map((r) => r.json()))) as Tx[];
    const client = chainClient();
    const receipts = await Promise.all(txs.map((tx) => client.waitForTransactionReceipt({ hash: tx.tx_hash })));
    expect(receipts.every((r) => r.status === "success")).toBe(true);
    const nonces = await Promise.all(txs.map(async (tx) => (await client.getTransaction({ hash: tx.tx_hash })).nonce));
    expect([...nonces].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await client.getBalance({ address: to })).toBe(parseEther("0.5"));
  }, 120_000);

  it("reconciles with the node's pending nonce when the address sent on its own", async () => {
    const agent = await intentAgent({}, "1");
    // A sign-only transaction broadcast by someone else moves the node's nonce, not the server's.
    const signed = await call("POST", `/v1/agents/${agent.id}/transactions/sign`, agent.token, { chain: "hardhat", to: randomAddress(), value: "0.01" });
    const { signed_tx } = (await signed.json()) as { signed_tx: Hex };
    await chainClient().waitForTransactionReceipt({ hash: await chainClient().sendRawTransaction({ serializedTransaction: signed_tx }) });
    const res = await submit(agent, { to: randomAddress(), value: "0.01" });
    expect(res.status).toBe(201);
    const tx = (await res.json()) as Tx;
    expect((await chainClient().waitForTransactionReceipt({ hash: tx.tx_hash })).status).toBe("success");
    expect((await chainClient().getTransaction({ hash: tx.tx_hash })).nonce).toBe(1);
  });
});

describe("a transaction the node refuses", () => {
  it("is recorded failed, releases its reservation and leaves no nonce gap", async () => {
    const agent = await intentAgent({ tx_daily_limit: "1.5" }, "2");
    const to = randomAddress();
    expect((await submit(agent, { to, value: "0.5" })).status).toBe(201);
    // Nonce 0 is used already: the node refuses the transaction.
    const refused = await submit(agent, { to, value: "0.9", nonce: 0 });
    expect(refused.status).toBe(201);
    const failed = (await refused.json()) as Tx;
    expect(failed).toMatchObject({ status: "failed", tx_hash: "", error_message: expect.stringMatching(/^the node refused the transaction: /) });
    // Its 0.9 no longer counts: 0.5 + 0.9 fits the limit of 1.5.
    const next = await submit(agent, { to, value: "0.9" });
    expect(next.status).toBe(201);
    const tx = (await next.json()) as Tx;
    expect((await chainClient().waitForTransactionReceipt({ hash: tx.tx_hash })).status).toBe("success");
    expect((await chainClient().getTransaction({ hash: tx.tx_hash })).nonce).toBe(1);
    expect(await chainClient().getBalance({ address: to })).toBe(parseEther("1.4"));
  });
});

describe("Idempotency-Key", () => {
  it("replays the same request, refuses another body (422) and one in flight (409)", async () => {
    const agent = await intentAgent();
    const to = randomAddress();
    const key = `key-${randomBytes(6).toString("hex")}`;
    const first = await submit(agent, { to, value: "0.2" }, { "idempotency-key": key });
    expect(first.status).toBe(201);
    const tx = (await first.json()) as Tx;
    const again = await submit(agent, { to, value: "0.2" }, { "idempotency-key": key });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(((await again.json()) as Tx).id).toBe(tx.id);
    // The stored answer stands even once the guardrails would refuse the request now.
    expect((await call("PATCH", `/v1/agents/${agent.id}`, human.token, { tx_max_value: "0.1" })).status).toBe(200);
    const afterChange = await submit(agent, { to, value: "0.2" }, { "idempotency-key": key });
    expect(afterChange.status).toBe(200);
    expect(((await afterChange.json()) as Tx).id).toBe(tx.id);
    expect((await submit(agent, { to, value: "0.2" })).status).toBe(403);
    expect((await call("PATCH", `/v1/agents/${agent.id}`, human.token, { tx_max_value: null })).status).toBe(200);
    const changed = await submit(agent, { to, value: "0.3" }, { "idempotency-key": key });
    expect(changed.status).toBe(422);
    expect(((await changed.json()) as { detail: string }).detail).toMatch(/was used for a different request/);
    expect(await chainClient().getBalance({ address: to })).toBe(parseEther("0.2"));

    // Held back at the node, a submission stays in flight: its twin is 409, and afterwards a replay.
    const slowKey = `${key}-slow`;
    node.setSendDelay(1500);
    try {
      const slow = submit(agent, { to, value: "0.01" }, { "idempotency-key": slowKey });
      await new Promise((r) => setTimeout(r, 600));
      const twin = await submit(agent, { to, value: "0.01" }, { "idempotency-key": slowKey });
      expect(twin.status).toBe(409);
      expect(((await twin.json()) as { detail: string }).detail).toMatch(/still in flight/);
      const done = await slow;
      expect(done.status).toBe(201);
      const replay = await submit(agent, { to, value: "0.01" }, { "idempotency-key": slowKey });
      expect(((await replay.json()) as Tx).id).toBe(((await done.json()) as Tx).id);
    } finally {
      node.setSendDelay(0);
    }
    expect(await chainClient().getBalance({ address: to })).toBe(parseEther("0.21"));
  });
});

/** Init code that deploys a contract whose every call reverts with Error("nope"). */
function revertingContractInitCode(): Hex {
  const selector = "08c379a0";
  const reason = Buffer.from("nope").toString("hex");
  const data = selector + (32).toString(16).padStart(64, "0") + (4).toString(16).padStart(64, "0") + reason.padEnd(64, "0");
  const len = (data.length / 2).toString(16).padStart(2, "0");
  // PUSH1 len PUSH1 12 PUSH1 0 CODECOPY PUSH1 len PUSH1 0 REVERT, then the revert data.
  const runtime = `60${len}600c600039` + `60${len}6000fd` + data;
  const runtimeLen = (runtime.length / 2).toString(16).padStart(2, "0");
  // PUSH1 rlen PUSH1 12 PUSH1 0 CODECOPY PUSH1 rlen PUSH1 0 RETURN, then the runtime.
  return `0x60${runtimeLen}600c600039` + `60${runtimeLen}6000f3` + runtime as Hex;
}

describe("simulation and sign-only", () => {
  it("answers a reverting simulate_first submission 422 with the decoded reason, using no nonce", async () => {
    const agent = await intentAgent({}, "1");
    const deploy = await node.rpc<Hex>("eth_sendTransaction", [{ from: FUNDER, data: revertingContractInitCode() }]);
    const { contractAddress } = await chainClient().waitForTransactionReceipt({ hash: deploy });
    const simulated = await call("POST", `/v1/agents/${agent.id}/transactions/simulate`, agent.token, { chain: "hardhat", to: contractAddress, value: "0" });
    expect(simulated.status).toBe(200);
    expect(await simulated.json()).toMatchObject({ status: "reverted", revert_reason: "nope", error_code: "execution_reverted" });

    const res = await submit(agent, { to: contractAddress, value: "0", simulate_first: true });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/^transaction [0-9a-f-]{36}: simulation reverted: nope$/);
    const { transactions } = (await (await call("GET", `/v1/agents/${agent.id}/transactions`, agent.token)).json()) as { transactions: Tx[] };
    expect(transactions).toEqual([expect.objectContaining({ status: "simulation_failed", simulation_status: "reverted", error_message: "simulation reverted: nope" })]);
    expect(await chainClient().getTransactionCount({ address: agent.address })).toBe(0);

    const fine = await call("POST", `/v1/agents/${agent.id}/transactions/simulate`, agent.token, { chain: "hardhat", to: randomAddress(), value: "0.5" });
    const body = (await fine.json()) as { status: string; gas_used: number; balance_changes: { change: string }[] };
    expect(body.status).toBe("success");
    expect(body.gas_used).toBeGreaterThanOrEqual(21000);
    expect(body.gas_used).toBeLessThan(22000);
    expect(body.balance_changes.map((c) => c.change)).toEqual([String(-parseEther("0.5")), String(parseEther("0.5"))]);
  });

  it("signs without broadcasting, counted toward the limits", async () => {
    const agent = await intentAgent({ tx_daily_limit: "1" }, "2");
    const to = randomAddress();
    const res = await call("POST", `/v1/agents/${agent.id}/transactions/sign`, agent.token, { chain: "hardhat", to, value: "0.75" });
    expect(res.status).toBe(200);
    const signed = (await res.json()) as { signed_tx: TransactionSerialized; tx_hash: Hex; from: string; status: string; nonce: number; value_wei: string };
    expect(signed).toMatchObject({ status: "sign_only", from: agent.address, nonce: 0, value_wei: String(parseEther("0.75")) });
    expect(await recoverTransactionAddress({ serializedTransaction: signed.signed_tx })).toBe(agent.address);
    expect(await chainClient().getTransactionCount({ address: agent.address })).toBe(0);
    const over = await call("POST", `/v1/agents/${agent.id}/transactions/sign`, agent.token, { chain: "hardhat", to, value: "0.5" });
    expect(over.status).toBe(403);
    // Its holder broadcasts it.
    const hash = await chainClient().sendRawTransaction({ serializedTransaction: signed.signed_tx });
    expect(hash).toBe(signed.tx_hash);
    expect((await chainClient().waitForTransactionReceipt({ hash })).status).toBe("success");
    const events = (await (await call("GET", `/v1/audit/events?action=transaction.sign&actor_id=${agent.id}`, human.token)).json()) as { events: unknown[] };
    expect(events.events).toHaveLength(1);
  });
});

describe("the same flow over gRPC and Connect", () => {
  it("submits, replays by idempotency-key metadata, reads back and is refused by a guardrail over grpc-js", async () => {
    const agent = await intentAgent({ tx_max_value: "1" });
    const intents = grpcJsClient(IntentService, server.port);
    const md = { authorization: `Bearer ${agent.token}`, "idempotency-key": `grpc-${randomBytes(4).toString("hex")}` };
    const to = randomAddress();
    type Submitted = { transaction: { id: string; status: string; txHash: string; valueWei: string; signedTx?: string } };
    const sent = await grpcJsUnary<Submitted>(intents, "submitTransaction", { agentId: agent.id, chain: "hardhat", to, value: "0.25" }, md);
    expect(sent.transaction).toMatchObject({ status: "broadcast", valueWei: String(parseEther("0.25")) });
    expect((await chainClient().waitForTransactionReceipt({ hash: sent.transaction.txHash as Hex })).status).toBe("success");
    const replayed = await grpcJsUnary<Submitted>(intents, "submitTransaction", { agentId: agent.id, chain: "hardhat", to, value: "0.25" }, md);
    expect(replayed.transaction.id).toBe(sent.transaction.id);
    const got = await grpcJsUnary<Submitted>(intents, "getTransaction", { agentId: agent.id, txId: sent.transaction.id }, { authorization: md.authorization });
    expect(got.transaction.signedTx).toBeUndefined();
    const denied = await grpcJsUnary(intents, "submitTransaction", { agentId: agent.id, chain: "hardhat", to, value: "2" }, { authorization: md.authorization }).then(
      () => undefined,
      (error: ServiceError) => error,
    );
    expect(denied?.code).toBe(Code.PermissionDenied);
    expect(decodeURIComponent(denied?.details ?? "")).toMatch(/^guardrail tx_max_value: /);
    intents.close();
    expect(await chainClient().getBalance({ address: to })).toBe(parseEther("0.25"));
  });

  it("lists chains, makes a key, submits, simulates a revert and signs over Connect", async () => {
    const transport = createConnectTransport({ baseUrl: server.url, httpVersion: "2" });
    const intents = createClient(IntentService, transport);
    expect((await intents.listChains({})).chains.map((c) => c.name)).toEqual(["hardhat"]);
    expect((await intents.getChain({ identifier: String(CHAIN_ID) })).chain?.name).toBe("hardhat");
    const agent = await intentAgent({}, "1");
    const headers = { authorization: `Bearer ${agent.token}` };
    const humanHeaders = { authorization: `Bearer ${human.token}` };
    expect((await intents.listSigningKeys({ agentId: agent.id }, { headers })).keys.map((k) => k.address)).toEqual([agent.address]);
    const byAgent = await intents.createSigningKey({ agentId: agent.id, chain: "ethereum" }, { headers }).catch((e: unknown) => ConnectError.from(e));
    expect(byAgent).toMatchObject({ code: Code.PermissionDenied });
    const to = randomAddress();
    const { transaction } = await intents.submitTransaction({ agentId: agent.id, chain: "hardhat", to, value: "0.01" }, { headers });
    expect(transaction?.status).toBe("broadcast");
    await chainClient().waitForTransactionReceipt({ hash: transaction!.txHash as Hex });
    const listed = await intents.listTransactions({ agentId: agent.id, includeSignedTx: true }, { headers: humanHeaders });
    expect(listed.transactions.map((t) => [t.id, t.signedTx === transaction?.signedTx])).toEqual([[transaction!.id, true]]);
    const signed = await intents.signTransaction({ agentId: agent.id, chain: "hardhat", to, value: "0.01" }, { headers });
    expect(signed).toMatchObject({ status: "sign_only", nonce: 1, from: agent.address });
    const simulated = await intents.simulateTransaction({ agentId: agent.id, chain: "hardhat", to, value: "5" }, { headers });
    // More than the key holds.
    expect(simulated).toMatchObject({ status: "error", error: expect.stringMatching(/^insufficient funds: 0x[0-9a-fA-F]{40} holds \d+ wei and the transaction sends 5000000000000000000 wei$/) });
  });
});

describe.skipIf(!curlTool.available)("the seed's register-agent curl with intents_api_enabled, then a submission", () => {
  async function curl(args: string[]): Promise<{ status: number; json: Record<string, unknown> }> {
    const { stdout } = await run("curl", ["-s", "-w", "\n%{http_code}", ...args]);
    const cut = stdout.lastIndexOf("\n");
    return { status: Number(stdout.slice(cut + 1)), json: JSON.parse(stdout.slice(0, cut) || "{}") as Record<string, unknown> };
  }

  it("registers the DeFi Bot and has it send ETH", async () => {
    const base = server.url;
    // Seed 004, "Example request", verbatim but for the host and token.
    const registered = await curl([
      "-X", "POST", `${base}/v1/agents`,
      "-H", `Authorization: Bearer ${human.token}`,
      "-H", "Content-Type: application/json",
      "-d", `{
"name": "DeFi Bot",
"description": "Automated trading agent",
"intents_api_enabled": true,
"scopes": ["vaults:read"]
}`,
    ]);
    expect(registered.status).toBe(201);
    const agent = registered.json.agent as Record<string, unknown>;
    expect(agent).toMatchObject({ name: "DeFi Bot", intents_api_enabled: true, is_active: true, scopes: ["vaults:read"] });
    const apiKey = registered.json.api_key as string;
    expect(apiKey).toMatch(/^ocv_/);
    const key = await curl(["-X", "POST", `${base}/v1/agents/${agent.id}/signing-keys`, "-H", `Authorization: Bearer ${human.token}`, "-H", "Content-Type: application/json", "-d", '{"chain":"ethereum"}']);
    expect(key.status).toBe(201);
    await fund(key.json.address as Hex, "1");
    const token = await curl(["-X", "POST", `${base}/v1/auth/agent-token`, "-H", "Content-Type: application/json", "-d", JSON.stringify({ agent_id: agent.id, api_key: apiKey })]);
    const to = randomAddress();
    const sent = await curl([
      "-X", "POST", `${base}/v1/agents/${agent.id}/transactions`,
      "-H", `Authorization: Bearer ${token.json.access_token as string}`,
      "-H", "Content-Type: application/json",
      "-H", "Idempotency-Key: defi-bot-1",
      "-d", JSON.stringify({ to, value: "0.05", chain: "hardhat" }),
    ]);
    expect(sent.status).toBe(201);
    expect(sent.json).toMatchObject({ status: "broadcast", agent_id: agent.id, value_wei: String(parseEther("0.05")) });
    expect((await chainClient().waitForTransactionReceipt({ hash: sent.json.tx_hash as Hex })).status).toBe("success");
    expect(await chainClient().getBalance({ address: to })).toBe(parseEther("0.05"));
  });
});

describe("a bad CLAWKEEP_CHAINS file", () => {
  it("stops npm start with a sentence naming the entry and field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "clawkeep-chains-bad-"));
    const file = join(dir, "chains.json");
    writeFileSync(file, JSON.stringify([{ name: "base", chain_id: 8453, rpc_url: "https://mainnet.base.org" }, { name: "optimism", chain_id: 10, rpc_url: "optimism.io" }]));
    const { code, output } = await runServerToExit({ CLAWKEEP_CHAINS: file, CLAWKEEP_DATA_DIR: dir });
    expect(code).toBe(2);
    expect(output.trim()).toBe(`clawkeep: CLAWKEEP_CHAINS (${file}) entry 1 ("optimism"): rpc_url is not a URL`);
  });
});

describe("without chains configured", () => {
  it("answers a submission 400 saying how to configure one", async () => {
    const bare = await startTestServer();
    try {
      const bareCall = restCaller(bare.url);
      const owner = await restSignup(bareCall);
      const { agent, api_key } = (await (await bareCall("POST", "/v1/agents", owner.token, { name: "no chains", intents_api_enabled: true })).json()) as { agent: { id: string }; api_key: string };
      const { access_token } = (await (await bareCall("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.id, api_key })).json()) as { access_token: string };
      expect(((await (await bareCall("GET", "/v1/chains")).json()) as { chains: unknown[] }).chains).toEqual([]);
      const res = await bareCall("POST", `/v1/agents/${agent.id}/transactions`, access_token, { chain: "base", to: randomAddress(), value: "0.1" });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/^this server has no chains configured; set CLAWKEEP_CHAINS to a JSON file listing them/);
    } finally {
      await bare.close();
    }
  });
});

describe("a broadcast whose answer never comes", () => {
  it("is recorded signed with its hash, reconciled by hash when read, and its nonce is never reused", async () => {
    const impatient = await startTestServer({ env: { CLAWKEEP_CHAINS: node.chainsFile, CLAWKEEP_CHAIN_RPC_TIMEOUT_MS: "1000" } });
    try {
      const c = restCaller(impatient.url);
      const owner = await restSignup(c);
      const { agent, api_key } = (await (await c("POST", "/v1/agents", owner.token, { name: "impatient", intents_api_enabled: true })).json()) as { agent: { id: string }; api_key: string };
      const { address } = (await (await c("POST", `/v1/agents/${agent.id}/signing-keys`, owner.token, { chain: "ethereum" })).json()) as { address: Hex };
      await fund(address, "1");
      const { access_token } = (await (await c("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.id, api_key })).json()) as { access_token: string };
      const to = randomAddress();
      // The relay hands the transaction to the node only after the server stopped waiting.
      node.setSendDelay(2500);
      let tx: Tx;
      try {
        const res = await c("POST", `/v1/agents/${agent.id}/transactions`, access_token, { chain: "hardhat", to, value: "0.1" });
        expect(res.status).toBe(201);
        tx = (await res.json()) as Tx;
      } finally {
        node.setSendDelay(0);
      }
      expect(tx).toMatchObject({ status: "signed", error_message: expect.stringMatching(/^broadcast outcome unknown \(.*\); reconciled by tx_hash, never re-signed$/) });
      expect((await chainClient().waitForTransactionReceipt({ hash: tx.tx_hash })).status).toBe("success");
      const read = (await (await c("GET", `/v1/agents/${agent.id}/transactions/${tx.id}`, access_token)).json()) as Tx;
      expect(read).toMatchObject({ id: tx.id, status: "broadcast", error_message: "" });
      const next = (await (await c("POST", `/v1/agents/${agent.id}/transactions`, access_token, { chain: "hardhat", to, value: "0.1" })).json()) as Tx;
      expect((await chainClient().waitForTransactionReceipt({ hash: next.tx_hash })).status).toBe("success");
      expect((await chainClient().getTransaction({ hash: next.tx_hash })).nonce).toBe(1);
      expect(await chainClient().getBalance({ address: to })).toBe(parseEther("0.2"));
    } finally {
      await impatient.close();
    }
  });
});

describe("with the chain's node down", () => {
  it("answers 503 naming the chain, records the submission failed and releases it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "clawkeep-chains-down-"));
    const file = join(dir, "chains.json");
    writeFileSync(file, JSON.stringify([{ name: "gone", chain_id: 999001, rpc_url: `http://127.0.0.1:${await freePort()}` }]));
    const down = await startTestServer({ env: { CLAWKEEP_CHAINS: file } });
    try {
      const c = restCaller(down.url);
      const owner = await restSignup(c);
      const { agent, api_key } = (await (await c("POST", "/v1/agents", owner.token, { name: "stranded", intents_api_enabled: true, tx_max_per_day: 1 })).json()) as { agent: { id: string }; api_key: string };
      expect((await c("POST", `/v1/agents/${agent.id}/signing-keys`, owner.token, { chain: "ethereum" })).status).toBe(201);
      const { access_token } = (await (await c("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.id, api_key })).json()) as { access_token: string };
      const body = { chain: "gone", to: randomAddress(), value: "0.1" };
      for (const path of ["transactions", "transactions/simulate", "transactions"]) {
        const res = await c("POST", `/v1/agents/${agent.id}/${path}`, access_token, body);
        expect(res.status, path).toBe(503);
        expect(((await res.json()) as { detail: string }).detail, path).toMatch(/the gone node did not answer/);
      }
      // Both submissions were recorded failed; neither used up the one transaction a day allowed.
      const { transactions } = (await (await c("GET", `/v1/agents/${agent.id}/transactions`, owner.token)).json()) as { transactions: Tx[] };
      expect(transactions.map((t) => t.status)).toEqual(["failed", "failed"]);
    } finally {
      await down.close();
    }
  });
});

describe.skipIf(!process.env.DATABASE_URL)("Idempotency-Key across two instances on one database", () => {
  it("answers 409 on one instance while the other is still sending, then the stored transaction", async () => {
    const pair = await startInstancePair({ CLAWKEEP_CHAINS: node.chainsFile });
    try {
      const [a, b] = [restCaller(pair.a.url), restCaller(pair.b.url)];
      const owner = await restSignup(a);
      const { agent, api_key } = (await (await a("POST", "/v1/agents", owner.token, { name: "two instances", intents_api_enabled: true })).json()) as { agent: { id: string }; api_key: string };
      const { address } = (await (await a("POST", `/v1/agents/${agent.id}/signing-keys`, owner.token, { chain: "ethereum" })).json()) as { address: Hex };
      await fund(address, "1");
      const { access_token } = (await (await b("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.id, api_key })).json()) as { access_token: string };
      const to = randomAddress();
      const body = { chain: "hardhat", to, value: "0.1" };
      const headers = { "idempotency-key": "across-instances" };
      node.setSendDelay(1500);
      let first: Response;
      try {
        const pending = a("POST", `/v1/agents/${agent.id}/transactions`, access_token, body, headers);
        await new Promise((r) => setTimeout(r, 600));
        const twin = await b("POST", `/v1/agents/${agent.id}/transactions`, access_token, body, headers);
        expect(twin.status).toBe(409);
        first = await pending;
      } finally {
        node.setSendDelay(0);
      }
      expect(first.status).toBe(201);
      const stored = (await first.json()) as Tx;
      const replay = await b("POST", `/v1/agents/${agent.id}/transactions`, access_token, body, headers);
      expect(replay.status).toBe(200);
      expect(((await replay.json()) as Tx).id).toBe(stored.id);
      const other = await b("POST", `/v1/agents/${agent.id}/transactions`, access_token, { ...body, value: "0.2" }, headers);
      expect(other.status).toBe(422);
      await chainClient().waitForTransactionReceipt({ hash: stored.tx_hash });
      expect(await chainClient().getBalance({ address: to })).toBe(parseEther("0.1"));
    } finally {
      await pair.close();
    }
  });
});

describe("signing_key_path and the organisation's simulation requirement", () => {
  it("signs with a private_key secret the agent's own policies let it use, which it still cannot read", async () => {
    const agent = await intentAgent({}, "0");
    const { id: vaultId } = (await (await call("POST", "/v1/vaults", human.token, { name: `treasury-${randomBytes(3).toString("hex")}` })).json()) as { id: string };
    const privateKey = generatePrivateKey();
    const treasury = privateKeyToAccount(privateKey);
    expect((await call("PUT", `/v1/vaults/${vaultId}/secrets/keys/treasury-signer`, human.token, { value: privateKey, type: "private_key" })).status).toBe(201);
    expect((await call("PUT", `/v1/vaults/${vaultId}/secrets/keys/unshared`, human.token, { value: generatePrivateKey(), type: "private_key" })).status).toBe(201);
    expect((await call("PUT", `/v1/vaults/${vaultId}/secrets/wallets/note`, human.token, { value: "not a key", type: "api_key" })).status).toBe(201);
    for (const pattern of ["keys/treasury-signer", "wallets/**"]) {
      const policy = await call("POST", `/v1/vaults/${vaultId}/policies`, human.token, { secret_path_pattern: pattern, principal_type: "agent", principal_id: agent.id, permissions: ["read"] });
      expect(policy.status).toBe(201);
    }
    await fund(treasury.address, "1");
    const to = randomAddress();
    const res = await submit(agent, { to, value: "0.3", signing_key_path: "keys/treasury-signer" });
    expect(res.status, await res.clone().text()).toBe(201);
    const tx = (await res.json()) as Tx;
    const receipt = await chainClient().waitForTransactionReceipt({ hash: tx.tx_hash });
    expect(receipt.from.toLowerCase()).toBe(treasury.address.toLowerCase());
    expect(await chainClient().getBalance({ address: to })).toBe(parseEther("0.3"));
    // Still no direct read of it.
    expect((await call("GET", `/v1/vaults/${vaultId}/secrets/keys/treasury-signer`, agent.token)).status).toBe(403);

    const refusals: [string, number, RegExp][] = [
      ["keys/unshared", 403, /no policy allows you to read "keys\/unshared"/],
      ["wallets/note", 400, /is a api_key secret; a signing key must be a private_key secret/],
      ["secrets/keys/treasury-signer", 400, /signing_key_path must lie under keys\/, wallets\/, agents\//],
      [`agents/${randomBytes(4).toString("hex")}/keys/x`, 400, /signing_key_path must lie under/],
      ["keys/missing", 400, /no vault you can see holds a secret there/],
    ];
    for (const [path, status, detail] of refusals) {
      const refused = await submit(agent, { to, value: "0.01", signing_key_path: path });
      expect(refused.status, path).toBe(status);
      expect(((await refused.json()) as { detail: string }).detail, path).toMatch(detail);
    }
  });

  it("simulates every transaction when the organisation requires it", async () => {
    const owner = await restSignup(call);
    const created = await call("POST", "/v1/agents", owner.token, { name: "careful bot", intents_api_enabled: true });
    const { agent, api_key } = (await created.json()) as { agent: { id: string }; api_key: string };
    const { address } = (await (await call("POST", `/v1/agents/${agent.id}/signing-keys`, owner.token, { chain: "ethereum" })).json()) as { address: Hex };
    await fund(address, "1");
    const { access_token } = (await (await call("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.id, api_key })).json()) as { access_token: string };
    const deploy = await node.rpc<Hex>("eth_sendTransaction", [{ from: FUNDER, data: revertingContractInitCode() }]);
    const { contractAddress } = await chainClient().waitForTransactionReceipt({ hash: deploy });
    const send = () => call("POST", `/v1/agents/${agent.id}/transactions`, access_token, { chain: "hardhat", to: contractAddress, value: "0", gas_limit: 100000 });

    // Not required: the reverting call is signed and mined (and fails on chain).
    const unchecked = await send();
    expect(unchecked.status).toBe(201);
    expect((await chainClient().waitForTransactionReceipt({ hash: ((await unchecked.json()) as Tx).tx_hash })).status).toBe("reverted");

    const settings = await call("PATCH", "/v1/org/settings", owner.token, { intents_require_simulation: true });
    expect(settings.status).toBe(200);
    expect(await settings.json()).toEqual({ agent_key_claim: true, intents_require_simulation: true });
    const refused = await send();
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/simulation reverted: nope$/);
    expect(await chainClient().getTransactionCount({ address })).toBe(1);
  });
});
