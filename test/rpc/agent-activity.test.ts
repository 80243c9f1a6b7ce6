// Agent.last_active_at: the time of the agent's newest audit event as actor, filled by GetAgent,
// ListAgents and GetAgentSelf; absent until the agent acts. Read from the audit log, so the token
// exchange writes nothing to the agent's row, and the read is one indexed probe per agent.
import { AsyncLocalStorage } from "node:async_hooks";
import { createClient, type Client } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuditService } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { createHarness, NO_RATE_LIMIT, type Harness } from "./harness.js";
import { signUp, type Person } from "./people.js";

let harness: Harness;
let agents: Client<typeof AgentService>;
let auth: Client<typeof AuthService>;
let owner: Person;
beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
  agents = createClient(AgentService, harness.transport);
  auth = createClient(AuthService, harness.transport);
  owner = await signUp(harness.transport);
});
afterAll(async () => {
  await harness?.close();
});

const as = (person: Person) => ({ headers: person.headers });
const lastActive = async (agentId: string) => {
  const at = (await agents.getAgent({ agentId }, as(owner))).agent?.lastActiveAt;
  return at ? timestampDate(at).toISOString() : undefined;
};
/** The newest audit event the agent is the actor of, as the audit API shows it. */
async function newestEventOf(agentId: string): Promise<{ action: string; createdAt: string }> {
  const { events } = await createClient(AuditService, harness.transport).queryAuditEvents({ actorId: agentId, limit: 1 }, as(owner));
  return { action: events[0].action, createdAt: timestampDate(events[0].createdAt!).toISOString() };
}

describe("last_active_at", () => {
  it("is absent until the agent acts, then the time of its newest audited action", async () => {
    const created = await agents.createAgent({ name: "idle" }, as(owner));
    const id = created.agent!.id;
    expect(created.agent?.lastActiveAt).toBeUndefined();
    expect(await lastActive(id)).toBeUndefined();
    // Creating it was the owner's action, not the agent's.
    expect((await agents.listAgents({}, as(owner))).agents.find((a) => a.id === id)?.lastActiveAt).toBeUndefined();

    const { accessToken } = await auth.exchangeAgentToken({ agentId: id, apiKey: created.apiKey });
    const exchanged = await newestEventOf(id);
    expect(exchanged.action).toBe("agent.token_exchange");
    expect(await lastActive(id)).toBe(exchanged.createdAt);

    // A later action moves it: a vault the agent creates.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const headers = { authorization: `Bearer ${accessToken}` };
    await createClient(VaultService, harness.transport).createVault({ name: "the agent's" }, { headers });
    const created2 = await newestEventOf(id);
    expect(created2.action).toBe("vault.create");
    expect(created2.createdAt > exchanged.createdAt).toBe(true);
    expect(await lastActive(id)).toBe(created2.createdAt);
    const listed = (await agents.listAgents({}, as(owner))).agents.find((a) => a.id === id)!;
    expect(timestampDate(listed.lastActiveAt!).toISOString()).toBe(created2.createdAt);
    const self = (await agents.getAgentSelf({}, { headers })).agent!;
    expect(timestampDate(self.lastActiveAt!).toISOString()).toBe(created2.createdAt);
  });

  it("is each agent's own, in a list of several", async () => {
    const quiet = await agents.createAgent({ name: "quiet" }, as(owner));
    const busy = await agents.createAgent({ name: "busy" }, as(owner));
    await auth.exchangeAgentToken({ apiKey: busy.apiKey });
    const { agents: listed } = await agents.listAgents({}, as(owner));
    expect(listed.find((a) => a.id === quiet.agent!.id)?.lastActiveAt).toBeUndefined();
    expect(timestampDate(listed.find((a) => a.id === busy.agent!.id)!.lastActiveAt!).toISOString()).toBe((await newestEventOf(busy.agent!.id)).createdAt);
  });
});

describe("the cost of it", () => {
  const statements = new AsyncLocalStorage<{ text: string; values: unknown[] }[]>();
  const query = pg.Client.prototype.query;
  beforeAll(() => {
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const config = args[0] as string | { text?: string; values?: unknown[] };
      const text = typeof config === "string" ? config : (config?.text ?? "");
      const values = (typeof config === "string" ? args[1] : config?.values) as unknown[] | undefined;
      statements.getStore()?.push({ text, values: values ?? [] });
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
  });
  afterAll(() => {
    pg.Client.prototype.query = query;
  });

  it("writes nothing to the agent's row on a token exchange, not even the first one", async () => {
    const created = await agents.createAgent({ name: "fresh" }, as(owner));
    const log: { text: string; values: unknown[] }[] = [];
    await statements.run(log, () => auth.exchangeAgentToken({ apiKey: created.apiKey }));
    expect(log.map((s) => s.text).join("\n")).not.toMatch(/UPDATE\s+"clawkeep_agents"/i);
  });

  it("reads every listed agent's activity with one statement that probes the agent-actor index", async () => {
    const log: { text: string; values: unknown[] }[] = [];
    await statements.run(log, () => agents.listAgents({}, as(owner)));
    const reads = log.filter((s) => /"clawkeep_audit_events"/.test(s.text));
    expect(reads).toHaveLength(1);
    // With sequential scans priced out, the planner uses an index if one fits the statement.
    const plan = await harness.database.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL enable_seqscan = off`);
      const rows: { "QUERY PLAN": string }[] = await manager.query(`EXPLAIN ${reads[0].text}`, reads[0].values);
      return rows.map((row) => row["QUERY PLAN"]).join("\n");
    });
    expect(plan).toContain("IDX_clawkeep_audit_events_agent_actor");
    expect(plan).not.toMatch(/Seq Scan on clawkeep_audit_events/);
  });
});
