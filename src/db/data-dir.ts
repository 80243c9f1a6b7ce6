// The embedded database's data directory: who owns it (one Clawkeep server at a time), what is in
// it (a PostgreSQL cluster of ours, or something we must not touch), and who may enter it (the
// operating-system user PostgreSQL runs as, when Clawkeep runs as root).
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";

/** Where the PostgreSQL cluster lives inside CLAWKEEP_DATA_DIR. */
export const CLUSTER_DIR = "postgres";
/** Where the first embedded engine (PGlite, until 0.1) kept its database. */
const PGLITE_DIR = "pgdata";
const LOCK_FILE = "clawkeep.lock";

export class DataDirError extends Error {
  override name = "DataDirError";
}

/** The operating-system identity PostgreSQL runs as; undefined means "as this process". */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

/**
 * A data directory of the PGlite era is left exactly as it is: we cannot read it, and resetting
 * it would lose its secrets silently. The operator decides.
 */
export function refusePgliteEra(dataDir: string): void {
  const pglite = join(dataDir, PGLITE_DIR);
  if (!existsSync(join(pglite, "PG_VERSION")) || existsSync(join(dataDir, CLUSTER_DIR))) return;
  throw new DataDirError(
    `${dataDir} holds a database of Clawkeep's former embedded engine (PGlite, in ${pglite}), which this version does not read. ` +
      `Nothing was changed. To start afresh, move it aside (mv ${pglite} ${pglite}.pglite) and start again; ` +
      `to keep its vaults, run the release you created it with against a PostgreSQL server (DATABASE_URL) and copy them over, ` +
      `or point CLAWKEEP_DATA_DIR at another directory.`,
  );
}

/**
 * Takes the data directory for this process: a lock file holding our pid. A lock whose process is
 * gone (a crash, kill -9) is taken over; a live one is refused with its pid. Returns the release.
 */
export function lockDataDir(dataDir: string): () => void {
  const lockPath = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = lockHolder(dataDir);
      if (holder !== undefined) {
        throw new DataDirError(`the data directory ${dataDir} is in use by process ${holder}; stop it, or set CLAWKEEP_DATA_DIR or DATABASE_URL`);
      }
      rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirError(`could not lock the data directory ${dataDir}`);
}

/** The pid of the live process that holds the data directory, if any. */
export function lockHolder(dataDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, LOCK_FILE), "utf8");
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid) ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` user, creating a system
 * user of that name where none exists (containers often have none); otherwise as ourselves.
 */
export function postgresIdentity(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => {
    try {
      const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
      const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
      return { uid, gid, name: "postgres" };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], { stdio: "ignore" });
  } catch (error) {
    throw new DataDirError(
      `Clawkeep runs as root, PostgreSQL refuses to, and no "postgres" user exists or could be created (${(error as Error).message}); ` +
        "create one (useradd --system postgres), run Clawkeep as another user, or set DATABASE_URL",
    );
  }
  const created = lookup();
  if (!created) throw new DataDirError('a "postgres" user was created but cannot be looked up; check /etc/passwd');
  return created;
}

/**
 * Creates `dir` if needed, mode 0700, owned by the PostgreSQL user, and checks that this user can
 * reach it: every ancestor must let it search.
 */
export function prepareOwnedDir(dir: string, runAs: RunAs | undefined): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!runAs) return;
  chownSync(dir, runAs.uid, runAs.gid);
  chmodSync(dir, 0o700);
  for (let ancestor = dirname(dir); ; ancestor = dirname(ancestor)) {
    const stat = statSync(ancestor);
    const searchable = stat.uid === runAs.uid ? stat.mode & 0o100 : stat.gid === runAs.gid ? stat.mode & 0o010 : stat.mode & 0o001;
    if (!searchable) {
      throw new DataDirError(
        `PostgreSQL runs as the "${runAs.name}" user, which cannot enter ${ancestor}; allow it (chmod o+x ${ancestor}) or set CLAWKEEP_DATA_DIR to a directory it can reach`,
      );
    }
    if (dirname(ancestor) === ancestor) break;
  }
}

/**
 * Creates the data directory; when PostgreSQL runs as another user, lets that user search it (not
 * list it), since its cluster lives inside. The master key in it stays 0600.
 */
export function prepareDataDir(dataDir: string, runAs: RunAs | undefined): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (!runAs) return;
    const mode = statSync(dataDir).mode & 0o7777;
    if ((mode & 0o001) === 0) chmodSync(dataDir, mode | 0o001);
  } catch (error) {
    throw new DataDirError(`cannot prepare the data directory ${dataDir}: ${(error as Error).message}`);
  }
}
