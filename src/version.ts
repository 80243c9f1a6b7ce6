// The running Clawkeep version, read from package.json so there is one place to bump it.
import { readFileSync } from "node:fs";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

export const VERSION: string = packageJson.version;
