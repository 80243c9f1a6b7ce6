// The refresh coalescer behind Keyring.refresh and JwtKeys.refresh: every caller gets a read that
// started after it asked, yet no more than one read runs and one waits, however many ask.
import { describe, expect, it } from "vitest";
import { coalesced } from "../../src/crypto/coalesce.js";

/** A task whose runs finish only when the test says so. */
function controllableTask() {
  const runs: { started: number; finish: (error?: Error) => void }[] = [];
  let counter = 0;
  const task = () =>
    new Promise<void>((resolve, reject) => {
      runs.push({ started: ++counter, finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { task, runs };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe("coalesced", () => {
  it("runs once for a caller alone", async () => {
    const { task, runs } = controllableTask();
    const refresh = coalesced(task);
    const done = refresh();
    expect(runs).toHaveLength(1);
    runs[0].finish();
    await done;
  });

  it("gives callers that arrive during a run one shared follow-up run, not one each", async () => {
    const { task, runs } = controllableTask();
    const refresh = coalesced(task);
    const first = refresh();
    let laterDone = 0;
    const later = Array.from({ length: 100 }, () => refresh().then(() => laterDone++));
    expect(runs).toHaveLength(1);
    runs[0].finish();
    await first;
    await tick();
    // The late callers are not satisfied by the run that was already going when they asked.
    expect(laterDone).toBe(0);
    expect(runs).toHaveLength(2);
    runs[1].finish();
    await Promise.all(later);
    expect(laterDone).toBe(100);
    expect(runs).toHaveLength(2);
  });

  it("reports a failed run to its callers and still runs the queued one", async () => {
    const { task, runs } = controllableTask();
    const refresh = coalesced(task);
    const first = refresh();
    const second = refresh();
    runs[0].finish(new Error("database went away"));
    await expect(first).rejects.toThrow("database went away");
    await tick();
    runs[1].finish();
    await expect(second).resolves.toBeUndefined();
    // Idle again: the next caller starts a fresh run at once.
    const third = refresh();
    expect(runs).toHaveLength(3);
    runs[2].finish();
    await third;
  });
});
