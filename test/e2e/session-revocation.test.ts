// A person's session and role are cached by every instance that verified their token (so a
// signed-in call costs no lookup of them); every change that ends a session or changes a role
// reaches each instance. On the instance that made the change the very next request sees it; on
// another instance on the same PostgreSQL, within a second.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { usingPostgres } from "../support/database.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { statusWithin } from "../support/eventually.js";
import { startInstancePair, startTestServer, type InstancePair, type TestServer } from "../support/server.js";

/** A second sign-in of the person: another session, with its own access token. */
async function signInAgain(call: RestCall, person: RestPerson): Promise<string> {
  const res = await call("POST", "/v1/auth/token", undefined, { email: person.email, password: PASSWORD });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** An admin of the owner's organisation, invited and signed up. */
async function adminOf(call: RestCall, owner: RestPerson): Promise<RestPerson> {
  const email = uniqueEmail();
  expect((await call("POST", "/v1/org/invite", owner.token, { email, role: "admin" })).status).toBe(200);
  return restSignup(call, email);
}

describe("on the instance that made the change", () => {
  let server: TestServer;
  let call: RestCall;
  let owner: RestPerson;

  beforeAll(async () => {
    server = await startTestServer();
    call = restCaller(server.url);
    owner = await restSignup(call);
  });
  afterAll(async () => {
    await server?.close();
  });

  it("refuses a signed-out session's token on the very next request", async () => {
    const token = await signInAgain(call, owner);
    expect((await call("GET", "/v1/auth/me", token)).status).toBe(200);
    expect((await call("DELETE", "/v1/auth/token", token)).status).toBeLessThan(300);
    expect((await call("GET", "/v1/auth/me", token)).status).toBe(401);
    expect((await call("GET", "/v1/auth/me", owner.token)).status).toBe(200);
  });

  it("ends the other sessions on a password change, and keeps the one that changed it", async () => {
    const person = await restSignup(call);
    const other = await signInAgain(call, person);
    expect((await call("GET", "/v1/auth/me", other)).status).toBe(200);
    const changed = await call("POST", "/v1/auth/change-password", person.token, { current_password: PASSWORD, new_password: `${PASSWORD} and more` });
    expect(changed.status).toBeLessThan(300);
    expect((await call("GET", "/v1/auth/me", other)).status).toBe(401);
    expect((await call("GET", "/v1/auth/me", person.token)).status).toBe(200);
  });

  it("applies a demotion on the very next request, and a removal", async () => {
    const admin = await adminOf(call, owner);
    expect((await call("GET", "/v1/org/invitations", admin.token)).status).toBe(200);
    expect((await call("PATCH", `/v1/org/members/${admin.id}`, owner.token, { role: "member" })).status).toBe(200);
    expect((await call("GET", "/v1/org/invitations", admin.token)).status).toBe(403);
    expect((await call("DELETE", `/v1/org/members/${admin.id}`, owner.token)).status).toBeLessThan(300);
    expect((await call("GET", "/v1/auth/me", admin.token)).status).toBe(401);
  });

  it("after a quarter of an hour idle, refuses the expired access token it had cached, and serves a refreshed one", async () => {
    const login = await call("POST", "/v1/auth/token", undefined, { email: owner.email, password: PASSWORD });
    const tokens = (await login.json()) as { access_token: string; refresh_token: string };
    // Verified once: the token and its session are cached from here on.
    expect((await call("GET", "/v1/auth/me", tokens.access_token)).status).toBe(200);
    // Only Date is faked: the server's sockets and timers keep running.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 16 * 60_000);
      expect((await call("GET", "/v1/auth/me", tokens.access_token)).status).toBe(401);
      const refreshed = await call("POST", "/v1/auth/refresh", undefined, { refresh_token: tokens.refresh_token });
      expect(refreshed.status).toBe(200);
      const { access_token: fresh } = (await refreshed.json()) as { access_token: string };
      expect((await call("GET", "/v1/auth/me", fresh)).status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe.skipIf(!usingPostgres)("on another instance on the same PostgreSQL", () => {
  let pair: InstancePair;
  let onA: RestCall;
  let onB: RestCall;
  let owner: RestPerson;

  beforeAll(async () => {
    pair = await startInstancePair();
    onA = restCaller(pair.a.url);
    onB = restCaller(pair.b.url);
    owner = await restSignup(onA);
  });
  afterAll(async () => {
    await pair?.close();
  });

  it("refuses a session signed out on A within a second", async () => {
    const token = await signInAgain(onA, owner);
    expect((await onB("GET", "/v1/auth/me", token)).status).toBe(200);
    expect((await onA("DELETE", "/v1/auth/token", token)).status).toBeLessThan(300);
    expect(await statusWithin(1000, 401, () => onB("GET", "/v1/auth/me", token))).toBe(401);
    expect((await onB("GET", "/v1/auth/me", owner.token)).status).toBe(200);
  });

  it("refuses the other sessions within a second of a password change on A", async () => {
    const person = await restSignup(onA);
    const other = await signInAgain(onA, person);
    expect((await onB("GET", "/v1/auth/me", other)).status).toBe(200);
    const changed = await onA("POST", "/v1/auth/change-password", person.token, { current_password: PASSWORD, new_password: `${PASSWORD} and more` });
    expect(changed.status).toBeLessThan(300);
    expect(await statusWithin(1000, 401, () => onB("GET", "/v1/auth/me", other))).toBe(401);
  });

  it("applies a demotion on A within a second, and a removal", async () => {
    const admin = await adminOf(onA, owner);
    expect((await onB("GET", "/v1/org/invitations", admin.token)).status).toBe(200);
    expect((await onA("PATCH", `/v1/org/members/${admin.id}`, owner.token, { role: "member" })).status).toBe(200);
    expect(await statusWithin(1000, 403, () => onB("GET", "/v1/org/invitations", admin.token))).toBe(403);
    expect((await onA("DELETE", `/v1/org/members/${admin.id}`, owner.token)).status).toBeLessThan(300);
    expect(await statusWithin(1000, 401, () => onB("GET", "/v1/auth/me", admin.token))).toBe(401);
  });

  it("refuses a whole family within a second of its refresh token's reuse on A", async () => {
    const login = (await (await onA("POST", "/v1/auth/token", undefined, { email: owner.email, password: PASSWORD })).json()) as { access_token: string; refresh_token: string };
    const rotated = (await (await onA("POST", "/v1/auth/refresh", undefined, { refresh_token: login.refresh_token })).json()) as { access_token: string };
    expect((await onB("GET", "/v1/auth/me", rotated.access_token)).status).toBe(200);
    // The retired refresh token again: it leaked, so every session of that sign-in ends.
    expect((await onA("POST", "/v1/auth/refresh", undefined, { refresh_token: login.refresh_token })).status).toBe(401);
    expect(await statusWithin(1000, 401, () => onB("GET", "/v1/auth/me", rotated.access_token))).toBe(401);
  });
});
