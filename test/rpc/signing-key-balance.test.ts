// GetSigningKeyBalance through the real routes, against a real local EVM node (Hardhat): the
// active key's address and native balance on a configured chain, for the callers of
// ListSigningKeys; 404 for an unknown chain or no active key, 503 naming a chain whose node does
// not answer.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { IntentService } from "../../gen/ts/clawkeep/v1/intents_pb.js";
import { CHAIN_ID, startEvmNode, type EvmNode } from "../support/evm-node.js";
import { freePort } from "../support/server.js";
import { createHarness, NO_RATE_LIMIT, type Harness, statusOf as status } from "./harness.js";
import { invitedMember, signUp, type Person } from "./people.js";

let node: EvmNode;
let harness: Harness;
let intents: Client<typeof IntentService>;
let agents: Client<typeof AgentService>;
let owner: Person;

beforeAll(async () => {
  node = await startEvmNode();
  // The node as "hardhat", and a chain whose node is not there (a free port nobody listens on).
  const dir = mkdtempSync(join(tmpdir(), "clawkeep-balance-"));
  const chainsFile = join(dir, "chains.json");
  writeFileSync(
    chainsFile,
    JSON.stringify([
      { name: "hardhat", chain_id: CHAIN_ID, rpc_url: node.relayUrl, native_currency: "ETH" },
      { name: "offline", chain_id: 999_001, rpc_url: `http://127.0.0.1:${await freePort()}`, native_currency: "OFF", decimals: 6 },
    ]),
  );
  harness = await createHarness({ env: { ...NO_RATE_LIMIT, CLAWKEEP_CHAINS: chainsFile, CLAWKEEP_CHAIN_RPC_TIMEOUT_MS: "2000" } });
  intents = createClient(IntentService, harness.transport);
  agents = createClient(AgentService, harness.transport);
  owner = await signUp(harness.transport);
}, 120_000);
afterAll(async () => {
  await harness?.close();
  await node?.stop();
});

const as = (person: Person) => ({ headers: person.headers });
const wei = (n: bigint) => `0x${n.toString(16)}`;

async function agentWithKey(): Promise<{ id: string; apiKey: string; address: string }> {
  const created = await agents.createAgent({ name: "payer", intentsApiEnabled: true }, as(owner));
  const { signingKey } = await intents.createSigningKey({ agentId: created.agent!.id, chain: "ethereum" }, as(owner));
  return { id: created.agent!.id, apiKey: created.apiKey, address: signingKey!.address! };
}

describe("GetSigningKeyBalance", () => {
  it("reads the active key's balance from the chain's node, in wei and in ETH", async () => {
    const agent = await agentWithKey();
    expect(await intents.getSigningKeyBalance({ agentId: agent.id, chain: "hardhat" }, as(owner))).toMatchObject({
      chain: "hardhat",
      address: agent.address,
      balanceWei: "0",
      balanceDisplay: "0",
      nativeCurrency: "ETH",
    });
    await node.rpc("hardhat_setBalance", [agent.address, wei(1_500_000_000_000_000_000n)]);
    expect(await intents.getSigningKeyBalance({ agentId: agent.id, chain: "hardhat" }, as(owner))).toMatchObject({
      balanceWei: "1500000000000000000",
      balanceDisplay: "1.5",
    });
    // By numeric chain id too, as GetChain; one wei shows every decimal.
    await node.rpc("hardhat_setBalance", [agent.address, wei(1_000_000_000_000_000_001n)]);
    expect(await intents.getSigningKeyBalance({ agentId: agent.id, chain: String(CHAIN_ID) }, as(owner))).toMatchObject({
      chain: "hardhat",
      balanceWei: "1000000000000000001",
      balanceDisplay: "1.000000000000000001",
    });
  });

  it("follows a rotation to the new key's address", async () => {
    const agent = await agentWithKey();
    await node.rpc("hardhat_setBalance", [agent.address, wei(2n * 10n ** 18n)]);
    const { signingKey } = await intents.rotateSigningKey({ agentId: agent.id, chain: "ethereum" }, as(owner));
    expect(signingKey!.address).not.toBe(agent.address);
    expect(await intents.getSigningKeyBalance({ agentId: agent.id, chain: "hardhat" }, as(owner))).toMatchObject({ address: signingKey!.address, balanceWei: "0" });
  });

  it("is 404 without an active key, and for a chain that is not configured", async () => {
    const bare = (await agents.createAgent({ name: "keyless" }, as(owner))).agent!.id;
    expect(await status(intents.getSigningKeyBalance({ agentId: bare, chain: "hardhat" }, as(owner)))).toEqual([404, `agent ${bare} has no active ethereum signing key`]);
    const agent = await agentWithKey();
    await intents.deactivateSigningKey({ agentId: agent.id, chain: "ethereum" }, as(owner));
    expect((await status(intents.getSigningKeyBalance({ agentId: agent.id, chain: "hardhat" }, as(owner))))[0]).toBe(404);
    expect(await status(intents.getSigningKeyBalance({ agentId: agent.id, chain: "nope" }, as(owner)))).toEqual([404, 'no chain "nope" is configured']);
    expect(await status(intents.getSigningKeyBalance({ agentId: agent.id, chain: " " }, as(owner)))).toEqual([
      400,
      'chain is required: a configured chain\'s name such as "base" or its numeric chain id',
    ]);
  });

  it("is 503 naming the chain when its node does not answer", async () => {
    const agent = await agentWithKey();
    const [code, detail] = await status(intents.getSigningKeyBalance({ agentId: agent.id, chain: "offline" }, as(owner)));
    expect([code, detail]).toEqual([503, "the offline node did not answer the balance request; try again later"]);
  });

  it("answers the callers of ListSigningKeys: the agent itself and humans of its organisation", async () => {
    const agent = await agentWithKey();
    const member = await invitedMember(harness.transport, owner);
    expect((await intents.getSigningKeyBalance({ agentId: agent.id, chain: "hardhat" }, as(member))).address).toBe(agent.address);
    const { accessToken } = await createClient(AuthService, harness.transport).exchangeAgentToken({ apiKey: agent.apiKey });
    const self = { headers: { authorization: `Bearer ${accessToken}` } };
    expect((await intents.getSigningKeyBalance({ agentId: agent.id, chain: "hardhat" }, self)).address).toBe(agent.address);
    // Another agent's key, or another organisation's agent: 404, as for ListSigningKeys.
    const other = await agentWithKey();
    expect((await status(intents.getSigningKeyBalance({ agentId: other.id, chain: "hardhat" }, self)))[0]).toBe(404);
    expect((await status(intents.listSigningKeys({ agentId: other.id }, self)))[0]).toBe(404);
    const stranger = await signUp(harness.transport);
    expect(await status(intents.getSigningKeyBalance({ agentId: agent.id, chain: "hardhat" }, as(stranger)))).toEqual([404, `agent ${agent.id} not found`]);
  });
});
