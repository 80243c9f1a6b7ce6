// What the HTML pages need from a raw HTTP request: a size-limited urlencoded form body, cookies,
// and the signed double-submit CSRF token. Kept apart from the page so the page reads as a flow.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Forms here carry an email, a password and two tokens; anything bigger is not ours. */
const DEFAULT_MAX_FORM_BYTES = 16 * 1024;

export class FormTooLargeError extends Error {
  override name = "FormTooLargeError";
}

export async function readForm(req: IncomingMessage, maxBytes = DEFAULT_MAX_FORM_BYTES): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new FormTooLargeError(`the form is larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export function cookiesOf(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
  }
  return cookies;
}

export interface CookieOptions {
  path: string;
  secure: boolean;
  /** Seconds; 0 deletes the cookie. Absent: a session cookie. */
  maxAge?: number;
}

/** HttpOnly and SameSite=Lax always: scripts never read these, and other sites never post with them. */
export function cookieHeader(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path}`, "HttpOnly", "SameSite=Lax"];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  if (options.secure) parts.push("Secure");
  return parts.join("; ");
}

export function newCsrfSeed(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The token a form carries: an HMAC of the browser's random seed cookie and what the form acts
 * on. Another site can make a browser send the cookie, but cannot read it to compute the token.
 */
export function csrfToken(key: Buffer, seed: string, scope: string): string {
  return createHmac("sha256", key).update(`${seed}\n${scope}`).digest("base64url");
}

export function csrfValid(key: Buffer, seed: string | undefined, scope: string, presented: string | null): boolean {
  if (!seed || !presented) return false;
  const expected = Buffer.from(csrfToken(key, seed, scope));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * A form post must come from our own pages: when the browser names an Origin, it has to be the
 * host the request was sent to. (Browsers send Origin on every cross-site POST.)
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
