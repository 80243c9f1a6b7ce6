// The console's frame and its vault and secret pages, over plain HTTP against a real server:
// sessions, CSRF, headers, errors in place, and that a reveal is an audited API read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConsoleVisitor } from "../support/console.js";
import { PASSWORD } from "../support/people.js";
import { restCaller, restSignup } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe("console frame", () => {
  it("sends a visitor without a session to sign in, and back where they were going", async () => {
    const visitor = new ConsoleVisitor(server.url);
    const page = await visitor.get("/console/vaults");
    expect(page.url).toBe("/console/sign-in?next=%2Fconsole%2Fvaults");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const person = await restSignup(restCaller(server.url));
    await visitor.post("/console/sign-in", { email: person.email, password: "wrong password, surely", next: "/console/vaults" });
    const signedIn = await visitor.post("/console/sign-in", { email: person.email, password: PASSWORD, next: "/console/vaults" });
    expect(signedIn.url).toBe("/console/vaults");
    expect(signedIn.title).toBe("Vaults");
    expect(signedIn.html).toContain(person.email);
    // The pages called the API's own handlers, and the metrics say they came from the console.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/clawkeep_rpc_duration_seconds_count\{service="clawkeep.v1.AuthService",method="Login",protocol="console",code="unauthenticated"\} 1/);
    expect(metrics).toMatch(/clawkeep_rpc_duration_seconds_count\{service="clawkeep.v1.VaultService",method="ListVaults",protocol="console",code="ok"\}/);
  });

  it("shows a wrong password in place, with the API's sentence", async () => {
    const person = await restSignup(restCaller(server.url));
    const visitor = new ConsoleVisitor(server.url);
    const page = await visitor.signIn(person.email, "not the password at all");
    expect(page.status).toBe(401);
    expect(page.title).toBe("Sign in");
    expect(page.alert).toBe("Email or password is incorrect");
  });

  it("refuses a form without its CSRF token, or from another origin, and changes nothing", async () => {
    const visitor = new ConsoleVisitor(server.url);
    await visitor.signUp();
    const missing = await visitor.post("/console/vaults", { name: "forged" }, { csrf: null });
    expect(missing.status).toBe(403);
    expect(missing.title).toBe("Form expired");
    const wrong = await visitor.post("/console/vaults", { name: "forged" }, { csrf: "x".repeat(43) });
    expect(wrong.status).toBe(403);
    await visitor.get("/console/vaults");
    const otherSite = await visitor.post("/console/vaults", { name: "forged" }, { origin: "https://evil.example" });
    expect(otherSite.status).toBe(403);
    const list = await visitor.get("/console/vaults");
    expect(list.html).not.toContain("forged");
  });

  it("keeps a session past the access token's life by renewing it with the refresh token", async () => {
    const visitor = new ConsoleVisitor(server.url);
    await visitor.signUp();
    const before = visitor.cookies.get("clawkeep_console");
    // The browser drops the access cookie when it expires (its Max-Age is the token's life).
    visitor.cookies.delete("clawkeep_console");
    const page = await visitor.get("/console/vaults");
    expect(page.title).toBe("Vaults");
    const after = visitor.cookies.get("clawkeep_console");
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
    // Signing out ends the session at the API: the old refresh token no longer signs anyone in.
    const refresh = visitor.cookies.get("clawkeep_console_refresh")!;
    await visitor.post("/console/sign-out", {});
    expect(visitor.cookies.has("clawkeep_console")).toBe(false);
    const replay = new ConsoleVisitor(server.url);
    replay.cookies.set("clawkeep_console_refresh", refresh);
    expect((await replay.get("/console/vaults")).url).toMatch(/^\/console\/sign-in/);
  });

  it("answers another organisation's vault with a not-found page", async () => {
    const owner = new ConsoleVisitor(server.url);
    await owner.signUp();
    const created = await owner.post("/console/vaults", { name: "private", description: "" });
    const vaultPath = created.url;
    expect(vaultPath).toMatch(/^\/console\/vaults\/[0-9a-f-]{36}$/);
    const stranger = new ConsoleVisitor(server.url);
    await stranger.signUp();
    const page = await stranger.get(vaultPath);
    expect(page.status).toBe(404);
    expect(page.title).toBe("Not found");
    expect(page.html).not.toContain("private");
  });
});

describe("vaults and secrets", () => {
  it("creates a vault and a secret, reveals it as an audited read, and never echoes the value into a URL", async () => {
    const visitor = new ConsoleVisitor(server.url);
    const email = await visitor.signUp();
    const vault = await visitor.post("/console/vaults", { name: "production", description: "live keys" });
    expect(vault.notice).toBe('Vault "production" created.');
    const vaultId = vault.url.split("/").pop()!;
    const saved = await visitor.post(`/console/vaults/${vaultId}/secrets`, { path: "api-keys/stripe", type: "api_key", value: "sk_live_console", expires_at: "", max_access_count: "" });
    expect(saved.notice).toBe('Version 1 of "api-keys/stripe" saved.');
    expect(saved.url).toBe(`/console/vaults/${vaultId}/secret?path=api-keys%2Fstripe`);
    expect(saved.html).not.toContain("sk_live_console");

    const revealed = await visitor.post(`/console/vaults/${vaultId}/secret/reveal`, { path: "api-keys/stripe" });
    expect(revealed.status).toBe(200);
    expect(revealed.html).toContain("sk_live_console");
    expect(revealed.headers.get("cache-control")).toBe("no-store");
    // The reveal was the API's own read: audited, by this person, from this client.
    const call = restCaller(server.url);
    const login = (await (await call("POST", "/v1/auth/token", undefined, { email, password: PASSWORD })).json()) as { access_token: string };
    const events = await eventually(async () => {
      const res = (await (await call("GET", `/v1/audit/events?action=secret.read&resource_id=${encodeURIComponent("api-keys/stripe")}`, login.access_token)).json()) as { events: { action: string; ip_address?: string }[] };
      return res.events.length > 0 ? res.events : undefined;
    });
    expect(events).toHaveLength(1);

    const list = await visitor.get(`/console/vaults/${vaultId}?prefix=api-keys/`);
    expect(list.html).toContain("api-keys/stripe");
    expect(list.html).not.toContain("sk_live_console");
  });

  it("shows a bad path in place, with the API's sentence, and keeps what was typed except the value", async () => {
    const visitor = new ConsoleVisitor(server.url);
    await visitor.signUp();
    const vault = await visitor.post("/console/vaults", { name: "v", description: "" });
    const vaultId = vault.url.split("/").pop()!;
    const page = await visitor.post(`/console/vaults/${vaultId}/secrets`, { path: "../etc/passwd", type: "api_key", value: "x" });
    expect(page.status).toBe(400);
    expect(page.alert).toMatch(/path/i);
  });

  it("deletes a vault only when its name is typed", async () => {
    const visitor = new ConsoleVisitor(server.url);
    await visitor.signUp();
    const vault = await visitor.post("/console/vaults", { name: "doomed", description: "" });
    const vaultId = vault.url.split("/").pop()!;
    const refused = await visitor.post(`/console/vaults/${vaultId}/delete`, { confirm_name: "doome" });
    expect(refused.status).toBe(400);
    expect(refused.alert).toBe('The name you typed is not "doomed"; the vault was not deleted.');
    const deleted = await visitor.post(`/console/vaults/${vaultId}/delete`, { confirm_name: "doomed" });
    expect(deleted.url).toBe("/console/vaults");
    expect(deleted.notice).toBe('Vault "doomed" deleted.');
    expect((await visitor.get(`/console/vaults/${vaultId}`)).status).toBe(404);
  });
});

async function eventually<T>(read: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
