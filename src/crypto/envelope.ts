// Envelope encryption as pure functions over keys already in memory: AES-256-GCM with a fresh
// data key (DEK) per sealed value, the DEK wrapped by a key-encryption key (KEK). The Keyring
// decides which KEK to use and keeps KEKs in the database; everything here is synchronous
// node:crypto, so it is testable on its own and never waits on I/O.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** iv | tag | ciphertext of a 32-byte key. */
export const WRAPPED_KEY_BYTES = IV_BYTES + TAG_BYTES + KEY_BYTES;

/** A value sealed under one KEK version. Both buffers are iv | tag | ciphertext. */
export interface SealedBox {
  kekVersion: number;
  wrappedDek: Buffer;
  ciphertext: Buffer;
}

/**
 * Thrown whenever sealed data cannot be opened: altered bytes, the wrong AAD, the wrong key.
 * The message never says which, and carries no cause, so nothing about keys or data leaks
 * into logs and a caller cannot use it as an oracle.
 */
export class DecryptionError extends Error {
  override name = "DecryptionError";
  constructor(message = "sealed data could not be opened: it was altered, or sealed for something else") {
    super(message);
  }
}

/** AES-256-GCM with a random 96-bit IV; returns iv | tag | ciphertext. */
export function aeadSeal(key: Buffer, plaintext: Uint8Array, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Opens iv | tag | ciphertext; any mismatch (data, tag, IV, key or AAD) is a DecryptionError. */
export function aeadOpen(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new DecryptionError();
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError();
  }
}

/** AAD of a KEK wrapped by the master key: a stored KEK cannot be moved to another version. */
export function kekAad(version: number): string {
  return `clawkeep-kek:v${version}`;
}

/**
 * AAD of a DEK wrapped by a KEK. It binds the KEK version but not the caller's AAD, because
 * rewrapping (master-key rotation) must work without knowing what each value is; the caller's
 * AAD is bound where it matters, on the value's own ciphertext.
 */
export function dekAad(kekVersion: number): string {
  return `clawkeep-dek:v${kekVersion}`;
}

export function wrapKek(masterKey: Buffer, version: number, kek: Buffer): Buffer {
  return aeadSeal(masterKey, kek, kekAad(version));
}

export function unwrapKek(masterKey: Buffer, version: number, wrapped: Buffer): Buffer {
  const kek = aeadOpen(masterKey, wrapped, kekAad(version));
  if (kek.length !== KEY_BYTES) throw new DecryptionError();
  return kek;
}

/** Seals with a fresh random DEK, so no two values ever share a data key (or an IV under one). */
export function sealWithKek(kek: Buffer, kekVersion: number, plaintext: Uint8Array, aad: string): SealedBox {
  const dek = randomBytes(KEY_BYTES);
  try {
    return { kekVersion, wrappedDek: aeadSeal(kek, dek, dekAad(kekVersion)), ciphertext: aeadSeal(dek, plaintext, aad) };
  } finally {
    dek.fill(0);
  }
}

export function openWithKek(kek: Buffer, box: SealedBox, aad: string): Buffer {
  const dek = unwrapDek(kek, box);
  try {
    return aeadOpen(dek, box.ciphertext, aad);
  } finally {
    dek.fill(0);
  }
}

/** The part of a SealedBox that a KEK rotation changes; the ciphertext is never needed for it. */
export type WrappedDek = Pick<SealedBox, "kekVersion" | "wrappedDek">;

/** Moves a box's DEK from one KEK to another; everything else in the box comes back untouched. */
export function rewrapWithKek<B extends WrappedDek>(oldKek: Buffer, box: B, newKek: Buffer, newVersion: number): B {
  const dek = unwrapDek(oldKek, box);
  try {
    return { ...box, kekVersion: newVersion, wrappedDek: aeadSeal(newKek, dek, dekAad(newVersion)) };
  } finally {
    dek.fill(0);
  }
}

function unwrapDek(kek: Buffer, box: WrappedDek): Buffer {
  if (box.wrappedDek.length !== WRAPPED_KEY_BYTES) throw new DecryptionError();
  return aeadOpen(kek, box.wrappedDek, dekAad(box.kekVersion));
}
