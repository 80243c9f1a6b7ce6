// The keyring: versioned key-encryption keys (KEKs) under the master key, and the seal/open/rewrap
// operations every encrypted value in Clawkeep goes through. KEK versions live in the database
// (kek-store.ts), each wrapped by the master key, so all instances sharing a
// database share them; rotating adds a version, and rewrapping moves a value's data key to it
// without touching the value's ciphertext.
import { randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import { coalesced } from "./coalesce.js";
import {
  DecryptionError,
  KEY_BYTES,
  openWithKek,
  rewrapWithKek,
  sealWithKek,
  unwrapKek,
  wrapKek,
  type SealedBox,
  type WrappedDek,
} from "./envelope.js";
import { allKekVersions, insertKekVersion, kekVersionCount, newestKekVersion } from "./kek-store.js";
import { MASTER_KEY_BYTES } from "./master-key.js";

export { DecryptionError, type SealedBox } from "./envelope.js";

/**
 * The box names a KEK version this instance has not loaded. Usually another instance has just
 * rotated: `openRefreshing`/`rewrapRefreshing` re-read the versions once before giving up. It is
 * a DecryptionError so that a caller that only catches those still fails closed.
 */
export class UnknownKekVersionError extends DecryptionError {
  override name = "UnknownKekVersionError";
  constructor(readonly kekVersion: number) {
    super(`sealed data names KEK version ${kekVersion}, which this server does not know`);
  }
}


/** Conflicting inserts of the same next version only happen when rotations race; a few tries settle it. */
const ROTATE_ATTEMPTS = 10;

export class Keyring {
  private keks = new Map<number, Buffer>();
  private current = 0;
  private readonly reload = coalesced(() => this.load());

  private constructor(
    private readonly dataSource: DataSource,
    private readonly masterKey: Buffer,
  ) {}

  /**
   * Loads every KEK version, creating version 1 on an empty database. Instances starting together
   * all try to insert version 1; ON CONFLICT DO NOTHING lets exactly one win and the re-read gives
   * everyone that one. Refuses to open when the master key cannot unwrap the stored KEKs.
   */
  static async open(dataSource: DataSource, masterKey: Buffer): Promise<Keyring> {
    if (masterKey.length !== MASTER_KEY_BYTES) throw new Error(`the master key must be ${MASTER_KEY_BYTES} bytes`);
    const keyring = new Keyring(dataSource, Buffer.from(masterKey));
    if ((await kekVersionCount(dataSource)) === 0) await insertKekVersion(dataSource, 1, wrapKek(masterKey, 1, randomBytes(KEY_BYTES)));
    await keyring.refresh();
    return keyring;
  }

  /** The KEK version new seals and rewraps use: the highest one loaded. */
  currentVersion(): number {
    return this.current;
  }

  /** Encrypts under a fresh 256-bit data key; `aad` must be given again, unchanged, to open. */
  seal(plaintext: Uint8Array, aad: string): SealedBox {
    return sealWithKek(this.kek(this.current), this.current, plaintext, aad);
  }

  /** Decrypts; throws DecryptionError on any altered byte or a different `aad`. */
  open(box: SealedBox, aad: string): Buffer {
    return openWithKek(this.kek(box.kekVersion), box, aad);
  }

  /**
   * Re-wraps the box's data key under the current KEK; the ciphertext is not touched, so this
   * never needs the value's AAD. A box already under the current version comes back as it is,
   * which lets a rewrap-everything job skip writing it.
   */
  rewrap<B extends WrappedDek>(box: B): B {
    if (box.kekVersion === this.current) return box;
    return rewrapWithKek(this.kek(box.kekVersion), box, this.kek(this.current), this.current);
  }

  /** `open`, but a box under a version this instance has not seen yet re-reads the versions once first. */
  async openRefreshing(box: SealedBox, aad: string): Promise<Buffer> {
    if (!this.keks.has(box.kekVersion)) await this.refresh();
    return this.open(box, aad);
  }

  /** `rewrap`, re-reading the versions once if the box names one this instance has not seen. */
  async rewrapRefreshing<B extends WrappedDek>(box: B): Promise<B> {
    if (!this.keks.has(box.kekVersion)) await this.refresh();
    return this.rewrap(box);
  }

  /**
   * Adds KEK version n+1 and makes it current here; returns it. Other instances keep sealing
   * under the version they know until they `refresh`, which is harmless: older versions stay
   * valid until every box has been rewrapped off them.
   */
  async rotate(): Promise<number> {
    for (let attempt = 0; attempt < ROTATE_ATTEMPTS; attempt++) {
      const kek = randomBytes(KEY_BYTES);
      const next = (await newestKekVersion(this.dataSource)) + 1;
      // A concurrent rotation that took `next` first makes this insert a no-op; then try n+2.
      const inserted = await insertKekVersion(this.dataSource, next, wrapKek(this.masterKey, next, kek));
      kek.fill(0);
      if (inserted) {
        await this.refresh();
        return next;
      }
    }
    throw new Error(`could not add a KEK version after ${ROTATE_ATTEMPTS} attempts; too many rotations at once`);
  }

  /** Re-reads the KEK versions from the database; concurrent calls share reads (see coalesce.ts). */
  refresh(): Promise<void> {
    return this.reload();
  }

  private async load(): Promise<void> {
    const rows = await allKekVersions(this.dataSource);
    if (rows.length === 0) throw new Error("the database holds no KEK version; it must be opened with Keyring.open");
    const keks = new Map<number, Buffer>();
    for (const row of rows) {
      try {
        keks.set(row.version, unwrapKek(this.masterKey, row.version, row.wrapped_key));
      } catch {
        throw new Error(
          `CLAWKEEP_MASTER_KEY is not the key this database's keys were encrypted with (KEK version ${row.version} does not unwrap); ` +
            "start with the original master key",
        );
      }
    }
    this.keks = keks;
    this.current = rows[rows.length - 1].version;
  }

  private kek(version: number): Buffer {
    const kek = this.keks.get(version);
    if (!kek) throw new UnknownKekVersionError(version);
    return kek;
  }
}
