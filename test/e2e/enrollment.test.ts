// Self-enrollment end to end, as the seed describes it: the agent enrolls with the seed's own curl
// commands (only the base URL and the human's address changed), the human gets the email at a real
// SMTP server, approves in a real headless Chromium (sign in, see the request, click Allow), the
// key arrives by email, the agent claims the same key over REST and trades it for a token, and a
// Connect watcher saw every event.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService, type WatchEnrollmentsResponse } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { PASSWORD } from "../support/people.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { freePort, startTestServer, type TestServer } from "../support/server.js";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink.js";
import { chromiumTool, launchChromium } from "../support/browser.js";
import { probeTool } from "../support/tools.js";

const run = promisify(execFile);
const curlTool = probeTool(["curl", "--version"], "apt-get install -y curl");
const tools = chromiumTool.available && curlTool.available;

let sink: SmtpSink;
let server: TestServer;
let base: string;
let call: RestCall;
let browser: Browser | undefined;

beforeAll(async () => {
  sink = await startSmtpSink();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startTestServer({ env: { CLAWKEEP_PORT: String(port), CLAWKEEP_PUBLIC_URL: base, CLAWKEEP_SMTP_URL: sink.url, CLAWKEEP_MAIL_FROM: "Clawkeep <vault@example.com>" } });
  call = restCaller(base);
  if (tools) {
    browser = await launchChromium();
  }
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await sink?.close();
});

async function curlJson(args: string[]): Promise<{ status: number; json: Record<string, unknown> }> {
  const { stdout } = await run("curl", ["-s", "-w", "\n%{http_code}", ...args]);
  const newline = stdout.lastIndexOf("\n");
  return { status: Number(stdout.slice(newline + 1)), json: JSON.parse(stdout.slice(0, newline)) as Record<string, unknown> };
}

/** Watches the human's organisation from the current end of the event log until stopped. */
async function watchFrom(person: RestPerson): Promise<{ events: WatchEnrollmentsResponse[]; stop: () => void }> {
  const agents = createClient(AgentService, createConnectTransport({ baseUrl: base, httpVersion: "1.1" }));
  const cursor = await server.bus.latestCursor();
  const controller = new AbortController();
  const events: WatchEnrollmentsResponse[] = [];
  void (async () => {
    try {
      for await (const message of agents.watchEnrollments({ cursor }, { headers: { authorization: `Bearer ${person.token}` }, signal: controller.signal })) events.push(message);
    } catch {
      // Aborted at the end of the test.
    }
  })();
  return { events, stop: () => controller.abort() };
}

/** Signs in on the page if it asks, as a person would. */
async function signInIfAsked(page: Page, person: RestPerson): Promise<void> {
  if ((await page.title()).startsWith("Sign in")) {
    await page.fill('input[name="email"]', person.email);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button:has-text("Sign in")');
  }
}

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("self-enrollment with a real mail server and a real browser", () => {
  it.skipIf(!tools)("with human_email: email with Allow/Deny links, approval in Chromium, key by email, claim, token, every event watched", async () => {
    const human = await restSignup(call);
    const watcher = await watchFrom(human);

    // The seed's curl, verbatim but for the base URL and the human's address.
    const enrolled = await curlJson([
      "-X",
      "POST",
      `${base}/v1/agents/enroll`,
      "-H",
      "Content-Type: application/json",
      "-d",
      `{"name":"my-agent","human_email":"${human.email}"}`,
    ]);
    expect(enrolled.status).toBe(201);
    expect(enrolled.json.agent_id).toBe("00000000-0000-0000-0000-000000000000");
    expect(enrolled.json).not.toHaveProperty("api_key");
    const enrollmentId = enrolled.json.enrollment_id as string;
    const claimToken = enrolled.json.claim_token as string;

    const request = await sink.waitFor((mail) => mail.to.includes(human.email) && mail.subject === 'Approve agent "my-agent"?');
    expect(request.from).toContain("<vault@example.com>");
    const allow = /Allow: (\S+)/.exec(request.text)![1];
    expect(allow.startsWith(`${base}/enroll/${enrollmentId}?token=`)).toBe(true);
    expect(request.html).toContain("decision=deny");

    // Before approval the agent is told to wait.
    const early = await call("POST", `/v1/agents/enroll/${enrollmentId}/claim`, undefined, { claim_token: claimToken });
    expect(early.status).toBe(409);

    const page = await browser!.newPage();
    const landing = await page.goto(allow);
    expect(landing!.status()).toBe(200);
    expect(landing!.headers()["x-frame-options"]).toBe("DENY");
    await signInIfAsked(page, human);
    expect(await page.title()).toBe('Agent "my-agent" asks to be enrolled · Clawkeep');
    const facts = await page.textContent(".facts");
    expect(facts).toContain("my-agent");
    expect(facts).toContain("127.0.0.1");
    expect(await page.getAttribute('button[value="allow"]', "class")).toContain("chosen");
    await page.click('button[value="allow"]');
    expect(await page.title()).toBe('Agent "my-agent" allowed · Clawkeep');
    expect(await page.textContent("body")).toContain(`emailed to ${human.email}`);
    await page.close();

    const keyMail = await sink.waitFor((mail) => mail.to.includes(human.email) && mail.subject === 'API key for agent "my-agent"');
    const emailedKey = /API key: {2}(ocv_\S+)/.exec(keyMail.text)![1];
    const agentId = /Agent ID: (\S+)/.exec(keyMail.text)![1];
    expect(keyMail.html).toContain(emailedKey);

    const claim = await call("POST", `/v1/agents/enroll/${enrollmentId}/claim`, undefined, { claim_token: claimToken });
    expect(claim.status).toBe(200);
    expect(await claim.json()).toEqual({ agent_id: agentId, api_key: emailedKey });
    expect((await call("POST", `/v1/agents/enroll/${enrollmentId}/claim`, undefined, { claim_token: claimToken })).status).toBe(410);

    const token = await curlJson([
      "-X",
      "POST",
      `${base}/v1/auth/agent-token`,
      "-H",
      "Content-Type: application/json",
      "-d",
      JSON.stringify({ agent_id: agentId, api_key: emailedKey }),
    ]);
    expect(token.status).toBe(200);
    expect(token.json).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    const me = await call("GET", "/v1/agents/me", token.json.access_token as string);
    expect(await me.json()).toMatchObject({ id: agentId, name: "my-agent", created_by: human.id });

    await until(() => (watcher.events.length >= 3 ? true : undefined), "three enrollment events");
    watcher.stop();
    expect(watcher.events.map((e) => [e.event, e.enrollment!.id, e.enrollment!.status])).toEqual([
      ["requested", enrollmentId, "pending"],
      ["approved", enrollmentId, "approved"],
      ["claimed", enrollmentId, "claimed"],
    ]);
    // The sent mail left nothing readable behind.
    const kept = await server.database.dataSource.query(`SELECT count(*)::int AS "n" FROM "clawkeep_mail" WHERE "ciphertext" IS NOT NULL`);
    expect(kept[0].n).toBe(0);
  });

  it.skipIf(!tools)("name only: the approval_url approves into the signed-in human's organisation", async () => {
    const human = await restSignup(call);
    const enrolled = await curlJson(["-X", "POST", `${base}/v1/agents/enroll`, "-H", "Content-Type: application/json", "-d", '{"name":"my-agent"}']);
    expect(enrolled.status).toBe(201);
    const approvalUrl = enrolled.json.approval_url as string;
    expect(approvalUrl.startsWith(`${base}/enroll/`)).toBe(true);

    const page = await browser!.newPage();
    await page.goto(approvalUrl);
    await signInIfAsked(page, human);
    expect(await page.textContent("body")).toContain("Allowing adds this agent to your organisation.");
    await page.click('button[value="allow"]');
    expect(await page.title()).toBe('Agent "my-agent" allowed · Clawkeep');
    await page.close();

    const keyMail = await sink.waitFor((mail) => mail.to.includes(human.email) && mail.subject === 'API key for agent "my-agent"');
    const agentId = /Agent ID: (\S+)/.exec(keyMail.text)![1];
    const listed = (await (await call("GET", "/v1/agents", human.token)).json()) as { agents: { id: string; created_by: string }[] };
    expect(listed.agents).toContainEqual(expect.objectContaining({ id: agentId, created_by: human.id }));
    const claim = await call("POST", `/v1/agents/enroll/${enrolled.json.enrollment_id as string}/claim`, undefined, { claim_token: enrolled.json.claim_token });
    expect(((await claim.json()) as { agent_id: string }).agent_id).toBe(agentId);
  });

  it.skipIf(!tools)("Deny in the browser creates nothing; the page refuses forged posts and a wrong password", async () => {
    const human = await restSignup(call);
    const enrolled = await curlJson(["-X", "POST", `${base}/v1/agents/enroll`, "-H", "Content-Type: application/json", "-d", '{"name":"unwelcome","description":"<script>alert(1)</script>"}']);
    const approvalUrl = enrolled.json.approval_url as string;
    const enrollmentId = enrolled.json.enrollment_id as string;

    // A post from elsewhere, without the page's CSRF token, changes nothing.
    const forged = await fetch(approvalUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://evil.example" }, body: "intent=decide&choice=allow" });
    expect(forged.status).toBe(403);

    const page = await browser!.newPage();
    await page.goto(approvalUrl);
    await page.fill('input[name="email"]', human.email);
    await page.fill('input[name="password"]', "wrong password entirely");
    await page.click('button:has-text("Sign in")');
    expect(await page.textContent(`[role="alert"]`)).toBe("Email or password is incorrect");
    await signInIfAsked(page, human);
    // The description is shown as text, never run.
    expect(await page.textContent(".facts")).toContain("<script>alert(1)</script>");
    await page.click('button[value="deny"]');
    expect(await page.title()).toBe('Agent "unwelcome" denied · Clawkeep');
    // Reloading the link now shows the decision, with nothing left to press.
    await page.goto(approvalUrl);
    expect(await page.textContent("body")).toContain("This request is denied.");
    expect(await page.locator('button[value="allow"]').count()).toBe(0);
    await page.close();

    const claim = await call("POST", `/v1/agents/enroll/${enrollmentId}/claim`, undefined, { claim_token: enrolled.json.claim_token });
    expect(claim.status).toBe(403);
  });
});
