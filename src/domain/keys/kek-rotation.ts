// Rotating the master KEK while servers keep serving: add a KEK version, tell every instance to
// load it (so they seal new values under it), then move every stored data key onto it. Values
// are never decrypted, only their data keys re-wrapped.
import type { Logger } from "pino";
import type { DataSource } from "typeorm";
import type { JwtKeys } from "../../crypto/jwt-keys.js";
import type { Keyring } from "../../crypto/keyring.js";
import type { EventBus } from "../../events/bus.js";
import { followTopic } from "../../events/follow.js";
import { mailKekVersions, rewrapMail } from "../../mail/rewrap.js";
import { rewrapSecretVersions } from "../vaults/secret-rewrap.js";

/** Bus topic announcing a new KEK version; every instance reloads its keyring on it. */
export const KEK_ROTATED_TOPIC = "keys.kek_rotated";

/**
 * Passes over the tables until one moves nothing. Instances that have not yet reloaded may seal
 * a few more values under the old KEK; the next pass picks those up.
 */
const MAX_PASSES = 10;
const PASS_PAUSE_MS = 500;

export interface RotationReport {
  kekVersion: number;
  secretVersionsRewrapped: number;
  signingKeysRewrapped: number;
  /** Mail bodies still waiting to be sent or kept in the development outbox. */
  mailRewrapped: number;
  /** KEK versions still referenced by some stored value after the rotation (ideally only the new one). */
  versionsInUse: number[];
}

export async function rotateMasterKek(parts: { dataSource: DataSource; bus: EventBus; keyring: Keyring; jwtKeys: JwtKeys }): Promise<RotationReport> {
  const { dataSource, bus, keyring, jwtKeys } = parts;
  const kekVersion = await keyring.rotate();
  await bus.publishNow(KEK_ROTATED_TOPIC, { kek_version: kekVersion });
  let secretVersionsRewrapped = 0;
  let signingKeysRewrapped = 0;
  let mailRewrapped = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const secrets = await rewrapSecretVersions(dataSource, keyring);
    const signing = await jwtKeys.rewrapPrivateKeys();
    const mail = await rewrapMail(dataSource, keyring);
    secretVersionsRewrapped += secrets;
    signingKeysRewrapped += signing;
    mailRewrapped += mail;
    if (pass > 0 && secrets + signing + mail === 0) break;
    await new Promise((resolve) => setTimeout(resolve, PASS_PAUSE_MS));
  }
  return { kekVersion, secretVersionsRewrapped, signingKeysRewrapped, mailRewrapped, versionsInUse: await kekVersionsInUse(dataSource) };
}

export async function kekVersionsInUse(dataSource: DataSource): Promise<number[]> {
  const rows: { v: number }[] = await dataSource.query(
    `SELECT DISTINCT "v" FROM (
       SELECT "kek_version" AS "v" FROM "clawkeep_secret_versions"
       UNION SELECT "private_kek_version" FROM "clawkeep_jwt_keys"
     ) AS "used" ORDER BY "v"`,
  );
  const versions = new Set([...rows.map((row) => row.v), ...(await mailKekVersions(dataSource))]);
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
