// Debian's Chromium, driven by Playwright, for the tests that need a real browser. Missing, it
// skips those tests with what to install (a failure under CLAWKEEP_REQUIRE_ALL=1, as in CI).
import { chromium, type Browser } from "playwright-core";
import { probeTool } from "./tools.js";

export const CHROMIUM = "/usr/bin/chromium";
export const chromiumTool = probeTool([CHROMIUM, "--version"], "apt-get install -y chromium");

/** Headless, quiet (no background networking, updates or sync), and usable as root. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
