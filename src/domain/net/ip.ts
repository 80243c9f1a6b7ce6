// IP addresses and CIDR ranges, IPv4 and IPv6, for policy ip_allowlist conditions, org IP rules
// and trusted proxies. Matching is node:net's BlockList, so no address arithmetic lives here.
import { BlockList, isIP } from "node:net";
import { DomainError } from "../errors.js";

export type IpFamily = "ipv4" | "ipv6";

export interface Cidr {
  /** The network address as written (an IPv4-mapped IPv6 address is unwrapped to IPv4). */
  address: string;
  prefix: number;
  family: IpFamily;
}

/**
 * Parses "203.0.113.0/24", "2001:db8::/32" or a bare address (a /32 or /128). Throws a 400 that
 * names the field and what is wrong.
 */
export function parseCidr(text: string, field = "cidr"): Cidr {
  if (typeof text !== "string" || text.trim() === "") throw new DomainError("invalid_argument", `${field} must be an IP address or CIDR, got an empty value`);
  const shown = text.slice(0, 64);
  const [rawAddress, rawPrefix, extra] = text.trim().split("/");
  if (extra !== undefined) throw new DomainError("invalid_argument", `${field} "${shown}" has more than one "/"`);
  const address = normalizeIp(rawAddress);
  const version = isIP(address);
  if (version === 0) throw new DomainError("invalid_argument", `${field} "${shown}" is not an IPv4 or IPv6 address or CIDR`);
  const family: IpFamily = version === 4 ? "ipv4" : "ipv6";
  const max = version === 4 ? 32 : 128;
  if (rawPrefix === undefined) return { address, prefix: max, family };
  if (!/^\d{1,3}$/.test(rawPrefix) || Number(rawPrefix) > max) {
    throw new DomainError("invalid_argument", `${field} "${shown}" has prefix length "${rawPrefix.slice(0, 8)}"; it must be 0-${max} for ${family === "ipv4" ? "IPv4" : "IPv6"}`);
  }
  return { address, prefix: Number(rawPrefix), family };
}

export function formatCidr(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}

/** Socket and header addresses as one canonical string: IPv4-mapped IPv6 becomes plain IPv4. */
export function normalizeIp(address: string): string {
  const trimmed = address.trim();
  const unbracketed = trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed;
  const lower = unbracketed.toLowerCase();
  return lower.startsWith("::ffff:") && isIP(lower.slice(7)) === 4 ? lower.slice(7) : lower;
}

export function isIpAddress(address: string): boolean {
  return isIP(normalizeIp(address)) !== 0;
}

/** A set of ranges; `contains` answers false for anything that is not an IP address. */
export class CidrSet {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(cidrs: Iterable<Cidr>) {
    let size = 0;
    for (const cidr of cidrs) {
      this.list.addSubnet(cidr.address, cidr.prefix, cidr.family);
      size++;
    }
    this.size = size;
  }

  contains(address: string): boolean {
    // Most organisations have no rules: every call asks, so the empty set answers at once.
    if (this.size === 0) return false;
    const ip = normalizeIp(address);
    const version = isIP(ip);
    if (version === 0) return false;
    return this.list.check(ip, version === 4 ? "ipv4" : "ipv6");
  }
}
