// Envelope encryption without a database: seal/open round trips, AAD binding, tamper detection
// on every byte, a fresh data key per seal, rewrapping, and KEKs wrapped by the master key.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  aeadOpen,
  aeadSeal,
  DecryptionError,
  openWithKek,
  rewrapWithKek,
  sealWithKek,
  unwrapKek,
  wrapKek,
  WRAPPED_KEY_BYTES,
  type SealedBox,
} from "../../src/crypto/envelope.js";

const kek = randomBytes(32);
const AAD = "vault:0b6e…/path:db/password/version:3";

/** A copy of the box with one bit of one byte of one part flipped. */
function flip(box: SealedBox, part: "wrappedDek" | "ciphertext", index: number): SealedBox {
  const bytes = Buffer.from(box[part]);
  bytes[index] ^= 0x01;
  return { ...box, [part]: bytes };
}

describe("sealed boxes", () => {
  it("open to the plaintext they sealed, for empty, small and 64 KiB values", () => {
    for (const plaintext of [Buffer.alloc(0), Buffer.from("hunter2"), randomBytes(64 * 1024)]) {
      const box = sealWithKek(kek, 7, plaintext, AAD);
      expect(box.kekVersion).toBe(7);
      expect(box.wrappedDek).toHaveLength(WRAPPED_KEY_BYTES);
      // iv (12) | tag (16) | ciphertext as long as the plaintext: GCM adds no padding.
      expect(box.ciphertext).toHaveLength(28 + plaintext.length);
      expect(openWithKek(kek, box, AAD).equals(plaintext)).toBe(true);
    }
  });

  it("do not contain the plaintext", () => {
    const plaintext = Buffer.from("sk-live-this-is-the-secret-value-0123456789");
    const box = sealWithKek(kek, 1, plaintext, AAD);
    expect(box.ciphertext.includes(plaintext)).toBe(false);
    expect(box.ciphertext.includes(plaintext.subarray(0, 8))).toBe(false);
  });

  it("are bound to their AAD: any other AAD fails", () => {
    const box = sealWithKek(kek, 1, Buffer.from("value"), AAD);
    for (const other of ["", `${AAD} `, AAD.replace("version:3", "version:4"), AAD.toUpperCase()]) {
      expect(() => openWithKek(kek, box, other)).toThrow(DecryptionError);
    }
  });

  it("fail to open when any single bit of the ciphertext (iv, tag or body) changes", () => {
    const box = sealWithKek(kek, 1, Buffer.from("a secret worth protecting"), AAD);
    for (let i = 0; i < box.ciphertext.length; i++) {
      expect(() => openWithKek(kek, flip(box, "ciphertext", i), AAD), `byte ${i}`).toThrow(DecryptionError);
    }
  });

  it("fail to open when any single bit of the wrapped data key changes", () => {
    const box = sealWithKek(kek, 1, Buffer.from("a secret worth protecting"), AAD);
    for (let i = 0; i < box.wrappedDek.length; i++) {
      expect(() => openWithKek(kek, flip(box, "wrappedDek", i), AAD), `byte ${i}`).toThrow(DecryptionError);
    }
  });

  it("fail to open when truncated, extended, relabelled with another KEK version, or opened with another KEK", () => {
    const box = sealWithKek(kek, 1, Buffer.from("value"), AAD);
    expect(() => openWithKek(kek, { ...box, ciphertext: box.ciphertext.subarray(0, box.ciphertext.length - 1) }, AAD)).toThrow(DecryptionError);
    expect(() => openWithKek(kek, { ...box, ciphertext: Buffer.concat([box.ciphertext, Buffer.from([0])]) }, AAD)).toThrow(DecryptionError);
    expect(() => openWithKek(kek, { ...box, ciphertext: box.ciphertext.subarray(0, 10) }, AAD)).toThrow(DecryptionError);
    expect(() => openWithKek(kek, { ...box, wrappedDek: box.wrappedDek.subarray(0, 59) }, AAD)).toThrow(DecryptionError);
    expect(() => openWithKek(kek, { ...box, kekVersion: 2 }, AAD)).toThrow(DecryptionError);
    expect(() => openWithKek(randomBytes(32), box, AAD)).toThrow(DecryptionError);
  });

  it("cannot be spliced: another box's data key does not open this ciphertext", () => {
    const a = sealWithKek(kek, 1, Buffer.from("value a"), AAD);
    const b = sealWithKek(kek, 1, Buffer.from("value b"), AAD);
    expect(() => openWithKek(kek, { ...a, wrappedDek: b.wrappedDek }, AAD)).toThrow(DecryptionError);
  });

  it("use a fresh data key and IV per seal: the same plaintext never gives the same bytes", () => {
    const plaintext = Buffer.from("same value every time");
    const boxes = Array.from({ length: 50 }, () => sealWithKek(kek, 1, plaintext, AAD));
    expect(new Set(boxes.map((b) => b.ciphertext.toString("hex"))).size).toBe(50);
    expect(new Set(boxes.map((b) => b.wrappedDek.toString("hex"))).size).toBe(50);
    // Different data keys, not just different IVs: a body from one box does not verify under another's key.
    expect(() => openWithKek(kek, { ...boxes[0], ciphertext: boxes[1].ciphertext }, AAD)).toThrow(DecryptionError);
  });

  it("keep DecryptionError messages free of key and data bytes, and without a cause", () => {
    const box = sealWithKek(kek, 1, Buffer.from("value"), AAD);
    let caught: unknown;
    try {
      openWithKek(kek, box, "wrong");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DecryptionError);
    const error = caught as DecryptionError;
    expect(error.cause).toBeUndefined();
    for (const bytes of [kek, box.ciphertext, box.wrappedDek]) {
      expect(error.message).not.toContain(bytes.toString("hex").slice(0, 16));
      expect(error.message).not.toContain(bytes.toString("base64").slice(0, 16));
    }
  });
});

describe("rewrapping", () => {
  it("moves the data key to a new KEK and leaves the ciphertext byte for byte as it was", () => {
    const newKek = randomBytes(32);
    const box = sealWithKek(kek, 1, Buffer.from("value"), AAD);
    const rewrapped = rewrapWithKek(kek, box, newKek, 2);
    expect(rewrapped.kekVersion).toBe(2);
    expect(rewrapped.ciphertext.equals(box.ciphertext)).toBe(true);
    expect(rewrapped.wrappedDek.equals(box.wrappedDek)).toBe(false);
    expect(openWithKek(newKek, rewrapped, AAD).toString()).toBe("value");
    expect(() => openWithKek(kek, rewrapped, AAD)).toThrow(DecryptionError);
  });

  it("refuses a box whose wrapped data key was altered", () => {
    const box = sealWithKek(kek, 1, Buffer.from("value"), AAD);
    expect(() => rewrapWithKek(kek, flip(box, "wrappedDek", 40), randomBytes(32), 2)).toThrow(DecryptionError);
  });
});

describe("KEKs under the master key", () => {
  const master = randomBytes(32);

  it("unwrap only with the master key and version they were wrapped for", () => {
    const k = randomBytes(32);
    const wrapped = wrapKek(master, 3, k);
    expect(unwrapKek(master, 3, wrapped).equals(k)).toBe(true);
    expect(() => unwrapKek(master, 4, wrapped)).toThrow(DecryptionError);
    expect(() => unwrapKek(randomBytes(32), 3, wrapped)).toThrow(DecryptionError);
    expect(wrapped.includes(k)).toBe(false);
  });

  it("are not interchangeable with data keys: a wrapped KEK does not open as a wrapped DEK", () => {
    // Both are 32-byte keys under AES-GCM; only the AAD ('clawkeep-kek:v1' vs 'clawkeep-dek:v1') tells them apart.
    const wrappedAsKek = wrapKek(master, 1, randomBytes(32));
    expect(() => openWithKek(master, { kekVersion: 1, wrappedDek: wrappedAsKek, ciphertext: aeadSeal(randomBytes(32), Buffer.from("x"), AAD) }, AAD)).toThrow(
      DecryptionError,
    );
  });
});

describe("AES-256-GCM primitive", () => {
  it("round-trips and binds the AAD", () => {
    const key = randomBytes(32);
    const sealed = aeadSeal(key, Buffer.from("hello"), "aad");
    expect(aeadOpen(key, sealed, "aad").toString()).toBe("hello");
    expect(() => aeadOpen(key, sealed, "aae")).toThrow(DecryptionError);
    expect(() => aeadOpen(key, Buffer.alloc(27), "aad")).toThrow(DecryptionError);
  });
});
