// Rotating the master KEK while servers keep serving: add a KEK version, tell every instance to
// load it (so they seal new values under it), then move every stored data key onto it. Values
// are never decrypted, only their data keys re-wrapped.
import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import { jwtKeyKekVersions } from "../../crypto/jwt-key-store.js";
import type { JwtKeys } from "../../crypto/jwt-keys.js";
import type { Keyring } from "../../crypto/keyring.js";
import { kekVersionsOf, rewrapSealed, type SealedColumns } from "../../crypto/sealed-columns-store.js";
import type { EventBus } from "../../events/bus.js";
import { followTopic } from "../../events/follow.js";
import { SEALED_MAIL } from "../../mail/mailer.js";
import { SEALED_ENROLLMENT_KEYS } from "../agents/enrollment-store.js";
import { SEALED_SECRET_VERSIONS } from "../vaults/secret-store.js";

/** Bus topic announcing a new KEK version; every instance reloads its keyring on it. */
export const KEK_ROTATED_TOPIC = "keys.kek_rotated";

/**
 * Passes over the tables until one moves nothing. Instances that have not yet reloaded may seal
 * a few more values under the old KEK; the next pass picks those up.
 */
const MAX_PASSES = 10;
const PASS_PAUSE_MS = 500;

/** Every table holding values sealed under the KEK, by the report field that counts it. */
const SEALED_TABLES = {
  secretVersionsRewrapped: SEALED_SECRET_VERSIONS,
  mailRewrapped: SEALED_MAIL,
  enrollmentKeysRewrapped: SEALED_ENROLLMENT_KEYS,
} satisfies Record<string, SealedColumns>;

type SealedCounts = Record<keyof typeof SEALED_TABLES, number>;

export interface RotationReport extends SealedCounts {
  kekVersion: number;
  signingKeysRewrapped: number;
  /** KEK versions still referenced by some stored value after the rotation (ideally only the new one). */
  versionsInUse: number[];
}

export async function rotateMasterKek(parts: { dataSource: DataSource; bus: EventBus; keyring: Keyring; jwtKeys: JwtKeys }): Promise<RotationReport> {
  const { dataSource, bus, keyring, jwtKeys } = parts;
  const kekVersion = await keyring.rotate();
  await bus.publishNow(KEK_ROTATED_TOPIC, { kek_version: kekVersion });
  const tables = Object.entries(SEALED_TABLES) as [keyof SealedCounts, SealedColumns][];
  const counts = Object.fromEntries(tables.map(([field]) => [field, 0])) as SealedCounts;
  let signingKeysRewrapped = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let moved = await jwtKeys.rewrapPrivateKeys();
    signingKeysRewrapped += moved;
    for (const [field, sealed] of tables) {
      const rewrapped = await rewrapSealed(dataSource, keyring, sealed);
      counts[field] += rewrapped;
      moved += rewrapped;
    }
    if (pass > 0 && moved === 0) break;
    await new Promise((resolve) => setTimeout(resolve, PASS_PAUSE_MS));
  }
  return { kekVersion, ...counts, signingKeysRewrapped, versionsInUse: await kekVersionsInUse(dataSource) };
}

export async function kekVersionsInUse(dataSource: DataSource): Promise<number[]> {
  const versions = new Set(await jwtKeyKekVersions(dataSource));
  for (const sealed of Object.values(SEALED_TABLES)) for (const v of await kekVersionsOf(dataSource, sealed)) versions.add(v);
  return [...versions].sort((a, b) => a - b);
}

/**
 * Keeps this instance's keyring current: reloads the KEK versions whenever any instance (or the
 * CLI) announces a rotation. Ends when the bus closes.
 */
export function followKekRotations(parts: { bus: EventBus; keyring: Keyring; logger: Logger }): Promise<void> {
  const { keyring, logger } = parts;
  return followTopic({
    ...parts,
    topic: KEK_ROTATED_TOPIC,
    onEvent: () => {
      keyring.refresh().then(
        () => logger.info({ kek_version: keyring.currentVersion() }, "loaded a new master KEK version"),
        (error: unknown) => logger.error({ err: error }, "could not load the new master KEK version"),
      );
    },
    // A rotation missed meanwhile shows up as an unknown version, which openRefreshing re-reads.
    onGap: () => undefined,
  });
}
