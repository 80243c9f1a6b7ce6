// The seed's human journey in a real browser (headless Chromium through Playwright) against a
// real server: sign up, a vault and a secret, an agent registered (its key shown once) and
// granted a policy; the agent, over REST, enrolls another agent and shares a secret back to its
// creator; the human allows the enrollment, accepts and reads the share, and the audit page shows
// all of it with a verified chain. Then what must not work: a member without a policy revealing,
// another organisation's ids, a form posted without its CSRF token.
//
// The screenshots in README come from this test: `npm run screenshots` writes them to
// docs/console; otherwise they go to a temporary directory (still taken, so the pages render).
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { restCaller, type RestCall } from "../support/rest.js";
import { freePort, startTestServer, type TestServer } from "../support/server.js";
import { chromiumTool, launchChromium } from "../support/browser.js";

const SHOTS = process.env.CLAWKEEP_SCREENSHOTS_DIR ?? mkdtempSync(join(tmpdir(), "clawkeep-shots-"));
mkdirSync(SHOTS, { recursive: true });

let server: TestServer;
let base: string;
let call: RestCall;
let browser: Browser | undefined;

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startTestServer({ env: { CLAWKEEP_PORT: String(port), CLAWKEEP_PUBLIC_URL: base } });
  call = restCaller(base);
  if (chromiumTool.available) {
    browser = await launchChromium();
  }
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function person(context?: BrowserContext): Promise<Page> {
  const ctx = context ?? (await browser!.newContext({ viewport: { width: 1280, height: 860 } }));
  const page = await ctx.newPage();
  page.setDefaultTimeout(8_000);
  // A page that breaks its own Content-Security-Policy is a bug: fail on any violation.
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) throw new Error(`CSP violation: ${message.text()}`);
  });
  return page;
}

async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
}

async function signUp(page: Page, email: string): Promise<void> {
  await page.goto(`${base}/console`);
  await page.getByRole("link", { name: "Create one" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect.poll(() => page.title()).toBe("Vaults · Clawkeep");
}

/** A REST token for the same person, to check what the console did through the API's eyes. */
async function humanToken(email: string): Promise<string> {
  const login = await call("POST", "/v1/auth/token", undefined, { email, password: PASSWORD });
  return ((await login.json()) as { access_token: string }).access_token;
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.textContent(selector)) ?? "").trim();
}

async function eventually<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!chromiumTool.available)("the console in a real browser", () => {
  it("runs the seed's human journey end to end", async () => {
    const human = await person();
    const email = uniqueEmail("journey");
    await signUp(human, email);

    // A vault and a secret.
    await human.getByLabel("Name").fill("production");
    await human.getByLabel("Description").fill("keys the agents use");
    await human.getByRole("button", { name: "Create vault" }).click();
    expect(await text(human, '[role="status"]')).toBe('Vault "production" created.');
    const vaultUrl = human.url();
    await human.getByLabel("Path", { exact: true }).fill("api-keys/stripe");
    await human.getByLabel("Value").fill("sk_live_journey");
    await human.getByRole("button", { name: "Add secret" }).click();
    expect(await text(human, '[role="status"]')).toBe('Version 1 of "api-keys/stripe" saved.');
    expect(await human.content()).not.toContain("sk_live_journey");
    await human.getByRole("button", { name: "Reveal value" }).click();
    expect(await text(human, "#revealed-value")).toBe("sk_live_journey");
    await shot(human, "secret");
    await human.goto(vaultUrl);
    await shot(human, "vault");

    // An agent, registered in the console: its key is shown once.
    await human.getByRole("link", { name: "Agents", exact: true }).click();
    await human.getByRole("link", { name: "Register an agent →" }).click();
    await human.getByLabel("Name", { exact: true }).fill("billing-bot");
    await human.getByRole("button", { name: "Register agent" }).click();
    expect(await human.title()).toBe('Agent "billing-bot" registered · Clawkeep');
    const apiKey = await human.inputValue("#agent-api-key");
    expect(apiKey).toMatch(/^ocv_/);
    const agentId = (await text(human, '[aria-label="The agent\'s API key"] code')).trim();
    await shot(human, "agent-registered");
    await human.getByRole("link", { name: "Go to the agent's page →" }).click();
    expect(await human.content()).not.toContain(apiKey);

    // A policy grants it the stripe key; the live check names it.
    await human.goto(vaultUrl);
    await human.getByRole("link", { name: "Policies: who can read what →" }).click();
    await human.locator('select[name="principal"]').selectOption(`agent:${agentId}`);
    await human.getByLabel("Secret paths").fill("api-keys/**");
    await human.getByRole("button", { name: "Add policy" }).click();
    await human.getByLabel("Secret path", { exact: true }).fill("api-keys/stripe");
    await human.getByRole("button", { name: "Check" }).click();
    expect(await text(human, '[role="region"][aria-label="Who can use this path"]')).toContain("billing-bot");
    await shot(human, "policies");

    // The agent, over REST: a token, the secret, another agent enrolled, a share back to its creator.
    const exchange = await call("POST", "/v1/auth/agent-token", undefined, { agent_id: agentId, api_key: apiKey });
    expect(exchange.status).toBe(200);
    const agentToken = ((await exchange.json()) as { access_token: string }).access_token;
    const vaultId = vaultUrl.split("/").pop()!;
    const read = await call("GET", `/v1/vaults/${vaultId}/secrets/api-keys/stripe`, agentToken);
    expect(((await read.json()) as { value: string }).value).toBe("sk_live_journey");
    const enrolled = await call("POST", "/v1/agents/enroll", undefined, { name: "helper-bot", human_email: email, description: "asked for by billing-bot" });
    expect(enrolled.status).toBe(201);
    const enrollmentId = ((await enrolled.json()) as { enrollment_id: string }).enrollment_id;
    const listed = (await (await call("GET", `/v1/vaults/${vaultId}/secrets`, agentToken)).json()) as { secrets: { id: string; path: string }[] };
    const secretId = listed.secrets.find((secret) => secret.path === "api-keys/stripe")!.id;
    const shared = await call("POST", `/v1/secrets/${secretId}/share`, agentToken, { recipient_type: "creator", expires_at: new Date(Date.now() + 86_400_000).toISOString() });
    expect(shared.status).toBe(201);
    const shareId = ((await shared.json()) as { id: string }).id;

    // The human: both wait on the overview; the enrollment is allowed in its review.
    await human.getByRole("link", { name: "Overview" }).click();
    await shot(human, "overview");
    await human.getByRole("link", { name: "1 enrollment request" }).click();
    await human.getByRole("link", { name: "helper-bot" }).click();
    expect(await human.title()).toBe('Agent "helper-bot" asks to be enrolled · Clawkeep');
    await shot(human, "enrollment-review");
    await human.getByRole("button", { name: "Allow" }).click();
    expect(await human.title()).toBe('Agent "helper-bot" allowed · Clawkeep');
    const decided = (await (await call("GET", `/v1/enrollments/${enrollmentId}`, await humanToken(email))).json()) as { enrollment: { status: string } };
    expect(decided.enrollment.status).toBe("approved");

    // The share back: accepted, then read in the console (an audited access).
    await human.getByRole("link", { name: "Shares", exact: true }).click();
    await human.getByRole("button", { name: "Accept" }).click();
    await human.getByRole("button", { name: "Read" }).click();
    expect(await text(human, '[role="region"][aria-label="Shared value"]')).toContain("sk_live_journey");
    await shot(human, "shares");
    const inbound = (await (await call("GET", "/v1/shares/inbound", await humanToken(email))).json()) as { shares: { id: string; access_count: number; is_accepted: boolean }[] };
    expect(inbound.shares).toEqual([expect.objectContaining({ id: shareId, is_accepted: true, access_count: 1 })]);

    // The audit page shows all of it, and the chain verifies.
    await human.getByRole("link", { name: "Audit log" }).click();
    const log = await text(human, "main");
    for (const action of ["vault.create", "secret.write", "secret.read", "agent.create", "policy.create", "enrollment.approve", "share.create", "share.accept", "share.access"]) {
      expect(log, action).toContain(action);
    }
    await human.getByRole("button", { name: "Verify chain" }).click();
    await eventually(async () => {
      const verdict = await text(human, "main");
      if (verdict.includes("The chain verifies.")) return true;
      // Events just written are linked within a second: ask again.
      await human.getByRole("button", { name: "Verify chain" }).click();
      return undefined;
    }, "a verified chain");
    await shot(human, "audit", false);

    // A colleague, invited in the console: a member with no policy cannot reveal the secret.
    await human.getByRole("link", { name: "Organisation" }).click();
    const colleagueEmail = uniqueEmail("colleague");
    await human.getByLabel("Email").fill(colleagueEmail);
    await human.getByRole("button", { name: "Invite" }).click();
    expect(await text(human, "main")).toContain(colleagueEmail);
    await shot(human, "organisation");
    const colleague = await person();
    await signUp(colleague, colleagueEmail);
    await colleague.goto(`${vaultUrl}/secret?path=api-keys%2Fstripe`);
    expect(await colleague.title()).toBe("Not found · Clawkeep");
    const reveal = await colleague.request.post(`${vaultUrl}/secret/reveal`, { form: { path: "api-keys/stripe", csrf: await colleague.inputValue('form[action="/console/sign-out"] input[name="csrf"]') } });
    expect(reveal.status()).toBe(404);
    expect(await reveal.text()).not.toContain("sk_live_journey");

    // Another organisation's ids: a not-found page, nothing of theirs shown.
    const stranger = await person();
    await signUp(stranger, uniqueEmail("stranger"));
    for (const path of [vaultUrl, `${base}/console/agents/${agentId}`, `${base}/console/enrollments/${enrollmentId}`]) {
      const answer = await stranger.goto(path);
      expect(answer!.status(), path).toBe(404);
      expect(await stranger.title()).toBe("Not found · Clawkeep");
      expect(await stranger.content()).not.toContain("production");
    }

    // A form posted without its CSRF token is refused, and nothing changes.
    const forged = await human.request.post(`${base}/console/vaults`, { form: { name: "forged-vault" } });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).toContain("Form expired");
    const vaults = (await (await call("GET", "/v1/vaults", await humanToken(email))).json()) as { vaults: { name: string }[] };
    expect(vaults.vaults.map((v) => v.name)).not.toContain("forged-vault");

    // The dark colour scheme, for the README.
    const dark = await browser!.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: "dark" });
    const darkPage = await person(dark);
    await darkPage.goto(`${base}/console/sign-in`);
    await darkPage.getByLabel("Email").fill(email);
    await darkPage.getByLabel("Password").fill(PASSWORD);
    await darkPage.getByRole("button", { name: "Sign in" }).click();
    await darkPage.goto(vaultUrl);
    await shot(darkPage, "vault-dark");
  });
});
