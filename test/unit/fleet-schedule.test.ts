// When the fleet stream re-issues a token: about two thirds of its lifetime with jitter, never
// later than 60 s before expiry (a third of the lifetime below three minutes), and the first
// refresh after a connect spread over a whole period.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { refreshDelayMs } from "../../src/domain/agents/fleet-tokens.js";

describe("refreshDelayMs", () => {
  it("is never later than 60 s before expiry, nor later than a third of the lifetime before it, nor earlier than a third", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 86_400 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.boolean(), (ttl, r, first) => {
        const delay = refreshDelayMs(ttl, () => r, first);
        const ms = ttl * 1000;
        expect(delay).toBeLessThanOrEqual(ms - Math.min(60_000, ms / 3) + 1e-6);
        expect(delay).toBeGreaterThanOrEqual(first ? 0 : ms / 3 - 1e-6);
      }),
    );
  });

  it("averages about two thirds of a long lifetime, with jitter", () => {
    const draws = Array.from({ length: 2000 }, (_, i) => refreshDelayMs(3600, () => i / 2000, false));
    const mean = draws.reduce((s, d) => s + d, 0) / draws.length;
    expect(mean / 3_600_000).toBeCloseTo(2 / 3, 2);
    expect(Math.max(...draws) - Math.min(...draws)).toBeGreaterThan(0.15 * 3_600_000);
  });

  it("spreads the first refresh after a connect over a whole period, so a fleet that connected together does not refresh together", () => {
    const steady = Array.from({ length: 1000 }, (_, i) => refreshDelayMs(60, () => i / 1000, false));
    const period = steady.reduce((s, d) => s + d, 0) / steady.length;
    const first = Array.from({ length: 1000 }, (_, i) => refreshDelayMs(60, () => i / 1000, true));
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(0.95 * period);
  });
});
