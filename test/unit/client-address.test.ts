// The client address behind reverse proxies: X-Forwarded-For counts only when the socket's peer is
// a trusted proxy, is read from the right, and stops at the first untrusted or malformed entry.
import { describe, expect, it } from "vitest";
import { CidrSet, parseCidr } from "../../src/domain/net/ip.js";
import { parseForwardedEntry, resolveClientAddress } from "../../src/server/client-address.js";

const trusted = (...cidrs: string[]) => new CidrSet(cidrs.map((c) => parseCidr(c)));
const PROXIES = trusted("10.0.0.0/8", "fd00::/8");
const NONE = trusted();

describe("resolveClientAddress", () => {
  it("is the socket's peer when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(resolveClientAddress("198.51.100.7", "203.0.113.9", NONE)).toBe("198.51.100.7");
    expect(resolveClientAddress("10.0.0.2", "203.0.113.9", NONE)).toBe("10.0.0.2");
  });

  it("is the socket's peer when that peer is not a trusted proxy", () => {
    expect(resolveClientAddress("198.51.100.7", "203.0.113.9", PROXIES)).toBe("198.51.100.7");
  });

  it("unwraps IPv4-mapped IPv6 socket addresses, and is empty for no address", () => {
    expect(resolveClientAddress("::ffff:198.51.100.7", undefined, NONE)).toBe("198.51.100.7");
    expect(resolveClientAddress("::ffff:10.0.0.2", "203.0.113.9", PROXIES)).toBe("203.0.113.9");
    expect(resolveClientAddress(undefined, "203.0.113.9", PROXIES)).toBe("");
  });

  it("is the socket's peer when a trusted proxy sends no X-Forwarded-For", () => {
    expect(resolveClientAddress("10.0.0.2", undefined, PROXIES)).toBe("10.0.0.2");
  });

  it("takes the right-most entry that is not a trusted proxy, ignoring what the client wrote to its left", () => {
    expect(resolveClientAddress("10.0.0.2", "203.0.113.9", PROXIES)).toBe("203.0.113.9");
    expect(resolveClientAddress("10.0.0.2", "1.1.1.1, 203.0.113.9, 10.0.0.5", PROXIES)).toBe("203.0.113.9");
    expect(resolveClientAddress("10.0.0.2", "6.6.6.6,203.0.113.9,10.1.2.3,10.0.0.5", PROXIES)).toBe("203.0.113.9");
  });

  it("joins repeated X-Forwarded-For headers in order", () => {
    expect(resolveClientAddress("10.0.0.2", ["6.6.6.6, 203.0.113.9", "10.0.0.5"], PROXIES)).toBe("203.0.113.9");
  });

  it("handles IPv6 clients and proxies", () => {
    expect(resolveClientAddress("fd00::1", "2001:db8::7, fd00::2", PROXIES)).toBe("2001:db8::7");
    expect(resolveClientAddress("fd00::1", "[2001:DB8::7]:443", PROXIES)).toBe("2001:db8::7");
  });

  it("uses the left-most entry when every entry is a trusted proxy", () => {
    expect(resolveClientAddress("10.0.0.2", "10.9.9.9, 10.0.0.5", PROXIES)).toBe("10.9.9.9");
  });

  it("stops at a malformed entry and keeps the last good address, never reading further left", () => {
    expect(resolveClientAddress("10.0.0.2", "203.0.113.9, unknown", PROXIES)).toBe("10.0.0.2");
    expect(resolveClientAddress("10.0.0.2", "203.0.113.9, garbage, 10.0.0.5", PROXIES)).toBe("10.0.0.5");
    expect(resolveClientAddress("10.0.0.2", "", PROXIES)).toBe("10.0.0.2");
    expect(resolveClientAddress("10.0.0.2", "203.0.113.9,", PROXIES)).toBe("10.0.0.2");
  });
});

describe("parseForwardedEntry", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    [" 203.0.113.7 ", "203.0.113.7"],
    ["203.0.113.7:41234", "203.0.113.7"],
    ["2001:db8::1", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
  ])("reads %j as %s", (entry, address) => {
    expect(parseForwardedEntry(entry)).toBe(address);
  });

  it.each(["", "unknown", "_hidden", "203.0.113", "203.0.113.7:", "203.0.113.7:99999999", "2001:db8::1:443x", "[2001:db8::1", "example.com"])("refuses %j", (entry) => {
    expect(parseForwardedEntry(entry)).toBeUndefined();
  });
});
