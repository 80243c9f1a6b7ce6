import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/db/batcher.js";

/** A batch runner whose batches return when the test says so. */
function gatedRunner(fail: (input: number) => boolean = () => false) {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = async (inputs: number[]): Promise<string[]> => {
    batches.push(inputs);
    await new Promise<void>((resolve) => gates.push(resolve));
    if (inputs.some(fail)) throw new Error(`batch ${inputs.join(",")} failed`);
    return inputs.map((n) => `answer ${n}`);
  };
  /** Lets every batch out so far return, and waits until the ones that follow have started. */
  const release = async () => {
    for (const open of gates.splice(0)) open();
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { run, batches, release };
}

describe("Batcher", () => {
  it("sends a call at once while below its limit, and the calls that queued behind it together", async () => {
    const runner = gatedRunner();
    const batcher = new Batcher(runner.run, { maxInFlight: 2, maxBatch: 3 });
    const answers = Array.from({ length: 7 }, (_, i) => batcher.run(i));
    // Two went alone; the other five wait.
    expect(runner.batches).toEqual([[0], [1]]);
    await runner.release();
    // As the two returned, the queue left: at most three to a batch.
    expect(runner.batches).toEqual([[0], [1], [2, 3, 4], [5, 6]]);
    for (let i = 0; i < 3; i++) await runner.release();
    expect(await Promise.all(answers)).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => `answer ${n}`));
  });

  it("answers the calls of a failed batch one by one, so only the failing call fails", async () => {
    const runner = gatedRunner((n) => n === 3);
    const batcher = new Batcher(runner.run, { maxInFlight: 1, maxBatch: 10 });
    const answers = [0, 1, 2, 3, 4].map((n) => batcher.run(n).catch((error: Error) => error.message));
    for (let i = 0; i < 10; i++) await runner.release();
    expect(await Promise.all(answers)).toEqual(["answer 0", "answer 1", "answer 2", "batch 3 failed", "answer 4"]);
    // The batch of four failed, then each of its calls went alone.
    expect(runner.batches).toEqual([[0], [1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it("fails every call of a batch at once when the failure is everyone's", async () => {
    const runner = gatedRunner((n) => n === 3);
    const batcher = new Batcher(runner.run, { maxInFlight: 1, maxBatch: 10, retryAlone: (error) => !String(error).includes("batch 1,2,3,4") });
    const answers = [0, 1, 2, 3, 4].map((n) => batcher.run(n).catch((error: Error) => error.message));
    for (let i = 0; i < 10; i++) await runner.release();
    expect(await Promise.all(answers)).toEqual(["answer 0", ...[1, 2, 3, 4].map(() => "batch 1,2,3,4 failed")]);
    expect(runner.batches).toEqual([[0], [1, 2, 3, 4]]);
  });
});
