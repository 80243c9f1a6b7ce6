// Compiles the server to plain JavaScript in dist/, which `npm start` runs. A server that runs
// through a TypeScript loader (tsx) carries that loader, its transpile cache and the esbuild
// worker thread in every process: about 60 MB of resident memory on top of the ~140 MB the
// server itself uses, and every module transpiled again on each start. Tests and `npm run dev`
// keep using tsx on the sources. Incremental: a build with nothing changed takes about 2 s.
import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { cwd: root, stdio: "inherit" });
// What the sources read beside themselves at run time: the console's assets, and package.json
// (the version) one level above src/.
mkdirSync(join(root, "dist"), { recursive: true });
cpSync(join(root, "src"), join(root, "dist/src"), { recursive: true, filter: (source) => !source.endsWith(".ts") });
copyFileSync(join(root, "package.json"), join(root, "dist/package.json"));
