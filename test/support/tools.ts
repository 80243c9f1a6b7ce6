// System tools some end-to-end tests need. A missing tool skips the test with a message saying
// what to install, unless CLAWKEEP_REQUIRE_ALL=1 (CI), where a missing tool is a failure.
import { execFileSync } from "node:child_process";

export const requireAll = process.env.CLAWKEEP_REQUIRE_ALL === "1";

export interface Tool {
  available: boolean;
  /** Why it is missing and how to install it. */
  missing: string;
}

export function probeTool(command: string[], install: string): Tool {
  try {
    execFileSync(command[0], command.slice(1), { stdio: "ignore", timeout: 20_000 });
    return { available: true, missing: "" };
  } catch {
    const missing = `${command.join(" ")} failed; install it with: ${install}`;
    if (requireAll) throw new Error(`CLAWKEEP_REQUIRE_ALL=1 but a required tool is missing: ${missing}`);
    console.warn(`skipping: ${missing}`);
    return { available: false, missing };
  }
}

export const PYTHON = "/usr/bin/python3";
