// The per-address token buckets under every call, driven by an injected clock.
import { describe, expect, it, vi } from "vitest";
import { TokenBuckets } from "../../src/domain/token-buckets.js";

function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("TokenBuckets", () => {
  it("allows a full burst at once, then refuses", () => {
    const time = clock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 5, now: time.now });
    for (let i = 0; i < 5; i++) expect(buckets.take("10.0.0.1")).toBe(0);
    expect(buckets.take("10.0.0.1")).toBeGreaterThan(0);
  });

  it("refills at perSecond, one whole token at a time", () => {
    const time = clock();
    const buckets = new TokenBuckets({ perSecond: 2, burst: 2, now: time.now });
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("a")).toBe(1);
    time.advance(499);
    expect(buckets.take("a")).toBe(1); // 0.998 tokens: not yet
    time.advance(1);
    expect(buckets.take("a")).toBe(0); // one token after 500 ms at 2/s
    expect(buckets.take("a")).toBe(1);
    time.advance(1000);
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("a")).toBe(0);
    expect(buckets.take("a")).toBe(1);
  });

  it("never refills above the burst, however long the caller was idle", () => {
    const time = clock();
    const buckets = new TokenBuckets({ perSecond: 10, burst: 3, now: time.now });
    time.advance(3_600_000);
    expect([buckets.take("a"), buckets.take("a"), buckets.take("a"), buckets.take("a")]).toEqual([0, 0, 0, 1]);
  });

  it("keeps a caller's tokens when the clock it is given steps back", () => {
    const time = clock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 3, now: time.now });
    expect(buckets.take("a")).toBe(0);
    time.advance(-65_000);
    expect([buckets.take("a"), buckets.take("a"), buckets.take("a")]).toEqual([0, 0, 1]);
  });

  it("counts time on the monotonic clock, not the wall clock: setting the date back refuses nobody", () => {
    const buckets = new TokenBuckets({ perSecond: 1_000_000, burst: 1_000_000 });
    expect(buckets.take("a")).toBe(0);
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() - 65_000);
      expect(buckets.take("a")).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not charge refused calls: waiting the advertised time is enough", () => {
    const time = clock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1, now: time.now });
    expect(buckets.take("a")).toBe(0);
    time.advance(300);
    expect(buckets.take("a")).toBe(1);
    time.advance(300);
    expect(buckets.take("a")).toBe(1);
    time.advance(400);
    expect(buckets.take("a")).toBe(0);
  });

  it.each([
    // perSecond, elapsed since the bucket emptied (ms), expected wait (s)
    [1, 0, 1],
    [1, 400, 1],
    [2, 0, 1],
    [100, 0, 1],
    [0.5, 0, 2],
    [0.25, 0, 4],
    [0.25, 1000, 3],
    [0.1, 0, 10],
    [0.1, 9_500, 1],
  ])("at %s/s, %s ms after emptying, asks the caller to wait %s s", (perSecond, elapsed, wait) => {
    const time = clock();
    const buckets = new TokenBuckets({ perSecond, burst: 1, now: time.now });
    expect(buckets.take("a")).toBe(0);
    time.advance(elapsed);
    expect(buckets.take("a")).toBe(wait);
  });

  it("keeps one bucket per key", () => {
    const time = clock();
    const buckets = new TokenBuckets({ perSecond: 1, burst: 1, now: time.now });
    expect(buckets.take("10.0.0.1")).toBe(0);
    expect(buckets.take("10.0.0.1")).toBe(1);
    expect(buckets.take("10.0.0.2")).toBe(0);
    expect(buckets.take("::1")).toBe(0);
    expect(buckets.take("10.0.0.2")).toBe(1);
  });

  it("forgets the least recently seen key first once maxTracked is exceeded", () => {
    const time = clock();
    // Practically no refill, so a remembered empty bucket stays empty and a forgotten one is full.
    const buckets = new TokenBuckets({ perSecond: 0.000001, burst: 1, maxTracked: 2, now: time.now });
    expect(buckets.take("a")).toBe(0); // tracked: a
    expect(buckets.take("b")).toBe(0); // tracked: a, b
    expect(buckets.take("a")).toBeGreaterThan(0); // a seen again: b, a
    expect(buckets.take("c")).toBe(0); // c added, b (least recent) forgotten: a, c
    expect(buckets.take("a")).toBeGreaterThan(0); // a still remembered (FIFO eviction would have dropped it): c, a
    expect(buckets.take("b")).toBe(0); // b was forgotten, so it starts full: a, b (c forgotten)
    expect(buckets.take("c")).toBe(0); // c was forgotten: b, c (a forgotten)
    expect(buckets.take("a")).toBe(0); // a was forgotten
  });

  it("uses the process's own clock when no clock is injected", () => {
    const buckets = new TokenBuckets({ perSecond: 1, burst: 2 });
    expect([buckets.take("a"), buckets.take("a")]).toEqual([0, 0]);
    expect(buckets.take("a")).toBe(1);
  });
});
