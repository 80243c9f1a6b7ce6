// The keyring and the JWT signing keys against a real database (embedded, or PostgreSQL when
// DATABASE_URL is set): KEK rotation and rewrapping seen across instances, a wrong master key
// refused, start-up races creating exactly one key, and tokens that verify only when they should.
import { createHmac, createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import { decodeProtectedHeader, SignJWT, type JWTPayload } from "jose";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JwtKeys } from "../../src/crypto/jwt-keys.js";
import { DecryptionError, Keyring, UnknownKekVersionError } from "../../src/crypto/keyring.js";
import { openDatabase, type Database } from "../../src/db/database.js";
import { freshDatabase, usingPostgres, type FreshDatabase } from "../support/database.js";

const logger = pino({ level: process.env.CLAWKEEP_TEST_LOG ?? "silent" });
const ISSUER = "https://clawkeep.test";
const AAD = "vault:8a1c/path:api-keys/openai/version:1";

interface OpenDatabase {
  fresh: FreshDatabase;
  database: Database;
  close(): Promise<void>;
}

async function openFresh(): Promise<OpenDatabase> {
  const fresh = await freshDatabase();
  const database = await openDatabase(fresh, logger);
  return {
    fresh,
    database,
    async close() {
      await database.close();
      await fresh.drop();
    },
  };
}

function b64url(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

function claimsNow(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { sub: "user:attacker", iss: ISSUER, iat: now, exp: now + 600, jti: randomUUID(), ...extra };
}

describe("keyring", () => {
  let db: OpenDatabase;
  const master = randomBytes(32);
  beforeAll(async () => {
    db = await openFresh();
  });
  afterAll(async () => {
    await db?.close();
  });

  it("creates KEK version 1 on an empty database, stored wrapped, and seals and opens with it", async () => {
    const keyring = await Keyring.open(db.database.dataSource, master);
    expect(keyring.currentVersion()).toBe(1);
    const rows: { version: number; wrapped_key: Buffer }[] = await db.database.dataSource.query(`SELECT "version", "wrapped_key" FROM "clawkeep_kek_versions"`);
    expect(rows.map((r) => r.version)).toEqual([1]);
    expect(rows[0].wrapped_key).toHaveLength(60);

    const box = keyring.seal(Buffer.from("sk-openai-secret"), AAD);
    expect(box.kekVersion).toBe(1);
    expect(keyring.open(box, AAD).toString()).toBe("sk-openai-secret");
    expect(() => keyring.open(box, AAD.replace("version:1", "version:2"))).toThrow(DecryptionError);
    const tampered = Buffer.from(box.ciphertext);
    tampered[tampered.length - 1] ^= 0x80;
    expect(() => keyring.open({ ...box, ciphertext: tampered }, AAD)).toThrow(DecryptionError);
  });

  it("rotates to a new KEK version; old boxes still open, rewrap moves only the data key, new seals use the new version", async () => {
    const keyring = await Keyring.open(db.database.dataSource, master);
    const before = keyring.currentVersion();
    const old = keyring.seal(Buffer.from("value sealed before rotation"), AAD);
    const version = await keyring.rotate();
    expect(version).toBe(before + 1);
    expect(keyring.currentVersion()).toBe(version);
    expect(keyring.open(old, AAD).toString()).toBe("value sealed before rotation");

    const rewrapped = keyring.rewrap(old);
    expect(rewrapped.kekVersion).toBe(version);
    expect(rewrapped.ciphertext.equals(old.ciphertext)).toBe(true);
    expect(rewrapped.wrappedDek.equals(old.wrappedDek)).toBe(false);
    expect(keyring.open(rewrapped, AAD).toString()).toBe("value sealed before rotation");
    // Already current: nothing to do, so a rewrap-everything job can skip the write.
    expect(keyring.rewrap(rewrapped)).toBe(rewrapped);

    expect(keyring.seal(Buffer.from("new"), AAD).kekVersion).toBe(version);
  });

  it("lets a second instance on the same database see a rotation once it refreshes", async () => {
    const first = await Keyring.open(db.database.dataSource, master);
    const second = await Keyring.open(db.database.dataSource, master);
    expect(second.currentVersion()).toBe(first.currentVersion());
    const version = await first.rotate();
    const box = first.seal(Buffer.from("sealed under the newest KEK"), AAD);

    // Synchronous open cannot reach the database: it says which version it lacks.
    expect(() => second.open(box, AAD)).toThrow(UnknownKekVersionError);
    expect(second.currentVersion()).toBe(version - 1);
    // The refreshing variant re-reads the versions once and then succeeds.
    expect((await second.openRefreshing(box, AAD)).toString()).toBe("sealed under the newest KEK");
    expect(second.currentVersion()).toBe(version);

    // Until it refreshes, an instance rewraps to the newest version it knows; afterwards to the new one.
    const third = await Keyring.open(db.database.dataSource, master);
    const older = third.seal(Buffer.from("x"), AAD);
    const newer = await first.rotate();
    expect(third.rewrap(older).kekVersion).toBe(newer - 1);
    await third.refresh();
    expect(third.rewrap(older).kekVersion).toBe(newer);
    expect(first.open(third.rewrap(older), AAD).toString()).toBe("x");
  });

  it("fails after a refresh when a box names a KEK version that does not exist", async () => {
    const keyring = await Keyring.open(db.database.dataSource, master);
    const box = keyring.seal(Buffer.from("x"), AAD);
    await expect(keyring.openRefreshing({ ...box, kekVersion: 999 }, AAD)).rejects.toBeInstanceOf(DecryptionError);
    await expect(keyring.rewrapRefreshing({ ...box, kekVersion: 999 })).rejects.toBeInstanceOf(UnknownKekVersionError);
  });

  it("gives every concurrent rotation a version of its own", async () => {
    const keyrings = await Promise.all(Array.from({ length: 5 }, () => Keyring.open(db.database.dataSource, master)));
    const start = keyrings[0].currentVersion();
    const versions = await Promise.all(keyrings.map((k) => k.rotate()));
    expect([...versions].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5].map((n) => start + n));
  });

  it("refuses to open with another master key, saying CLAWKEEP_MASTER_KEY is wrong", async () => {
    await expect(Keyring.open(db.database.dataSource, randomBytes(32))).rejects.toThrow(/CLAWKEEP_MASTER_KEY is not the key this database's keys were encrypted with/);
    await expect(Keyring.open(db.database.dataSource, randomBytes(16))).rejects.toThrow(/32 bytes/);
  });
});

describe("keys created by instances starting at the same time on an empty database", () => {
  it("are one KEK version 1 and one JWT signing key (one connection pool)", async () => {
    const db = await openFresh();
    try {
      const master = randomBytes(32);
      const keyrings = await Promise.all(Array.from({ length: 6 }, () => Keyring.open(db.database.dataSource, master)));
      expect(keyrings.map((k) => k.currentVersion())).toEqual([1, 1, 1, 1, 1, 1]);
      const box = keyrings[0].seal(Buffer.from("shared"), AAD);
      for (const keyring of keyrings) expect(keyring.open(box, AAD).toString()).toBe("shared");

      const jwtKeys = await Promise.all(keyrings.map((keyring) => JwtKeys.open(db.database.dataSource, keyring, { issuer: ISSUER })));
      expect(new Set(jwtKeys.map((k) => k.currentKid())).size).toBe(1);
      const rows: { n: number }[] = await db.database.dataSource.query(`SELECT count(*)::int AS "n" FROM "clawkeep_jwt_keys"`);
      expect(rows[0].n).toBe(1);
    } finally {
      await db.close();
    }
  });

  describe.skipIf(!usingPostgres)("on PostgreSQL, from separate connection pools", () => {
    it("are one KEK version 1 and one JWT signing key", async () => {
      const fresh = await freshDatabase();
      const databases = await Promise.all(Array.from({ length: 3 }, () => openDatabase(fresh, logger)));
      try {
        const master = randomBytes(32);
        const keyrings = await Promise.all(databases.flatMap((d) => [Keyring.open(d.dataSource, master), Keyring.open(d.dataSource, master)]));
        expect(new Set(keyrings.map((k) => k.currentVersion()))).toEqual(new Set([1]));
        const versions: { n: number }[] = await databases[0].dataSource.query(`SELECT count(*)::int AS "n" FROM "clawkeep_kek_versions"`);
        expect(versions[0].n).toBe(1);
        // Every instance unwrapped the same KEK: a box from one opens in all.
        const box = keyrings[0].seal(Buffer.from("shared"), AAD);
        for (const keyring of keyrings) expect(keyring.open(box, AAD).toString()).toBe("shared");

        const jwtKeys = await Promise.all(keyrings.map((keyring, i) => JwtKeys.open(databases[i % 3].dataSource, keyring, { issuer: ISSUER })));
        expect(new Set(jwtKeys.map((k) => k.currentKid())).size).toBe(1);
        const token = await jwtKeys[0].sign({ sub: "user:1" }, 60);
        for (const keys of jwtKeys) expect((await keys.verify(token))?.sub).toBe("user:1");
      } finally {
        await Promise.all(databases.map((d) => d.close()));
        await fresh.drop();
      }
    });
  });
});

describe("JWT signing keys", () => {
  let db: OpenDatabase;
  let other: OpenDatabase;
  let keyring: Keyring;
  let keys: JwtKeys;
  const master = randomBytes(32);

  /** The private key of a stored kid, unsealed with the real keyring: lets a test sign tokens our API never would. */
  async function storedPrivateKey(kid: string): Promise<KeyObject> {
    const rows: { private_kek_version: number; private_wrapped_dek: Buffer; private_ciphertext: Buffer }[] = await db.database.dataSource.query(
      `SELECT "private_kek_version", "private_wrapped_dek", "private_ciphertext" FROM "clawkeep_jwt_keys" WHERE "kid" = $1`,
      [kid],
    );
    const pkcs8 = await keyring.openRefreshing(
      { kekVersion: rows[0].private_kek_version, wrappedDek: rows[0].private_wrapped_dek, ciphertext: rows[0].private_ciphertext },
      `jwt-key:${kid}`,
    );
    return createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  }

  async function signRaw(privateKey: KeyObject, kid: string, claims: JWTPayload): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid, typ: "JWT" }).sign(privateKey);
  }

  beforeAll(async () => {
    db = await openFresh();
    other = await openFresh();
    keyring = await Keyring.open(db.database.dataSource, master);
    keys = await JwtKeys.open(db.database.dataSource, keyring, { issuer: ISSUER });
  });
  afterAll(async () => {
    await db?.close();
    await other?.close();
  });

  it("signs EdDSA tokens with kid and typ, iss, iat, exp and a random jti, and verifies them", async () => {
    const token = await keys.sign({ sub: "user:42", org: "org-1", role: "owner" }, 900);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "EdDSA", kid: keys.currentKid(), typ: "JWT" });
    const claims = await keys.verify(token);
    expect(claims).toMatchObject({ sub: "user:42", org: "org-1", role: "owner", iss: ISSUER });
    expect(claims!.exp! - claims!.iat!).toBe(900);
    expect(claims!.jti).toMatch(/^[0-9a-f-]{36}$/);
    const another = await keys.verify(await keys.sign({ sub: "user:42" }, 900));
    expect(another!.jti).not.toBe(claims!.jti);
    expect((await keys.verify(await keys.sign({ sub: "user:42", jti: "chosen-id" }, 60)))!.jti).toBe("chosen-id");
    await expect(keys.sign({ sub: "user:42" }, 0)).rejects.toThrow(/ttlSeconds/);
  });

  it("rejects alg none, with or without our kid", async () => {
    for (const header of [{ alg: "none", typ: "JWT" }, { alg: "none", typ: "JWT", kid: keys.currentKid() }, { alg: "None", kid: keys.currentKid() }]) {
      const unsigned = `${b64url(header)}.${b64url(claimsNow())}.`;
      expect(await keys.verify(unsigned)).toBeUndefined();
      expect(await keys.verify(`${unsigned}c2lnbmF0dXJl`)).toBeUndefined();
    }
  });

  it("rejects HS256 tokens keyed with anything public about our key (algorithm confusion)", async () => {
    const kid = keys.currentKid();
    const jwk = keys.jwks().find((k) => k.kid === kid)!;
    const secrets = [Buffer.from(jwk.x!, "base64url"), Buffer.from(jwk.x!), Buffer.from(JSON.stringify(jwk)), Buffer.from(kid)];
    for (const alg of ["HS256", "HS512"]) {
      for (const secret of secrets) {
        const input = `${b64url({ alg, typ: "JWT", kid })}.${b64url(claimsNow())}`;
        const mac = createHmac(alg === "HS256" ? "sha256" : "sha512", secret).update(input).digest("base64url");
        expect(await keys.verify(`${input}.${mac}`)).toBeUndefined();
      }
    }
  });

  it("rejects a token signed by another JwtKeys on another database, and one forged with our kid", async () => {
    const otherKeyring = await Keyring.open(other.database.dataSource, randomBytes(32));
    const otherKeys = await JwtKeys.open(other.database.dataSource, otherKeyring, { issuer: ISSUER });
    const foreign = await otherKeys.sign({ sub: "user:42" }, 900);
    expect(await otherKeys.verify(foreign)).toBeDefined();
    expect(await keys.verify(foreign)).toBeUndefined();
    expect(await otherKeys.verify(await keys.sign({ sub: "user:42" }, 900))).toBeUndefined();

    const { privateKey } = generateKeyPairSync("ed25519");
    expect(await keys.verify(await signRaw(privateKey, keys.currentKid(), claimsNow()))).toBeUndefined();
  });

  it("rejects expired tokens, other issuers, missing claims, altered payloads and signatures, and junk", async () => {
    const kid = keys.currentKid();
    const privateKey = await storedPrivateKey(kid);
    // Signed with our real key, so only the claim in question is wrong.
    expect(await keys.verify(await signRaw(privateKey, kid, claimsNow()))).toBeDefined();
    const past = Math.floor(Date.now() / 1000) - 3600;
    expect(await keys.verify(await signRaw(privateKey, kid, claimsNow({ iat: past, exp: past + 60 })))).toBeUndefined();
    expect(await keys.verify(await signRaw(privateKey, kid, claimsNow({ iss: "https://evil.example" })))).toBeUndefined();
    const withoutExp = claimsNow();
    delete withoutExp.exp;
    expect(await keys.verify(await signRaw(privateKey, kid, withoutExp))).toBeUndefined();
    const typJose = await new SignJWT(claimsNow()).setProtectedHeader({ alg: "EdDSA", kid, typ: "at+jwt" }).sign(privateKey);
    expect(await keys.verify(typJose)).toBeUndefined();

    const token = await keys.sign({ sub: "user:1", role: "member" }, 900);
    const [header, payload, signature] = token.split(".");
    const promoted = b64url({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), role: "owner" });
    expect(await keys.verify(`${header}.${promoted}.${signature}`)).toBeUndefined();
    const sig = Buffer.from(signature, "base64url");
    sig[0] ^= 1;
    expect(await keys.verify(`${header}.${payload}.${sig.toString("base64url")}`)).toBeUndefined();
    for (const junk of ["", "a.b.c", "not a token", `${header}.${payload}`, `${token}.extra`, "x".repeat(100_000)]) {
      expect(await keys.verify(junk)).toBeUndefined();
    }
    // A well-formed token naming a kid nobody has: re-reads the keys, then gives up quietly.
    expect(await keys.verify(await signRaw(privateKey, "no-such-kid", claimsNow()))).toBeUndefined();
  });

  it("keeps tokens of the previous key valid after a rotation, and lists both keys in the JWKS", async () => {
    const oldKid = keys.currentKid();
    const oldToken = await keys.sign({ sub: "user:7" }, 900);
    const newKid = await keys.rotate();
    expect(newKid).not.toBe(oldKid);
    expect(keys.currentKid()).toBe(newKid);
    const newToken = await keys.sign({ sub: "user:7" }, 900);
    expect(decodeProtectedHeader(newToken).kid).toBe(newKid);
    expect((await keys.verify(oldToken))?.sub).toBe("user:7");
    expect((await keys.verify(newToken))?.sub).toBe("user:7");

    const jwks = keys.jwks();
    expect(jwks.map((k) => k.kid).slice(0, 2)).toEqual([newKid, oldKid]);
    for (const jwk of jwks) {
      expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519", use: "sig", alg: "EdDSA" });
      expect(jwk).not.toHaveProperty("d");
    }
    // The old key is scheduled to retire a day after the rotation, the new one is not scheduled.
    const rows: { kid: string; hours: number | null }[] = await db.database.dataSource.query(
      `SELECT "kid", round(extract(epoch FROM "retired_at" - now()) / 3600)::int AS "hours" FROM "clawkeep_jwt_keys" WHERE "kid" = ANY($1)`,
      [[oldKid, newKid]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.kid, r.hours]))).toEqual({ [oldKid]: 24, [newKid]: null });
  });

  it("stops verifying a previous key once its overlap ends, or at once when retired", async () => {
    const byTime = keys.currentKid();
    const byTimeToken = await keys.sign({ sub: "user:8" }, 900);
    const byRetire = await keys.rotate();
    const byRetireToken = await keys.sign({ sub: "user:8" }, 900);
    await keys.rotate();
    expect(await keys.verify(byTimeToken)).toBeDefined();

    // The overlap of `byTime` ran out (moved into the past, as a day passing would).
    await db.database.dataSource.query(`UPDATE "clawkeep_jwt_keys" SET "retired_at" = now() - interval '1 second' WHERE "kid" = $1`, [byTime]);
    await keys.refresh();
    expect(await keys.verify(byTimeToken)).toBeUndefined();
    expect(keys.jwks().map((k) => k.kid)).not.toContain(byTime);

    expect(await keys.verify(byRetireToken)).toBeDefined();
    expect(await keys.retire(byRetire)).toBe(true);
    expect(await keys.verify(byRetireToken)).toBeUndefined();
    expect(keys.jwks().map((k) => k.kid)).not.toContain(byRetire);
    expect(await keys.retire(byRetire)).toBe(false);
    await expect(keys.retire(keys.currentKid())).rejects.toThrow(/rotate before retiring/);
  });

  it("lets a second instance on the same database verify tokens signed after the first rotated", async () => {
    const second = await JwtKeys.open(db.database.dataSource, keyring, { issuer: ISSUER });
    expect(second.currentKid()).toBe(keys.currentKid());
    const rotated = await keys.rotate();
    const token = await keys.sign({ sub: "user:9" }, 900);
    // `second` has never seen `rotated`: the unknown kid makes it re-read the keys once.
    expect((await second.verify(token))?.sub).toBe("user:9");
    expect(second.currentKid()).toBe(rotated);
    expect(second.jwks().map((k) => k.kid)).toEqual(keys.jwks().map((k) => k.kid));
  });

  it("reopens on existing keys without creating another", async () => {
    const count = async () => ((await db.database.dataSource.query(`SELECT count(*)::int AS "n" FROM "clawkeep_jwt_keys"`)) as { n: number }[])[0].n;
    const before = await count();
    const reopened = await JwtKeys.open(db.database.dataSource, await Keyring.open(db.database.dataSource, master), { issuer: ISSUER });
    expect(reopened.currentKid()).toBe(keys.currentKid());
    expect(await count()).toBe(before);
    expect(await reopened.verify(await keys.sign({ sub: "user:10" }, 60))).toBeDefined();
  });

  it("re-wraps the private keys after a KEK rotation, and they still sign", async () => {
    const version = await keyring.rotate();
    const rewrapped = await keys.rewrapPrivateKeys();
    const rows: { private_kek_version: number }[] = await db.database.dataSource.query(`SELECT "private_kek_version" FROM "clawkeep_jwt_keys"`);
    expect(rewrapped).toBe(rows.length);
    expect(rows.every((r) => r.private_kek_version === version)).toBe(true);
    expect(await keys.rewrapPrivateKeys()).toBe(0);
    // A new instance (fresh keyring) unseals the signer under the new KEK.
    const reopened = await JwtKeys.open(db.database.dataSource, await Keyring.open(db.database.dataSource, master), { issuer: ISSUER });
    expect(await keys.verify(await reopened.sign({ sub: "user:11" }, 60))).toBeDefined();
  });

  it("never stores a private key in the clear", async () => {
    const rows: { kid: string; dump: string; public_jwk: object; private_wrapped_dek: Buffer; private_ciphertext: Buffer }[] =
      await db.database.dataSource.query(`SELECT "kid", t::text AS "dump", "public_jwk", "private_wrapped_dek", "private_ciphertext" FROM "clawkeep_jwt_keys" t`);
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) {
      const privateKey = await storedPrivateKey(row.kid);
      const pkcs8 = privateKey.export({ format: "der", type: "pkcs8" });
      const seed = pkcs8.subarray(pkcs8.length - 32);
      const d = privateKey.export({ format: "jwk" }).d!;
      expect(Buffer.from(d, "base64url").equals(seed)).toBe(true);
      const stored = Buffer.concat([row.private_wrapped_dek, row.private_ciphertext, Buffer.from(JSON.stringify(row.public_jwk)), Buffer.from(row.dump)]);
      for (const needle of [seed, pkcs8, Buffer.from(d), Buffer.from(seed.toString("hex")), Buffer.from(seed.toString("base64")), seed.subarray(0, 8)]) {
        expect(stored.includes(needle)).toBe(false);
      }
      expect(row.public_jwk).not.toHaveProperty("d");
    }
  });
});
