import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "../../src/db/unavailable.js";

const errno = (code: string, syscall = "connect") => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

describe("isDatabaseUnavailable", () => {
  it("recognises a database that cannot be reached, however the error is wrapped", () => {
    expect(isDatabaseUnavailable(errno("ECONNREFUSED"))).toBe(true);
    expect(isDatabaseUnavailable(errno("ENOENT"))).toBe(true); // the Unix socket is gone
    expect(isDatabaseUnavailable(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("x"), { code: "08006" }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error("query failed"), { driverError: errno("ECONNRESET", "read") }))).toBe(true);
    expect(isDatabaseUnavailable(new Error("wrapped", { cause: new Error("timeout exceeded when trying to connect") }))).toBe(true);
  });

  it("leaves failed statements and other errors alone", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error("invalid input syntax"), { code: "22P02" }))).toBe(false);
    expect(isDatabaseUnavailable(errno("ENOENT", "open"))).toBe(false); // a missing file
    expect(isDatabaseUnavailable(new TypeError("x is undefined"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
