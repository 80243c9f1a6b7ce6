// The statements the hot paths send to PostgreSQL, counted at the driver: a steady-state secret
// read and a token exchange cost at most three, a write one to four, the commit included (vault, policies,
// agent standing and a person's session come from caches), and neither takes a lock that other
// requests wait on.
import { AsyncLocalStorage } from "node:async_hooks";
import { createClient } from "@connectrpc/connect";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { AuditLog, type AuditEntry } from "../../src/domain/audit/audit-log.js";
import { chainHead } from "../support/audit.js";
import { createHarness, type Harness, NO_RATE_LIMIT } from "./harness.js";
import { signUp, type Person } from "./people.js";

const statements = new AsyncLocalStorage<string[]>();
const query = pg.Client.prototype.query;

let harness: Harness;
let owner: Person;
let vaultId: string;
let agent: { id: string; apiKey: string; headers: { authorization: string } };
beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
  owner = await signUp(harness.transport);
  const vaults = createClient(VaultService, harness.transport);
  vaultId = (await vaults.createVault({ name: "hot" }, { headers: owner.headers })).vault!.id;
  await vaults.putSecret({ vaultId, path: "api/key", value: "v", type: "api_key" }, { headers: owner.headers });
  const created = await createClient(AgentService, harness.transport).createAgent({ name: "reader" }, { headers: owner.headers });
  await vaults.createPolicy(
    { vaultId, secretPathPattern: "api/**", principalType: "agent", principalId: created.agent!.id, permissions: ["read"] },
    { headers: owner.headers },
  );
  const { accessToken } = await createClient(AuthService, harness.transport).exchangeAgentToken({ agentId: created.agent!.id, apiKey: created.apiKey });
  agent = { id: created.agent!.id, apiKey: created.apiKey, headers: { authorization: `Bearer ${accessToken}` } };
  // Counts what the driver is asked to run inside `counted`, whichever connection runs it.
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const sql = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string } | undefined)?.text;
    statements.getStore()?.push(sql?.replace(/\s+/g, " ").slice(0, 120) ?? "?");
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
});
afterAll(async () => {
  pg.Client.prototype.query = query;
  await harness?.close();
});

/** The statements `call` sent, once caches are warm (the call runs once before it is counted). */
async function counted(call: () => Promise<unknown>): Promise<string[]> {
  await call();
  const log: string[] = [];
  await statements.run(log, call);
  return log;
}

describe("hot paths", () => {
  const vaults = () => createClient(VaultService, harness.transport);

  it("an agent's secret read costs at most three statements, and takes no lock", async () => {
    const log = await counted(() => vaults().getSecret({ vaultId, path: "api/key" }, { headers: agent.headers }));
    expect(log.length, log.join("\n")).toBeLessThanOrEqual(3);
    expect(log.join("\n")).not.toMatch(/FOR UPDATE|FOR SHARE|advisory/i);
  });

  it("a person's secret read costs at most three statements, none of them for their session", async () => {
    const log = await counted(() => vaults().getSecret({ vaultId, path: "api/key" }, { headers: owner.headers }));
    expect(log.length, log.join("\n")).toBeLessThanOrEqual(3);
    expect(log.join("\n")).not.toMatch(/FOR UPDATE|FOR SHARE|advisory|clawkeep_sessions/i);
  });

  it("a token exchange costs at most three statements, and takes no lock", async () => {
    const auth = createClient(AuthService, harness.transport);
    const log = await counted(() => auth.exchangeAgentToken({ agentId: agent.id, apiKey: agent.apiKey }));
    expect(log.length, log.join("\n")).toBeLessThanOrEqual(3);
    expect(log.join("\n")).not.toMatch(/FOR UPDATE|FOR SHARE|advisory/i);
  });

  it("a secret write takes no lock beyond its own secret's row", async () => {
    const log = await counted(() => vaults().putSecret({ vaultId, path: "api/other", value: "w", type: "api_key" }, { headers: owner.headers }));
    expect(log.join("\n")).not.toMatch(/FOR UPDATE|FOR SHARE|advisory|clawkeep_audit_heads/i);
  });

  it("a new version of a path this instance wrote last costs one statement", async () => {
    const log = await counted(() => vaults().putSecret({ vaultId, path: "api/other", value: "w", type: "api_key" }, { headers: owner.headers }));
    // The version number, the version and its audit event; the session comes from its cache.
    expect(log, log.join("\n")).toHaveLength(1);
    expect(log[0]).toMatch(/^WITH "s" AS \( UPDATE "clawkeep_secrets"/);
  });

  it("concurrent writes of one path wait for each other in memory: each is one statement, none waits on the row lock", async () => {
    const put = (i: number) => vaults().putSecret({ vaultId, path: "api/hot", value: `w${i}`, type: "api_key" }, { headers: owner.headers });
    await put(0);
    const log: string[] = [];
    const written = await statements.run(log, () => Promise.all(Array.from({ length: 12 }, (_, i) => put(i + 1))));
    expect(written.map((w) => w.secret!.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 2));
    // Had they gone to the database together, all but one would have found the version taken
    // and queued on the row, each in a transaction holding a pooled connection.
    expect(log.length, log.join("\n")).toBe(12);
    for (const sql of log) expect(sql).toMatch(/^WITH "s" AS \( UPDATE "clawkeep_secrets"/);
  });

  it("any other write costs at most four statements, holding its row for one round trip after the version number", async () => {
    let n = 0;
    const log = await counted(() => vaults().putSecret({ vaultId, path: `api/new-${n++}`, value: "w", type: "api_key" }, { headers: owner.headers }));
    // The transaction's start, the version number (which locks the secret's row), the version
    // with its audit event in one statement, and the commit.
    expect(log.length, log.join("\n")).toBeLessThanOrEqual(4);
    const locked = log.findIndex((sql) => sql.includes('INTO "clawkeep_secrets"'));
    expect(log.slice(locked + 1), log.join("\n")).toHaveLength(2);
  });

  it("chaining a batch of audit events costs eight statements, whatever its size", async () => {
    const { dataSource } = harness.database;
    const [{ org_id: orgId }]: { org_id: string }[] = await dataSource.query(`SELECT "org_id" FROM "clawkeep_memberships" WHERE "user_id" = $1`, [owner.id]);
    await harness.app.auditSequencer.flush(orgId);
    const before = Number(await chainHead(dataSource, orgId));
    // Appended as requests append, but with no sequencer asked to chain them: the flush below does.
    const unkicked = new AuditLog({ kick: () => {} });
    const entry = { orgId, actor: { type: "system", id: "" }, action: "user.update", resource: { type: "test", id: "x" }, details: {}, ip: null } as unknown as AuditEntry;
    await dataSource.transaction(async (manager) => {
      for (let i = 0; i < 20; i++) await unkicked.append(manager, entry);
    });
    const log: string[] = [];
    await statements.run(log, () => harness.app.auditSequencer.flush(orgId));
    expect(Number(await chainHead(dataSource, orgId))).toBe(before + 20);
    // Whether any are pending; the transaction's start; the chains' locks; the pending events with
    // their chains' heads; the links with the new heads; the bus event; the commit; the wake-up
    // of other instances.
    expect(log.length, log.join("\n")).toBe(8);
  });
});
