// Forged bearer credentials for authorization tests: each is derived from a real token, and each
// must be refused exactly like no credential at all.
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import type { JwtKeys } from "../../src/crypto/jwt-keys.js";

const RESERVED = ["iss", "iat", "exp", "nbf", "jti"];

function claimsOf(token: string): Record<string, unknown> & { sub: string } {
  const claims = decodeJwt(token) as Record<string, unknown> & { sub: string };
  return Object.fromEntries(Object.entries(claims).filter(([key]) => !RESERVED.includes(key))) as typeof claims;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/**
 * Signed by the server's real key for a real session, with a short lifetime (1 s by default:
 * wait two seconds and it has expired, since `exp` is whole seconds).
 */
export function shortLivedCopy(jwtKeys: JwtKeys, token: string, ttlSeconds = 1): Promise<string> {
  return jwtKeys.sign(claimsOf(token), ttlSeconds);
}

/** The same signature over a payload with one claim changed. */
export function tamperedCopy(token: string, changes: Record<string, unknown>): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  return [header, encode({ ...claims, ...changes }), signature].join(".");
}

/** The same header (kid included) and claims, signed by an Ed25519 key the server never had. */
export async function copySignedByAnotherKey(token: string): Promise<string> {
  const { privateKey } = await generateKeyPair("EdDSA");
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: header.kid, typ: "JWT" }).sign(privateKey);
}

/** An unsecured JWT (`alg: none`, empty signature) with the same, unexpired claims. */
export function unsecuredCopy(token: string): string {
  return [encode({ alg: "none", typ: "JWT" }), token.split(".")[1], ""].join(".");
}
