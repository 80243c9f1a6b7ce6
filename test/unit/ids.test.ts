// UUIDv7: the shape RFC 9562 gives it, and ordering by time, which is what the audit log's index
// relies on to append at its end.
import { describe, expect, it } from "vitest";
import { isUuid, uuidv7 } from "../../src/domain/ids.js";

describe("uuidv7", () => {
  it("is a version 7 UUID of the RFC 4122 variant", () => {
    const id = uuidv7();
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe("7");
    expect(["8", "9", "a", "b"]).toContain(id[19]);
  });

  it("starts with its millisecond timestamp, so later ids sort after earlier ones", () => {
    const at = Date.UTC(2026, 11, 2, 5, 6, 7, 8);
    const id = uuidv7(at);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    const ids = Array.from({ length: 50 }, (_, i) => uuidv7(at + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1000 }, () => uuidv7(at))).size).toBe(1000);
  });
});
