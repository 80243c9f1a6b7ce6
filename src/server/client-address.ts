// The client address of a request: what rate limits, IP rules and audit records see.
//
// The socket's peer is the client, unless that peer is one of CLAWKEEP_TRUSTED_PROXIES. Then
// X-Forwarded-For is read from the right (each proxy appends the address it received from), every
// trusted proxy is skipped, and the right-most untrusted entry is the client. Entries to its left
// were written by the client itself and prove nothing, so they are never read.
//
// A malformed entry ends the walk: the answer is the last good address passed (a trusted proxy,
// possibly the socket's peer), never anything further left. That is the nearest hop we can still
// vouch for; a misconfigured proxy then shows up as its own address rather than as a guess.
import { isIP } from "node:net";
import { CidrSet, normalizeIp } from "../domain/net/ip.js";

export function resolveClientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined, trusted: CidrSet): string {
  const peer = socketAddress ? normalizeIp(socketAddress) : "";
  if (trusted.size === 0 || !trusted.contains(peer) || forwardedFor === undefined) return peer;
  const entries = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor).split(",");
  let client = peer;
  for (let i = entries.length - 1; i >= 0; i--) {
    const address = parseForwardedEntry(entries[i]);
    if (address === undefined) break;
    client = address;
    if (!trusted.contains(address)) break;
  }
  return client;
}

/**
 * One X-Forwarded-For entry as a canonical address, or undefined when it is not one. Accepts the
 * forms proxies write: "203.0.113.7", "2001:db8::1", "[2001:db8::1]", and with a port,
 * "203.0.113.7:41234" or "[2001:db8::1]:443".
 */
export function parseForwardedEntry(entry: string): string | undefined {
  let text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1];
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.lastIndexOf(":"));
  const address = normalizeIp(text);
  return isIP(address) === 0 ? undefined : address;
}
