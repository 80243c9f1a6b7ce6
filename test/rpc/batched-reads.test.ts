// Secret reads and token exchanges that arrive together go to the database together: one
// statement reads and audits many of them. Each caller must still get exactly its own answer (its
// secret, its refusal, its token) and its own audit event, whoever it shared a statement with.
import { ConnectError, createClient } from "@connectrpc/connect";
import { decodeJwt } from "jose";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { createHarness, httpStatusOf, NO_RATE_LIMIT, type Harness } from "./harness.js";
import { signUp, type Person } from "./people.js";

const PATHS = 12;

interface Agent {
  id: string;
  apiKey: string;
  headers: { authorization: string };
}

interface Org {
  owner: Person;
  vaultId: string;
  reader: Agent;
  /** Intents API enabled: refused signing keys, whatever its policy says. */
  signer: Agent;
}

let harness: Harness;
const orgs: Org[] = [];
const query = pg.Client.prototype.query;
/** Names of the prepared statements the driver was asked to run. */
let named: string[] = [];

const vaults = () => createClient(VaultService, harness.transport);
const auth = () => createClient(AuthService, harness.transport);

async function agentOf(org: { owner: Person; vaultId: string }, name: string, intentsApiEnabled = false): Promise<Agent> {
  const created = await createClient(AgentService, harness.transport).createAgent({ name, intentsApiEnabled }, { headers: org.owner.headers });
  await vaults().createPolicy(
    { vaultId: org.vaultId, secretPathPattern: "**", principalType: "agent", principalId: created.agent!.id, permissions: ["read"] },
    { headers: org.owner.headers },
  );
  const { accessToken } = await auth().exchangeAgentToken({ agentId: created.agent!.id, apiKey: created.apiKey });
  return { id: created.agent!.id, apiKey: created.apiKey, headers: { authorization: `Bearer ${accessToken}` } };
}

beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
  for (const name of ["north", "south"]) {
    const owner = await signUp(harness.transport);
    const vaultId = (await vaults().createVault({ name }, { headers: owner.headers })).vault!.id;
    for (let i = 0; i < PATHS; i++) await vaults().putSecret({ vaultId, path: `s/${i}`, value: `${name}-${i}`, type: "api_key" }, { headers: owner.headers });
    await vaults().putSecret({ vaultId, path: "keys/hot", value: `${name}-0xkey`, type: "private_key" }, { headers: owner.headers });
    await vaults().putSecret({ vaultId, path: "gone", value: "soon deleted", type: "note" }, { headers: owner.headers });
    await vaults().deleteSecret({ vaultId, path: "gone" }, { headers: owner.headers });
    const org = { owner, vaultId };
    orgs.push({ ...org, reader: await agentOf(org, "reader"), signer: await agentOf(org, "signer", true) });
  }
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const name = (args[0] as { name?: string } | undefined)?.name;
    if (name) named.push(name);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
});
afterAll(async () => {
  pg.Client.prototype.query = query;
  await harness?.close();
});

/** What a call answered: its value, or its HTTP status and message. */
async function outcome(call: Promise<{ secret?: { value: string } }>): Promise<string> {
  try {
    return `value ${(await call).secret?.value}`;
  } catch (error) {
    const e = ConnectError.from(error);
    return `${httpStatusOf(e)} ${e.rawMessage}`;
  }
}

/** secret.read events since `since`, as "actor secret_id" strings, sorted. */
async function readEventsSince(since: Date): Promise<string[]> {
  const rows: { actor_id: string; secret_id: string }[] = await harness.database.dataSource.query(
    `SELECT "actor_id", "details"->>'secret_id' AS "secret_id" FROM "clawkeep_audit_events" WHERE "action" = 'secret.read' AND "created_at" >= $1`,
    [since],
  );
  return rows.map((r) => `${r.actor_id} ${r.secret_id}`).sort();
}

describe("reads that arrive together", () => {
  it("answers each caller with its own secret or refusal, and audits each read once, as its reader", async () => {
    const since = new Date();
    type Read = { who: Agent | Person; org: Org; path: string; expected: string; auditedAs?: string };
    const reads: Read[] = [];
    for (const [o, org] of orgs.entries()) {
      const name = o === 0 ? "north" : "south";
      for (let i = 0; i < PATHS; i++) {
        reads.push({ who: org.reader, org, path: `s/${i}`, expected: `value ${name}-${i}`, auditedAs: org.reader.id });
        reads.push({ who: org.signer, org, path: `s/${(i + 5) % PATHS}`, expected: `value ${name}-${(i + 5) % PATHS}`, auditedAs: org.signer.id });
        reads.push({ who: org.owner, org, path: `s/${(i + 7) % PATHS}`, expected: `value ${name}-${(i + 7) % PATHS}`, auditedAs: org.owner.id });
      }
      reads.push({ who: org.signer, org, path: "keys/hot", expected: "403 agents with the Intents API enabled cannot read private_key secrets; ask the server to sign instead" });
      reads.push({ who: org.reader, org, path: "keys/hot", expected: `value ${name}-0xkey`, auditedAs: org.reader.id });
      reads.push({ who: org.reader, org, path: "gone", expected: '410 secret "gone" has been deleted' });
      reads.push({ who: org.reader, org, path: "never", expected: `404 no secret at "never" in vault ${org.vaultId}` });
    }
    // Interleaved, so that every statement mixes organisations, readers and outcomes.
    const shuffled = reads.map((read, i) => ({ read, key: (i * 7919) % reads.length })).sort((a, b) => a.key - b.key).map((x) => x.read);
    named = [];
    const answers = await Promise.all(shuffled.map((r) => outcome(vaults().getSecret({ vaultId: r.org.vaultId, path: r.path }, { headers: r.who.headers }))));
    expect(answers).toEqual(shuffled.map((r) => r.expected));
    // Together, not one by one.
    const statements = named.filter((name) => name === "clawkeep_secret_read_latest").length;
    expect(statements).toBeLessThan(shuffled.length / 2);
    // One event per value served, with the reader as its actor and the secret it read.
    const secretIds = new Map<string, string>();
    for (const org of orgs) {
      const { secrets } = await vaults().listSecrets({ vaultId: org.vaultId }, { headers: org.owner.headers });
      for (const s of secrets) secretIds.set(`${org.vaultId}/${s.path}`, s.id);
    }
    const expectedEvents = shuffled.filter((r) => r.auditedAs).map((r) => `${r.auditedAs} ${secretIds.get(`${r.org.vaultId}/${r.path}`)}`);
    expect(await readEventsSince(since)).toEqual(expectedEvents.sort());
  });
});

describe("exchanges that arrive together", () => {
  it("gives each agent a token of its own, refuses a wrong key alone, and records each exchange once", async () => {
    const fleet: Agent[] = [];
    for (const org of orgs) for (let i = 0; i < 10; i++) fleet.push(await agentOf(org, `fleet ${i}`));
    const since = new Date();
    named = [];
    const exchanges = fleet.flatMap((agent, i) => [
      { agent, apiKey: agent.apiKey, ok: true },
      // Another agent's key with this agent's id: refused, as an unknown key would be.
      ...(i % 4 === 0 ? [{ agent, apiKey: fleet[(i + 1) % fleet.length].apiKey, ok: false }] : []),
    ]);
    const answers = await Promise.all(
      exchanges.map(({ agent, apiKey }) =>
        auth()
          .exchangeAgentToken({ agentId: agent.id, apiKey })
          .then(
            (res) => `token for ${String(decodeJwt(res.accessToken).sub)}`,
            (error: unknown) => `${httpStatusOf(ConnectError.from(error))} ${ConnectError.from(error).rawMessage}`,
          ),
      ),
    );
    expect(answers).toEqual(exchanges.map((e) => (e.ok ? `token for agent:${e.agent.id}` : "401 unknown or wrong agent API key")));
    expect(named.filter((name) => name === "clawkeep_agent_exchange").length).toBeLessThan(exchanges.length / 2);
    const rows: { actor_id: string; org_id: string }[] = await harness.database.dataSource.query(
      `SELECT "actor_id", "org_id" FROM "clawkeep_audit_events" WHERE "action" = 'agent.token_exchange' AND "created_at" >= $1`,
      [since],
    );
    expect(rows.map((r) => r.actor_id).sort()).toEqual(fleet.map((a) => a.id).sort());
  });
});
