// Vaults and secrets through the real routes and interceptors: ownership, organisation
// boundaries, versions, deletion, expiry, access limits, listing and paging, and the write
// rules. Policies have a file of their own (policies.test.ts).
import { Code, createClient, type Client } from "@connectrpc/connect";
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

async function newVault(person = owner, name = "prod"): Promise<string> {
  const { vault } = await vaults.createVault({ name }, { headers: person.headers });
  return vault!.id;
}

async function put(vaultId: string, path: string, value: string, more: Record<string, unknown> = {}, person = owner) {
  return (await vaults.putSecret({ vaultId, path, value, ...more }, { headers: person.headers })).secret!;
}

describe("vaults", () => {
  it("creates a vault owned by its creator and lists and gets it", async () => {
    const { vault } = await vaults.createVault({ name: "  payments ", description: "card processor keys" }, { headers: owner.headers });
    expect(vault).toMatchObject({ name: "payments", description: "card processor keys", createdBy: owner.id, createdByType: "user" });
    const { vaults: listed } = await vaults.listVaults({}, { headers: owner.headers });
    expect(listed.map((v) => v.id)).toContain(vault!.id);
    expect((await vaults.getVault({ vaultId: vault!.id }, { headers: owner.headers })).vault).toEqual(vault);
  });

  it("refuses names and descriptions outside their limits", async () => {
    expect(await status(vaults.createVault({ name: " " }, { headers: owner.headers }))).toEqual([400, "name must be 1 to 100 characters"]);
    expect(await status(vaults.createVault({ name: "x".repeat(101) }, { headers: owner.headers }))).toEqual([400, "name must be 1 to 100 characters"]);
    expect((await status(vaults.createVault({ name: "ok", description: "d".repeat(1001) }, { headers: owner.headers })))[0]).toBe(400);
  });

  it("hides every vault of one organisation from another (404, never 403)", async () => {
    const vaultId = await newVault();
    await put(vaultId, "db/password", "hunter2-hunter2");
    const stranger = await signUp(harness.transport);
    expect((await vaults.listVaults({}, { headers: stranger.headers })).vaults).toEqual([]);
    const headers = stranger.headers;
    for (const call of [
      () => vaults.getVault({ vaultId }, { headers }),
      () => vaults.getSecret({ vaultId, path: "db/password" }, { headers }),
      () => vaults.putSecret({ vaultId, path: "db/password", value: "overwritten" }, { headers }),
      () => vaults.listSecrets({ vaultId }, { headers }),
      () => vaults.deleteVault({ vaultId }, { headers }),
      () => vaults.listPolicies({ vaultId }, { headers }),
    ]) {
      expect(await status(call())).toEqual([404, `vault ${vaultId} not found`]);
    }
  });

  it("shows a member only vaults they own or hold a policy on; admins see all", async () => {
    const vaultId = await newVault();
    const member = await invitedMember(harness.transport, owner, "member");
    const admin = await invitedMember(harness.transport, owner, "admin");
    expect((await vaults.listVaults({}, { headers: member.headers })).vaults.map((v) => v.id)).not.toContain(vaultId);
    expect((await status(vaults.getVault({ vaultId }, { headers: member.headers })))[0]).toBe(404);
    expect((await vaults.listVaults({}, { headers: admin.headers })).vaults.map((v) => v.id)).toContain(vaultId);
    const own = await newVault(member, "mine");
    expect((await vaults.listVaults({}, { headers: member.headers })).vaults.map((v) => v.id)).toEqual([own]);
  });

  it("deletes a vault with its secrets for its owner or an admin, not for a member with a policy", async () => {
    const vaultId = await newVault();
    await put(vaultId, "a", "value-a");
    const member = await invitedMember(harness.transport, owner, "member");
    await vaults.createPolicy({ vaultId, secretPathPattern: "**", principalType: "user", principalId: member.id, permissions: ["read", "write", "delete"] }, { headers: owner.headers });
    expect((await status(vaults.deleteVault({ vaultId }, { headers: member.headers })))[0]).toBe(403);
    await vaults.deleteVault({ vaultId }, { headers: owner.headers });
    expect((await status(vaults.getVault({ vaultId }, { headers: owner.headers })))[0]).toBe(404);
    const [{ n }]: { n: number }[] = await harness.database.dataSource.query(
      `SELECT count(*)::int AS "n" FROM "clawkeep_secrets" s WHERE s."vault_id" = $1`,
      [vaultId],
    );
    expect(n).toBe(0);
    const admin = await invitedMember(harness.transport, owner, "admin");
    const second = await newVault();
    await vaults.deleteVault({ vaultId: second }, { headers: admin.headers });
  });
});

describe("secret versions", () => {
  it("stores versions 1..N, reads the latest, and falls back when the latest is disabled", async () => {
    const vaultId = await newVault();
    const first = await put(vaultId, "api-keys/openai", "sk-one", { type: "api_key", metadata: { env: "prod", rotated: 1 } });
    expect(first).toMatchObject({ path: "api-keys/openai", type: "api_key", version: 1, metadata: { env: "prod", rotated: 1 }, isDisabled: false });
    await put(vaultId, "api-keys/openai", "sk-two", { type: "api_key" });
    const third = await put(vaultId, "api-keys/openai", "sk-three", { type: "api_key" });
    expect(third.version).toBe(3);
    expect(third.id).toBe(first.id);
    const { secret } = await vaults.getSecret({ vaultId, path: "api-keys/openai" }, { headers: owner.headers });
    expect(secret).toMatchObject({ id: first.id, value: "sk-three", version: 3, type: "api_key", createdBy: `user:${owner.id}` });

    await vaults.disableSecretVersion({ vaultId, path: "api-keys/openai", version: 3 }, { headers: owner.headers });
    await vaults.disableSecretVersion({ vaultId, path: "api-keys/openai", version: 3 }, { headers: owner.headers });
    expect((await vaults.getSecret({ vaultId, path: "api-keys/openai" }, { headers: owner.headers })).secret).toMatchObject({ value: "sk-two", version: 2 });
    expect(await status(vaults.getSecretVersion({ vaultId, path: "api-keys/openai", version: 3 }, { headers: owner.headers }))).toEqual([
      410,
      'version 3 of secret "api-keys/openai" is disabled',
    ]);
    expect((await vaults.getSecretVersion({ vaultId, path: "api-keys/openai", version: 1 }, { headers: owner.headers })).secret?.value).toBe("sk-one");
    expect(await status(vaults.getSecretVersion({ vaultId, path: "api-keys/openai", version: 9 }, { headers: owner.headers }))).toEqual([
      404,
      'secret "api-keys/openai" has no version 9',
    ]);
    const { versions } = await vaults.listSecretVersions({ vaultId, path: "api-keys/openai" }, { headers: owner.headers });
    expect(versions.map((v) => [v.version, v.isDisabled])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(versions.every((v) => !("value" in v))).toBe(true);

    await vaults.disableSecretVersion({ vaultId, path: "api-keys/openai", version: 2 }, { headers: owner.headers });
    await vaults.disableSecretVersion({ vaultId, path: "api-keys/openai", version: 1 }, { headers: owner.headers });
    expect(await status(vaults.getSecret({ vaultId, path: "api-keys/openai" }, { headers: owner.headers }))).toEqual([
      410,
      'every version of secret "api-keys/openai" is disabled',
    ]);
  });

  it("gives every one of many concurrent writes its own version, each readable as written", async () => {
    const vaultId = await newVault();
    const written = await Promise.all(Array.from({ length: 12 }, (_, i) => put(vaultId, "race/key", `value-${i}`)));
    expect(written.map((s) => s.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(written.map((s) => s.id)).size).toBe(1);
    // Again, now that the server knows the latest version: all but one of these expected the same
    // next number, found it taken, and were written again under the one they got.
    const more = await Promise.all(Array.from({ length: 12 }, (_, i) => put(vaultId, "race/key", `again-${i}`)));
    expect(more.map((s) => s.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 13));
    for (const [i, secret] of [...written, ...more].entries()) {
      const { secret: read } = await vaults.getSecretVersion({ vaultId, path: "race/key", version: secret.version }, { headers: owner.headers });
      expect(read?.value).toBe(i < 12 ? `value-${i}` : `again-${i - 12}`);
    }
    const events = await harness.database.dataSource.query(`SELECT count(*)::int AS "n" FROM "clawkeep_audit_events" WHERE "action" = 'secret.write' AND "details"->>'vault_id' = $1`, [vaultId]);
    expect(events[0].n).toBe(24);
  });

  it("answers 404 for a path that never existed and 410 after deletion, until a new PUT starts it again", async () => {
    const vaultId = await newVault();
    expect(await status(vaults.getSecret({ vaultId, path: "db/password" }, { headers: owner.headers }))).toEqual([404, `no secret at "db/password" in vault ${vaultId}`]);
    const first = await put(vaultId, "db/password", "pw-1");
    await put(vaultId, "db/password", "pw-2");
    await vaults.deleteSecret({ vaultId, path: "db/password" }, { headers: owner.headers });
    const headers = owner.headers;
    for (const call of [
      () => vaults.getSecret({ vaultId, path: "db/password" }, { headers }),
      () => vaults.getSecretVersion({ vaultId, path: "db/password", version: 1 }, { headers }),
      () => vaults.listSecretVersions({ vaultId, path: "db/password" }, { headers }),
      () => vaults.deleteSecret({ vaultId, path: "db/password" }, { headers }),
    ]) {
      expect(await status(call())).toEqual([410, 'secret "db/password" has been deleted']);
    }
    expect((await vaults.listSecrets({ vaultId }, { headers: owner.headers })).secrets).toEqual([]);
    const reborn = await put(vaultId, "db/password", "pw-3");
    expect(reborn.version).toBe(1);
    expect(reborn.id).not.toBe(first.id);
    expect((await vaults.getSecret({ vaultId, path: "db/password" }, { headers: owner.headers })).secret?.value).toBe("pw-3");
  });

  it("answers 410 once a version has expired", async () => {
    const vaultId = await newVault();
    const soon = new Date(Date.now() + 3_600_000);
    const stored = await put(vaultId, "tmp/token", "short-lived", { expiresAt: timestampFromDate(soon) });
    expect(stored.expiresAt).toEqual(timestampFromDate(soon));
    expect((await vaults.getSecret({ vaultId, path: "tmp/token" }, { headers: owner.headers })).secret?.value).toBe("short-lived");
    // Moving the clock is not possible; moving the expiry into the past is the same thing.
    await harness.database.dataSource.query(`UPDATE "clawkeep_secret_versions" SET "expires_at" = now() - interval '1 second' WHERE "secret_id" = $1`, [stored.id]);
    const [code, detail] = await status(vaults.getSecret({ vaultId, path: "tmp/token" }, { headers: owner.headers }));
    expect(code).toBe(410);
    expect(detail).toMatch(/^version 1 of secret "tmp\/token" expired at /);
    expect(await status(put(vaultId, "tmp/other", "x", { expiresAt: timestampFromDate(new Date(Date.now() - 1000)) }))).toEqual([400, "expires_at must be in the future"]);
  });

  it("serves exactly max_access_count reads under concurrency, then 410", async () => {
    const vaultId = await newVault();
    await put(vaultId, "once/twice/thrice", "limited", { maxAccessCount: 3 });
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => vaults.getSecret({ vaultId, path: "once/twice/thrice" }, { headers: owner.headers })));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(3);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(refused).toHaveLength(9);
    for (const { reason } of refused) expect(reason.rawMessage).toBe('version 1 of secret "once/twice/thrice" has been read its maximum of 3 times');
    const [{ access_count }]: { access_count: number }[] = await harness.database.dataSource.query(
      `SELECT v."access_count" FROM "clawkeep_secret_versions" v JOIN "clawkeep_secrets" s ON s."id" = v."secret_id" WHERE s."vault_id" = $1`,
      [vaultId],
    );
    expect(access_count).toBe(3);
    expect(await status(put(vaultId, "x", "y", { maxAccessCount: 0 }))).toEqual([400, "max_access_count must be at least 1, got 0"]);
  });
});

describe("write rules", () => {
  it.each([
    ["", "path is required"],
    ["/leading", 'path "/leading" has an empty segment (leading "/")'],
    ["trailing/", 'path "trailing/" has an empty segment (trailing "/")'],
    ["a//b", 'path "a//b" has an empty segment (double "/")'],
    ["a/../b", 'path "a/../b" has a ".." segment; relative segments are not allowed'],
    ["./a", 'path "./a" has a "." segment; relative segments are not allowed'],
    ["with space", 'path segment "with space" may only contain letters, digits, ".", "_" and "-"'],
    ["uni/cödé", 'path segment "cödé" may only contain letters, digits, ".", "_" and "-"'],
    ["x".repeat(513), "path is 513 characters; at most 512 are allowed"],
  ])("refuses the path %j", async (path, detail) => {
    const vaultId = await newVault();
    expect(await status(put(vaultId, path, "value"))).toEqual([400, detail]);
  });

  it("accepts a path of exactly 512 characters and every allowed character", async () => {
    const vaultId = await newVault();
    const longest = `${"a".repeat(255)}/${"B".repeat(256)}`;
    expect((await put(vaultId, longest, "v")).path).toBe(longest);
    expect((await put(vaultId, "Az09._-/x.y_z-1", "v")).path).toBe("Az09._-/x.y_z-1");
  });

  it("refuses unknown types, empty and oversized values, oversized metadata", async () => {
    const vaultId = await newVault();
    const [code, detail] = await status(put(vaultId, "t", "v", { type: "SECRET_TYPE_API_KEY" }));
    expect(code).toBe(400);
    expect(detail).toContain('type "SECRET_TYPE_API_KEY" is not a secret type; use one of generic, password, api_key');
    expect(await status(put(vaultId, "t", ""))).toEqual([400, "value is required and must not be empty"]);
    expect(await status(put(vaultId, "t", "é".repeat(32 * 1024 + 1)))).toEqual([400, "value is 65538 bytes; at most 65536 (64 KiB) are allowed"]);
    expect((await put(vaultId, "t", "v".repeat(64 * 1024))).version).toBe(1);
    expect((await status(put(vaultId, "t", "v", { metadata: { blob: "m".repeat(17 * 1024) } })))[0]).toBe(400);
    for (const type of ["generic", "password", "api_key", "certificate", "private_key", "ssh_key", "env", "env_bundle", "file", "note", "credential"]) {
      expect((await put(vaultId, `types/${type}`, "v", { type })).type).toBe(type);
    }
    expect((await put(vaultId, "types/default", "v")).type).toBe("generic");
  });
});

describe("listing", () => {
  it("lists metadata only, ordered by path, filtered by prefix", async () => {
    const vaultId = await newVault();
    for (const path of ["db/password", "api-keys/openai", "api-keys/anthropic", "api-keys_old/x", "zeta"]) await put(vaultId, path, `value of ${path}`);
    const { secrets, nextCursor } = await vaults.listSecrets({ vaultId }, { headers: owner.headers });
    expect(secrets.map((s) => s.path)).toEqual(["api-keys/anthropic", "api-keys/openai", "api-keys_old/x", "db/password", "zeta"]);
    expect(nextCursor).toBe("");
    expect(secrets.every((s) => !("value" in s))).toBe(true);
    const prefixed = await vaults.listSecrets({ vaultId, prefix: "api-keys/" }, { headers: owner.headers });
    expect(prefixed.secrets.map((s) => s.path)).toEqual(["api-keys/anthropic", "api-keys/openai"]);
    // "_" is a literal character in a prefix, not a wildcard.
    expect((await vaults.listSecrets({ vaultId, prefix: "api-keys_" }, { headers: owner.headers })).secrets.map((s) => s.path)).toEqual(["api-keys_old/x"]);
  });

  it("pages by path with a cursor that stays stable while secrets come and go", async () => {
    const vaultId = await newVault();
    for (const n of [1, 3, 5, 7, 9]) await put(vaultId, `k${n}`, "v");
    const first = await vaults.listSecrets({ vaultId, limit: 2 }, { headers: owner.headers });
    expect(first.secrets.map((s) => s.path)).toEqual(["k1", "k3"]);
    await put(vaultId, "k2", "v"); // before the cursor: never shown on a later page
    await put(vaultId, "k4", "v"); // after it: shown
    await vaults.deleteSecret({ vaultId, path: "k5" }, { headers: owner.headers });
    const second = await vaults.listSecrets({ vaultId, limit: 2, cursor: first.nextCursor }, { headers: owner.headers });
    expect(second.secrets.map((s) => s.path)).toEqual(["k4", "k7"]);
    const last = await vaults.listSecrets({ vaultId, limit: 2, cursor: second.nextCursor }, { headers: owner.headers });
    expect(last.secrets.map((s) => s.path)).toEqual(["k9"]);
    expect(last.nextCursor).toBe("");
    expect(await status(vaults.listSecrets({ vaultId, cursor: "not-a-cursor" }, { headers: owner.headers }))).toEqual([400, "cursor is not a next_cursor this server returned"]);
    expect(await status(vaults.listSecrets({ vaultId, limit: 1001 }, { headers: owner.headers }))).toEqual([400, "limit must be 1-1000, got 1001"]);
  });

  it("shows the latest enabled version of each secret", async () => {
    const vaultId = await newVault();
    await put(vaultId, "s", "one");
    await put(vaultId, "s", "two");
    await vaults.disableSecretVersion({ vaultId, path: "s", version: 2 }, { headers: owner.headers });
    expect((await vaults.listSecrets({ vaultId }, { headers: owner.headers })).secrets.map((s) => [s.version, s.isDisabled])).toEqual([[1, false]]);
  });
});

describe("audit", () => {
  it("writes an event for every change and every read, never with the value", async () => {
    const vaultId = await newVault();
    await put(vaultId, "audited/secret", "the-audited-value");
    await vaults.getSecret({ vaultId, path: "audited/secret" }, { headers: owner.headers });
    await vaults.disableSecretVersion({ vaultId, path: "audited/secret", version: 1 }, { headers: owner.headers });
    await vaults.deleteSecret({ vaultId, path: "audited/secret" }, { headers: owner.headers });
    const rows: { action: string; resource_id: string; details: Record<string, unknown>; actor_id: string }[] = await harness.database.dataSource.query(
      `SELECT "action", "resource_id", "details", "actor_id" FROM "clawkeep_audit_events" WHERE "details"->>'vault_id' = $1 OR "resource_id" = $1 ORDER BY "pos"`,
      [vaultId],
    );
    expect(rows.map((r) => r.action)).toEqual(["vault.create", "secret.write", "secret.read", "secret.disable_version", "secret.delete"]);
    expect(rows.every((r) => r.actor_id === owner.id)).toBe(true);
    expect(rows[2]).toMatchObject({ resource_id: "audited/secret", details: { vault_id: vaultId, version: 1, decided_by: "owner" } });
    expect(JSON.stringify(rows)).not.toContain("the-audited-value");
  });

  it("refuses a read whose audit event cannot be written", async () => {
    const vaultId = await newVault();
    await put(vaultId, "fail/closed", "never-served", { maxAccessCount: 5 });
    await harness.database.dataSource.query(`
      CREATE FUNCTION clawkeep_test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW."action" = 'secret.read' THEN RAISE EXCEPTION 'audit store unavailable'; END IF; RETURN NEW; END $$`);
    await harness.database.dataSource.query(
      `CREATE TRIGGER clawkeep_test_refuse_audit BEFORE INSERT ON "clawkeep_audit_events" FOR EACH ROW EXECUTE FUNCTION clawkeep_test_refuse_audit()`,
    );
    try {
      const error = await rejection(vaults.getSecret({ vaultId, path: "fail/closed" }, { headers: owner.headers }));
      expect(error.code).toBe(Code.Unavailable);
      expect(error.rawMessage).not.toContain("never-served");
      expect(error.rawMessage).toMatch(/audit log/);
    } finally {
      await harness.database.dataSource.query(`DROP TRIGGER clawkeep_test_refuse_audit ON "clawkeep_audit_events"`);
      await harness.database.dataSource.query(`DROP FUNCTION clawkeep_test_refuse_audit()`);
    }
    // The refused read was not counted.
    const [{ access_count }]: { access_count: number }[] = await harness.database.dataSource.query(
      `SELECT v."access_count" FROM "clawkeep_secret_versions" v JOIN "clawkeep_secrets" s ON s."id" = v."secret_id" WHERE s."vault_id" = $1`,
      [vaultId],
    );
    expect(access_count).toBe(0);
  });
});
