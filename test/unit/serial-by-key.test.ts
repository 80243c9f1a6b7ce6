import { describe, expect, it } from "vitest";
import { SerialByKey } from "../../src/domain/serial-by-key.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("SerialByKey", () => {
  it("runs the work of one key one at a time, in order, and other keys' work meanwhile", async () => {
    const serial = new SerialByKey();
    const log: string[] = [];
    const work = (name: string) => async () => {
      log.push(`${name} starts`);
      await tick();
      log.push(`${name} ends`);
      return name;
    };
    const results = await Promise.all([serial.run("a", work("a1")), serial.run("a", work("a2")), serial.run("b", work("b1"))]);
    expect(results).toEqual(["a1", "a2", "b1"]);
    const at = (entry: string) => log.indexOf(entry);
    expect(at("a2 starts")).toBeGreaterThan(at("a1 ends"));
    expect(at("b1 starts")).toBeLessThan(at("a1 ends"));
  });

  it("starts the next work of a key after one that failed, and passes each its own outcome", async () => {
    const serial = new SerialByKey();
    const failed = serial.run("a", async () => {
      await tick();
      throw new Error("first failed");
    });
    const next = serial.run("a", async () => "second ran");
    await expect(failed).rejects.toThrow("first failed");
    await expect(next).resolves.toBe("second ran");
  });
});
