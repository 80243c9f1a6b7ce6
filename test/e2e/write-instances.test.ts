// Each instance remembers the latest version it wrote at a path, to write the next one in one
// statement; another instance writing meanwhile must not make it reuse or skip a number, nor
// seal a value for a version it did not get. Two instances on one PostgreSQL, turn by turn and
// at once. (The embedded database belongs to one process.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usingPostgres } from "../support/database.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { startInstancePair, type InstancePair } from "../support/server.js";

describe.skipIf(!usingPostgres)("secret writes on two instances", () => {
  let pair: InstancePair;
  let onA: RestCall;
  let onB: RestCall;
  let owner: RestPerson;
  let vaultId: string;

  beforeAll(async () => {
    pair = await startInstancePair();
    onA = restCaller(pair.a.url);
    onB = restCaller(pair.b.url);
    owner = await restSignup(onA);
    vaultId = ((await (await onA("POST", "/v1/vaults", owner.token, { name: "shared" })).json()) as { id: string }).id;
  });
  afterAll(async () => {
    await pair?.close();
  });

  const put = async (on: RestCall, path: string, value: string): Promise<number> => {
    const res = await on("PUT", `/v1/vaults/${vaultId}/secrets/${path}`, owner.token, { value, type: "api_key" });
    expect(res.status).toBe(201);
    return ((await res.json()) as { version: number }).version;
  };
  const valueAt = async (on: RestCall, path: string, version: number): Promise<string> => {
    const res = await on("GET", `/v1/vaults/${vaultId}/secret-version/${path}/${version}`, owner.token);
    expect(res.status).toBe(200);
    return ((await res.json()) as { value: string }).value;
  };

  it("takes the next version after a write on the other instance, turn by turn", async () => {
    expect([await put(onA, "turns", "a1"), await put(onA, "turns", "a2"), await put(onB, "turns", "b3"), await put(onA, "turns", "a4"), await put(onB, "turns", "b5")]).toEqual([
      1, 2, 3, 4, 5,
    ]);
    for (const [version, value] of [[2, "a2"], [3, "b3"], [4, "a4"], [5, "b5"]] as const) {
      expect(await valueAt(onA, "turns", version)).toBe(value);
      expect(await valueAt(onB, "turns", version)).toBe(value);
    }
  });

  it("gives concurrent writes on both instances distinct, gapless versions, each readable as written", async () => {
    await put(onA, "both", "first");
    await put(onB, "both", "second");
    const writes = Array.from({ length: 20 }, (_, i) => ({ on: i % 2 === 0 ? onA : onB, value: `w${i}` }));
    const versions = await Promise.all(writes.map(({ on, value }) => put(on, "both", value)));
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 3));
    for (const [i, version] of versions.entries()) expect(await valueAt(i % 2 === 0 ? onB : onA, "both", version)).toBe(writes[i].value);
  });

  it("starts again at version 1 after a deletion on the other instance", async () => {
    await put(onA, "reborn", "old");
    await put(onA, "reborn", "old again");
    expect((await onB("DELETE", `/v1/vaults/${vaultId}/secrets/reborn`, owner.token)).status).toBeLessThan(300);
    expect(await put(onA, "reborn", "new")).toBe(1);
    expect(await valueAt(onB, "reborn", 1)).toBe("new");
  });
});
