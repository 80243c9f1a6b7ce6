// Vitest global setup: compiles the server once per test run (scripts/build.mjs, as `npm start`'s
// prestart does), so that the tests that start a server process run exactly what `npm start` runs.
import { execFileSync } from "node:child_process";

export default function buildServer(): void {
  execFileSync(process.execPath, ["scripts/build.mjs"], { stdio: "inherit" });
}
