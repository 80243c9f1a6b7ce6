// The cache behind agent records and vault policies: shared loads, invalidation that a slow
// load cannot undo, failed loads not kept, and a bound on entries.
import { describe, expect, it } from "vitest";
import { LoadingCache } from "../../src/domain/loading-cache.js";

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe("LoadingCache", () => {
  it("shares one load between concurrent readers and keeps its result", async () => {
    const cache = new LoadingCache<number>(10);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get("a", load), cache.get("a", load)])).toEqual([1, 1]);
    expect(await cache.get("a", load)).toBe(1);
    expect(loads).toBe(1);
  });

  it("does not keep a load that an invalidation overtook", async () => {
    const cache = new LoadingCache<string>(10);
    const slow = deferred<string>();
    const stale = cache.get("a", () => slow.promise);
    cache.delete("a"); // the change commits while the old state is still being read
    const fresh = cache.get("a", async () => "new");
    slow.resolve("old");
    expect(await stale).toBe("old"); // its own caller gets what it read
    expect(await fresh).toBe("new");
    expect(await cache.get("a", async () => "newer")).toBe("new");

    const slower = deferred<string>();
    const overtaken = cache.get("b", () => slower.promise);
    cache.clear();
    slower.resolve("old");
    await overtaken;
    expect(await cache.get("b", async () => "reloaded")).toBe("reloaded");
  });

  it("forgets failed loads and the oldest entries beyond its bound", async () => {
    const cache = new LoadingCache<number>(2);
    await expect(cache.get("x", async () => Promise.reject(new Error("database down")))).rejects.toThrow("database down");
    expect(await cache.get("x", async () => 1)).toBe(1);
    await cache.get("y", async () => 2);
    await cache.get("z", async () => 3);
    expect(await cache.get("x", async () => 4)).toBe(4);
  });
});
