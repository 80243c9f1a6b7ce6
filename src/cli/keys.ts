// `clawkeep keys rotate-master`: adds a master KEK version and re-wraps every data key under it.
// With PostgreSQL it runs beside serving instances (they load the new version through the events
// bus), and beside a server on the embedded database too: it uses that server's database.
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { JwtKeys } from "../crypto/jwt-keys.js";
import { Keyring } from "../crypto/keyring.js";
import { loadMasterKey } from "../crypto/master-key.js";
import { openDatabase } from "../db/database.js";
import { rotateMasterKek } from "../domain/keys/kek-rotation.js";
import { EventBus } from "../events/bus.js";

export async function rotateMaster(config: Config, logger: Logger): Promise<void> {
  const database = await openDatabase(config, logger, { role: "tool" });
  const bus = new EventBus(database, { logger, retentionHours: config.eventRetentionHours });
  try {
    await bus.start();
    const masterKey = loadMasterKey({ envValue: config.masterKey, dataDir: config.dataDir, embedded: database.kind === "embedded", logger });
    const keyring = await Keyring.open(database.dataSource, masterKey);
    const jwtKeys = await JwtKeys.open(database.dataSource, keyring, { issuer: config.publicUrl });
    const report = await rotateMasterKek({ dataSource: database.dataSource, bus, keyring, jwtKeys });
    console.log(
      `KEK version ${report.kekVersion} is current; re-wrapped ${report.secretVersionsRewrapped} secret versions and ` +
        `${report.signingKeysRewrapped} signing keys; KEK versions in use: ${report.versionsInUse.join(", ") || "none"}`,
    );
    if (report.versionsInUse.some((version) => version !== report.kekVersion)) {
      console.log("some values are still under an older KEK (an instance kept sealing with it); run the command again to move them");
    }
  } finally {
    await bus.close();
    await database.close();
  }
}
