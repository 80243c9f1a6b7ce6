// The keys Clawkeep signs its access tokens with: Ed25519 (JWS alg EdDSA) via `jose`. Keys live
// in the database (jwt-key-store.ts), the public half as a JWK and the private half (PKCS#8) sealed by
// the keyring, so every instance sharing the database signs and verifies with the same keys.
//
// Rotation with overlap: `rotate()` adds a new key, which becomes the signer, and schedules every
// older key's retirement `overlapSeconds` later (default 24 h, the longest token lifetime we
// issue), so tokens already handed out keep verifying until they expire. `retire(kid)` ends a
// key at once, for a key believed compromised. A key verifies while `retired_at` is NULL or in
// the future, and only such keys are published in the JWKS.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign as cryptoSign, type JsonWebKey, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, decodeProtectedHeader, jwtVerify, type JWK, type JWTPayload } from "jose";
import type { DataSource, EntityManager } from "typeorm";
import { coalesced } from "./coalesce.js";
import type { Keyring, SealedBox } from "./keyring.js";
import {
  allJwtKeys,
  hasActiveJwtKey,
  insertJwtKey,
  jwtKeyRetirement,
  lockJwtKeys,
  retireNow,
  rewrapJwtKey,
  scheduleRetirementOfActive,
  type JwtKeyRow,
} from "./jwt-key-store.js";

export interface JwtKeysOptions {
  /** The `iss` of every token signed, and the only issuer accepted. */
  issuer: string;
  /** How long keys replaced by `rotate()` keep verifying; default 24 hours. */
  overlapSeconds?: number;
}


interface LoadedKey {
  kid: string;
  publicJwk: JWK;
  publicKey: KeyObject;
  /** Position in creation order (the database's microsecond timestamps, ties broken by kid). */
  rank: number;
  /** When it stops verifying; null while it is (or may become) the signer. */
  retiredAt: Date | null;
  box: SealedBox;
}

export const DEFAULT_OVERLAP_SECONDS = 24 * 60 * 60;
/**
 * Other instances learn of a rotation or retirement made elsewhere within this long, without a
 * signal between them: sign and verify re-read the (tiny) table when their copy is older.
 */
const STALE_AFTER_MS = 60_000;
/** Far longer than any token we issue; anything bigger is refused before it is parsed. */
const MAX_TOKEN_LENGTH = 16_384;
/**
 * Tokens whose signature was checked, kept so that a client calling again with the same token
 * (an agent, hundreds of times an hour) costs a lookup instead of a signature verification.
 */
const MAX_VERIFIED_TOKENS = 10_000;

/** The AAD a private key is sealed with: a sealed key cannot be moved to another kid's row. */
function privateKeyAad(kid: string): string {
  return `jwt-key:${kid}`;
}

export class JwtKeys {
  private keys = new Map<string, LoadedKey>();
  /** Exactly these token strings verified: their claims, and the key that signed them. */
  private verified = new Map<string, { payload: JWTPayload; kid: string; expiresAt: number }>();
  private signer: { kid: string; privateKey: KeyObject } | undefined;
  private loadedAt = 0;
  private readonly reload = coalesced(() => this.load());
  private readonly issuer: string;
  private readonly overlapSeconds: number;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly keyring: Keyring,
    opts: JwtKeysOptions,
  ) {
    this.issuer = opts.issuer;
    this.overlapSeconds = opts.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
    if (!(this.overlapSeconds >= 0)) throw new Error("overlapSeconds must be zero or more");
  }

  /** Loads the keys, creating the first one on an empty database (once, however many instances start). */
  static async open(dataSource: DataSource, keyring: Keyring, opts: JwtKeysOptions): Promise<JwtKeys> {
    const keys = new JwtKeys(dataSource, keyring, opts);
    await dataSource.transaction(async (manager) => {
      await lockJwtKeys(manager);
      if (!(await hasActiveJwtKey(manager))) await keys.insertNewKey(manager);
    });
    await keys.refresh();
    return keys;
  }

  /** Signs an EdDSA JWT with the current key: header kid + typ JWT; iss, iat, exp, and jti (a random UUID unless given). */
  async sign(claims: Record<string, unknown> & { sub: string }, ttlSeconds: number): Promise<string> {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new Error("ttlSeconds must be a positive whole number");
    // A failed re-read leaves the loaded signer in place; it stays valid through any overlap.
    await this.refreshIfStale().catch(() => undefined);
    const signer = this.signer;
    if (!signer) throw new Error("no JWT signing key is loaded");
    const { jti, ...rest } = claims;
    const now = Math.floor(Date.now() / 1000);
    // A compact JWS (RFC 7515) signed with node:crypto: jose signs through WebCrypto, whose job
    // machinery costs several times the Ed25519 signature itself on every token exchange.
    // Verification stays with jose.
    const header = base64url(JSON.stringify({ alg: "EdDSA", kid: signer.kid, typ: "JWT" }));
    const payload = base64url(
      JSON.stringify({ ...rest, iss: this.issuer, sub: claims.sub, iat: now, exp: now + ttlSeconds, jti: typeof jti === "string" && jti !== "" ? jti : randomUUID() }),
    );
    const signature = cryptoSign(null, Buffer.from(`${header}.${payload}`), signer.privateKey).toString("base64url");
    return `${header}.${payload}.${signature}`;
  }

  /**
   * The token's claims when it is an EdDSA JWT of ours: signed by a key that still verifies, our
   * issuer, not expired. Anything else is undefined, never an exception: `alg` is pinned to
   * EdDSA (no `none`, no HMAC with the public key as secret), and a kid we do not know makes us
   * re-read the keys once, since another instance may just have rotated.
   */
  async verify(token: string): Promise<JWTPayload | undefined> {
    if (typeof token !== "string" || token.length > MAX_TOKEN_LENGTH) return undefined;
    // A failed re-read must not turn into an exception here; the keys already loaded still serve.
    await this.refreshIfStale().catch(() => undefined);
    // A token verified before had its header checked then: the steady state decodes nothing.
    const known = this.verified.get(token);
    if (known) {
      const signer = this.keys.get(known.kid);
      // Still unexpired, and its key still verifies (a retired key ends its tokens at once).
      if (Date.now() < known.expiresAt && signer && verifiesAt(signer, Date.now())) return known.payload;
      this.verified.delete(token);
    }
    let kid: unknown;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== "EdDSA") return undefined;
      kid = header.kid;
    } catch {
      return undefined;
    }
    if (typeof kid !== "string" || kid.length === 0 || kid.length > 128) return undefined;
    let key = this.keys.get(kid);
    if (!key) {
      // Refreshes are coalesced (one running, one queued), so made-up kids cannot flood the database.
      await this.refresh().catch(() => undefined);
      key = this.keys.get(kid);
      if (!key) return undefined;
    }
    if (!verifiesAt(key, Date.now())) return undefined;
    try {
      const { payload } = await jwtVerify(token, key.publicKey, {
        algorithms: ["EdDSA"],
        issuer: this.issuer,
        typ: "JWT",
        requiredClaims: ["sub", "iat", "exp", "jti"],
      });
      this.remember(token, payload, kid);
      return payload;
    } catch {
      return undefined;
    }
  }

  private remember(token: string, payload: JWTPayload, kid: string): void {
    if (typeof payload.exp !== "number") return;
    // Oldest first out: a Map iterates in insertion order.
    if (this.verified.size >= MAX_VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, { payload: Object.freeze(payload), kid, expiresAt: payload.exp * 1000 });
  }

  /** The public keys that currently verify, newest (the signer) first, for /.well-known/jwks.json. */
  jwks(): JWK[] {
    const now = Date.now();
    return [...this.keys.values()]
      .filter((key) => verifiesAt(key, now))
      .sort((a, b) => b.rank - a.rank)
      .map((key) => ({ ...key.publicJwk, kid: key.kid, use: "sig", alg: "EdDSA" }));
  }

  /** The kid new tokens are signed with. */
  currentKid(): string {
    if (!this.signer) throw new Error("no JWT signing key is loaded");
    return this.signer.kid;
  }

  /**
   * Makes a new key the signer and schedules the retirement of every older key after the overlap;
   * returns the new kid. Other instances switch to it within a minute, or at once on `refresh()`.
   */
  async rotate(): Promise<string> {
    const kid = await this.dataSource.transaction(async (manager) => {
      await lockJwtKeys(manager);
      await scheduleRetirementOfActive(manager, this.overlapSeconds);
      return this.insertNewKey(manager);
    });
    await this.refresh();
    return kid;
  }

  /**
   * Stops a key verifying now, ahead of its scheduled retirement (a key believed compromised).
   * The signer cannot be retired: rotate first. Returns false when no such unretired key exists.
   */
  async retire(kid: string): Promise<boolean> {
    const retired = await this.dataSource.transaction(async (manager) => {
      await lockJwtKeys(manager);
      const row = await jwtKeyRetirement(manager, kid);
      if (!row) return false;
      if (row.retired_at === null) throw new Error(`JWT key ${kid} is the signing key; rotate before retiring it`);
      return retireNow(manager, kid);
    });
    await this.refresh();
    return retired;
  }

  /**
   * Re-wraps every private key's data key under the keyring's current KEK (after a master-KEK
   * rotation); returns how many rows changed. A row changed meanwhile by another instance is
   * left alone by the conditional update, and picked up by the next run.
   */
  async rewrapPrivateKeys(): Promise<number> {
    let changed = 0;
    for (const row of await allJwtKeys(this.dataSource)) {
      const box = boxOf(row);
      const rewrapped = await this.keyring.rewrapRefreshing(box);
      if (rewrapped.kekVersion === box.kekVersion) continue;
      changed += await rewrapJwtKey(this.dataSource, row.kid, box, rewrapped);
    }
    return changed;
  }

  /** Re-reads the keys from the database; concurrent calls share reads (see coalesce.ts). */
  refresh(): Promise<void> {
    return this.reload();
  }

  private async refreshIfStale(): Promise<void> {
    if (Date.now() - this.loadedAt > STALE_AFTER_MS) await this.refresh();
  }

  private async load(): Promise<void> {
    const rows = await allJwtKeys(this.dataSource);
    const keys = new Map<string, LoadedKey>();
    for (const [rank, row] of rows.entries()) {
      keys.set(row.kid, {
        kid: row.kid,
        rank,
        publicJwk: { kty: row.public_jwk.kty, crv: row.public_jwk.crv, x: row.public_jwk.x },
        publicKey: createPublicKey({ key: row.public_jwk as JsonWebKey, format: "jwk" }),
        retiredAt: row.retired_at === null ? null : new Date(row.retired_at),
        box: boxOf(row),
      });
    }
    // The signer is the newest key not yet scheduled for retirement; rotate() leaves exactly one.
    const candidates = [...keys.values()].filter((key) => key.retiredAt === null);
    const newest = candidates[candidates.length - 1];
    if (!newest) throw new Error("the database holds no active JWT signing key; it must be opened with JwtKeys.open");
    if (this.signer?.kid !== newest.kid) {
      const pkcs8 = await this.keyring.openRefreshing(newest.box, privateKeyAad(newest.kid));
      try {
        this.signer = { kid: newest.kid, privateKey: createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }) };
      } finally {
        pkcs8.fill(0);
      }
    }
    this.keys = keys;
    this.loadedAt = Date.now();
  }

  /** Generates an Ed25519 key pair and stores it, the private half sealed; returns its kid. */
  private async insertNewKey(manager: EntityManager): Promise<string> {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const publicJwk = publicKey.export({ format: "jwk" }) as JWK;
    // The RFC 7638 thumbprint: a kid that is derived from the key, so it can never name another.
    const kid = await calculateJwkThumbprint(publicJwk);
    const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
    try {
      const box = this.keyring.seal(pkcs8, privateKeyAad(kid));
      await insertJwtKey(manager, { kid, publicJwk, kekVersion: box.kekVersion, wrappedDek: box.wrappedDek, ciphertext: box.ciphertext });
    } finally {
      pkcs8.fill(0);
    }
    return kid;
  }
}

function base64url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

function verifiesAt(key: LoadedKey, now: number): boolean {
  return key.retiredAt === null || key.retiredAt.getTime() > now;
}

function boxOf(row: Pick<JwtKeyRow, "private_kek_version" | "private_wrapped_dek" | "private_ciphertext">): SealedBox {
  return { kekVersion: row.private_kek_version, wrappedDek: row.private_wrapped_dek, ciphertext: row.private_ciphertext };
}
