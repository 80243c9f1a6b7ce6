// Access policies end to end through the real routes: who may manage them, what they grant, the
// 404-versus-403 rule, priorities and deny, conditions, and that every change applies to the very
// next request with the same token.
import { createClient, type Client } from "@connectrpc/connect";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { createHarness, NO_RATE_LIMIT, rejection, type Harness, statusOf as status } from "./harness.js";
import { invitedMember, signUp, type Person } from "./people.js";

let harness: Harness;
let vaults: Client<typeof VaultService>;
let owner: Person;
beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
  vaults = createClient(VaultService, harness.transport);
  owner = await signUp(harness.transport);
});
afterAll(async () => {
  await harness?.close();
});

/** A vault of `owner` holding api-keys/openai, api-keys/anthropic and db/password. */
async function stockedVault(): Promise<string> {
  const { vault } = await vaults.createVault({ name: "shared" }, { headers: owner.headers });
  for (const path of ["api-keys/openai", "api-keys/anthropic", "db/password"]) {
    await vaults.putSecret({ vaultId: vault!.id, path, value: `value of ${path}` }, { headers: owner.headers });
  }
  return vault!.id;
}

async function grant(vaultId: string, person: Person, pattern: string, permissions: string[], more: Record<string, unknown> = {}) {
  const { policy } = await vaults.createPolicy(
    { vaultId, secretPathPattern: pattern, principalType: "user", principalId: person.id, permissions, ...more },
    { headers: owner.headers },
  );
  return policy!;
}

const read = (vaultId: string, path: string, person: Person) => vaults.getSecret({ vaultId, path }, { headers: person.headers });

describe("what a policy grants", () => {
  it("lets a member read what api-keys/** covers and nothing else; 404 only inside the policy", async () => {
    const vaultId = await stockedVault();
    const member = await invitedMember(harness.transport, owner);
    await grant(vaultId, member, "api-keys/**", ["read"]);
    expect((await read(vaultId, "api-keys/openai", member)).secret?.value).toBe("value of api-keys/openai");
    expect(await status(read(vaultId, "db/password", member))).toEqual([403, 'no policy allows you to read "db/password" in this vault']);
    // Not covered: 403 whether or not the path exists, so the member learns nothing about it.
    expect((await status(read(vaultId, "db/missing", member)))[0]).toBe(403);
    expect(await status(read(vaultId, "api-keys/missing", member))).toEqual([404, `no secret at "api-keys/missing" in vault ${vaultId}`]);
    const listed = await vaults.listSecrets({ vaultId }, { headers: member.headers });
    expect(listed.secrets.map((s) => s.path)).toEqual(["api-keys/anthropic", "api-keys/openai"]);
    expect((await status(vaults.listSecretVersions({ vaultId, path: "db/password" }, { headers: member.headers })))[0]).toBe(403);
    expect((await vaults.getVault({ vaultId }, { headers: member.headers })).vault?.id).toBe(vaultId);
    expect((await vaults.listVaults({}, { headers: member.headers })).vaults.map((v) => v.id)).toEqual([vaultId]);
  });

  it("grants write and delete only as named", async () => {
    const vaultId = await stockedVault();
    const member = await invitedMember(harness.transport, owner);
    await grant(vaultId, member, "api-keys/*", ["read"]);
    expect((await status(vaults.putSecret({ vaultId, path: "api-keys/openai", value: "stolen" }, { headers: member.headers })))[0]).toBe(403);
    expect((await status(vaults.deleteSecret({ vaultId, path: "api-keys/openai" }, { headers: member.headers })))[0]).toBe(403);
    expect((await status(vaults.disableSecretVersion({ vaultId, path: "api-keys/openai", version: 1 }, { headers: member.headers })))[0]).toBe(403);
    await grant(vaultId, member, "api-keys/*", ["write"]);
    const { secret } = await vaults.putSecret({ vaultId, path: "api-keys/openai", value: "rotated" }, { headers: member.headers });
    expect(secret?.version).toBe(2);
    expect((await status(vaults.deleteSecret({ vaultId, path: "api-keys/openai" }, { headers: member.headers })))[0]).toBe(403);
    await grant(vaultId, member, "api-keys/openai", ["delete"]);
    await vaults.deleteSecret({ vaultId, path: "api-keys/openai" }, { headers: member.headers });
    // `*` is one segment: a deeper path is not covered.
    expect((await status(vaults.putSecret({ vaultId, path: "api-keys/nested/x", value: "v" }, { headers: member.headers })))[0]).toBe(403);
  });

  it("lets a higher priority deny win, and deny win at equal priority", async () => {
    const vaultId = await stockedVault();
    const member = await invitedMember(harness.transport, owner);
    await grant(vaultId, member, "**", ["read"], { priority: 5 });
    const deny = await grant(vaultId, member, "api-keys/openai", ["read"], { effect: "deny", priority: 5 });
    expect(await status(read(vaultId, "api-keys/openai", member))).toEqual([403, `policy ${deny.id} denies read on "api-keys/openai"`]);
    expect((await read(vaultId, "api-keys/anthropic", member)).secret?.version).toBe(1);
    await grant(vaultId, member, "api-keys/openai", ["read"], { priority: 6 });
    expect((await read(vaultId, "api-keys/openai", member)).secret?.value).toBe("value of api-keys/openai");
  });

  it("gives the vault's owner everything without any policy", async () => {
    const vaultId = await stockedVault();
    await grant(vaultId, owner, "**", ["read"], { effect: "deny", priority: 100 });
    expect((await read(vaultId, "db/password", owner)).secret?.value).toBe("value of db/password");
  });

  it("does not let an org admin read secrets without a policy, though they manage the vault", async () => {
    const vaultId = await stockedVault();
    const admin = await invitedMember(harness.transport, owner, "admin");
    expect((await vaults.getVault({ vaultId }, { headers: admin.headers })).vault?.id).toBe(vaultId);
    expect((await status(read(vaultId, "db/password", admin)))[0]).toBe(403);
    await vaults.createPolicy({ vaultId, secretPathPattern: "db/*", principalType: "user", principalId: admin.id, permissions: ["read"] }, { headers: admin.headers });
    expect((await read(vaultId, "db/password", admin)).secret?.value).toBe("value of db/password");
  });
});

describe("changes apply to the next request", () => {
  it("narrows, widens and revokes without a new token", async () => {
    const vaultId = await stockedVault();
    const member = await invitedMember(harness.transport, owner);
    const policy = await grant(vaultId, member, "api-keys/**", ["read"]);
    expect((await read(vaultId, "api-keys/openai", member)).secret?.version).toBe(1);

    const { policy: narrowed } = await vaults.updatePolicy({ vaultId, policyId: policy.id, permissions: ["write"] }, { headers: owner.headers });
    expect(narrowed).toMatchObject({ permissions: ["write"], secretPathPattern: "api-keys/**", effect: "allow", priority: 0 });
    expect((await status(read(vaultId, "api-keys/openai", member)))[0]).toBe(403);

    await vaults.updatePolicy({ vaultId, policyId: policy.id, permissions: ["read", "write"], priority: 3 }, { headers: owner.headers });
    expect((await read(vaultId, "api-keys/openai", member)).secret?.version).toBe(1);

    await vaults.deletePolicy({ vaultId, policyId: policy.id }, { headers: owner.headers });
    // No policy left: the vault is invisible again.
    expect(await status(read(vaultId, "api-keys/openai", member))).toEqual([404, `vault ${vaultId} not found`]);
  });

  it("stops applying a policy once it has expired", async () => {
    const vaultId = await stockedVault();
    const member = await invitedMember(harness.transport, owner);
    const expiresAt = new Date(Date.now() + 1500);
    await grant(vaultId, member, "**", ["read"], { expiresAt: timestampFromDate(expiresAt) });
    expect((await read(vaultId, "db/password", member)).secret?.version).toBe(1);
    // Expiry is checked at every evaluation, against the policy as cached: no change event needed.
    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 50));
    expect((await status(read(vaultId, "db/password", member)))[0]).toBe(403);
  });
});

describe("conditions", () => {
  it("applies a time window only inside it", async () => {
    const vaultId = await stockedVault();
    const member = await invitedMember(harness.transport, owner);
    const hour = new Date().getUTCHours();
    const outside = { start_hour: (hour + 2) % 24, end_hour: ((hour + 3) % 24) || 24, timezone: "UTC" };
    const policy = await grant(vaultId, member, "**", ["read"], { conditions: { time_window: outside } });
    expect(policy.conditions).toEqual({ time_window: outside });
    expect((await status(read(vaultId, "db/password", member)))[0]).toBe(403);
    await vaults.updatePolicy({ vaultId, policyId: policy.id, conditions: { time_window: { start_hour: 0, end_hour: 24, timezone: "Europe/Berlin" } } }, { headers: owner.headers });
    expect((await read(vaultId, "db/password", member)).secret?.version).toBe(1);
    const { policy: cleared } = await vaults.updatePolicy({ vaultId, policyId: policy.id, conditions: {} }, { headers: owner.headers });
    expect(cleared?.conditions).toBeUndefined();
  });

  it("denies when the client address is not in the ip_allowlist", async () => {
    const vaultId = await stockedVault();
    const member = await invitedMember(harness.transport, owner);
    // In-memory calls have no client address, so no allowlist can match (the e2e tests use real ones).
    await grant(vaultId, member, "**", ["read"], { conditions: { ip_allowlist: ["10.0.0.0/8", "2001:db8::/32"] } });
    expect((await status(read(vaultId, "db/password", member)))[0]).toBe(403);
  });
});

describe("managing policies", () => {
  it("is for the vault's owner and org owners/admins, not for members holding a policy", async () => {
    const vaultId = await stockedVault();
    const member = await invitedMember(harness.transport, owner);
    await grant(vaultId, member, "**", ["read", "write", "delete"]);
    const refusal = "only the vault's owner or an organisation owner or admin can manage its policies";
    expect(await status(vaults.listPolicies({ vaultId }, { headers: member.headers }))).toEqual([403, refusal]);
    expect(
      await status(vaults.createPolicy({ vaultId, secretPathPattern: "**", principalType: "user", principalId: member.id, permissions: ["read"] }, { headers: member.headers })),
    ).toEqual([403, refusal]);
    const { policies } = await vaults.listPolicies({ vaultId }, { headers: owner.headers });
    expect(policies).toHaveLength(1);
    expect(policies[0]).toMatchObject({ vaultId, principalType: "user", principalId: member.id, permissions: ["read", "write", "delete"], createdBy: owner.id, createdByType: "user" });
  });

  it.each([
    ["an empty pattern", { secretPathPattern: "" }],
    ["a pattern with an empty segment", { secretPathPattern: "a//b" }],
    ["a pattern with ..", { secretPathPattern: "a/../b" }],
    ["no permissions", { permissions: [] }],
    ["an unknown permission", { permissions: ["read", "admin"] }],
    ["an unknown principal type", { principalType: "group" }],
    ["an unknown effect", { effect: "maybe" }],
    ["a negative priority", { priority: -1 }],
    ["a malformed ip_allowlist entry", { conditions: { ip_allowlist: ["not-an-ip"] } }],
    ["an impossible clock time", { conditions: { time_window: { after: "25:00", before: "08:00" } } }],
    ["an unknown time zone", { conditions: { time_window: { start_hour: 8, end_hour: 20, timezone: "Mars/Olympus" } } }],
    ["an unsupported condition", { conditions: { environment_in: ["prod"] } }],
    ["an expiry in the past", { expiresAt: timestampFromDate(new Date(Date.now() - 1000)) }],
  ])("refuses %s with a 400 and a sentence", async (_label, override) => {
    const vaultId = await stockedVault();
    const member = await invitedMember(harness.transport, owner);
    const request = { vaultId, secretPathPattern: "**", principalType: "user", principalId: member.id, permissions: ["read"], ...override };
    const [got, detail] = await status(vaults.createPolicy(request, { headers: owner.headers }));
    expect(got).toBe(400);
    expect(detail.length).toBeGreaterThan(10);
  });

  it("refuses a principal outside the organisation, and unknown policies are 404", async () => {
    const vaultId = await stockedVault();
    const stranger = await signUp(harness.transport);
    expect(
      await status(vaults.createPolicy({ vaultId, secretPathPattern: "**", principalType: "user", principalId: stranger.id, permissions: ["read"] }, { headers: owner.headers })),
    ).toEqual([400, `principal_id ${stranger.id} is not a user of your organisation`]);
    const missing = "00000000-0000-4000-8000-000000000000";
    expect(await status(vaults.updatePolicy({ vaultId, policyId: missing, priority: 1 }, { headers: owner.headers }))).toEqual([
      404,
      `policy ${missing} not found in vault ${vaultId}`,
    ]);
    expect((await status(vaults.deletePolicy({ vaultId, policyId: missing }, { headers: owner.headers })))[0]).toBe(404);
    // A policy is addressed through its own vault only.
    const member = await invitedMember(harness.transport, owner);
    const policy = await grant(vaultId, member, "**", ["read"]);
    const otherVault = await stockedVault();
    expect((await status(vaults.deletePolicy({ vaultId: otherVault, policyId: policy.id }, { headers: owner.headers })))[0]).toBe(404);
  });

  it("audits every change and every refused access", async () => {
    const vaultId = await stockedVault();
    const member = await invitedMember(harness.transport, owner);
    const policy = await grant(vaultId, member, "api-keys/**", ["read"]);
    await vaults.updatePolicy({ vaultId, policyId: policy.id, priority: 2 }, { headers: owner.headers });
    await rejection(read(vaultId, "db/password", member));
    await vaults.deletePolicy({ vaultId, policyId: policy.id }, { headers: owner.headers });
    const rows: { action: string; actor_id: string; details: Record<string, unknown> }[] = await harness.database.dataSource.query(
      `SELECT "action", "actor_id", "details" FROM "clawkeep_audit_events" WHERE "details"->>'vault_id' = $1 AND "action" NOT IN ('secret.write') ORDER BY "pos"`,
      [vaultId],
    );
    expect(rows.map((r) => r.action)).toEqual(["policy.create", "policy.update", "secret.access_denied", "policy.delete"]);
    expect(rows[1].details).toMatchObject({ changed: ["priority"], priority: 2 });
    expect(rows[2]).toMatchObject({ actor_id: member.id, details: { permission: "read", decided_by: "no_matching_policy" } });
  });
});
