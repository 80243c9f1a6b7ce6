// Humans over REST against a real server: sign-up, sign-in, profile, discovery documents, login
// limits, and the audit events each of those writes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemOf } from "../support/http.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});


async function post(path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
}

async function get(path: string, token?: string): Promise<Response> {
  return fetch(`${server.url}${path}`, { headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) } });
}

async function auditActions(userId: string): Promise<string[]> {
  const rows: { action: string }[] = await server.database.dataSource.query(
    `SELECT "action" FROM "clawkeep_audit_events" WHERE "actor_id" = $1 ORDER BY "pos"`,
    [userId],
  );
  return rows.map((r) => r.action);
}

describe("sign-up", () => {
  it("creates a user who owns a new organisation and returns an access token", async () => {
    const email = uniqueEmail();
    const res = await post("/v1/auth/signup", { email: email.toUpperCase(), password: PASSWORD, display_name: "Ada" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body).toMatchObject({ email, token_type: "Bearer", message: "account created" });
    const me = await get("/v1/auth/me", body.access_token);
    expect(me.status).toBe(200);
    const user = (await me.json()) as Record<string, unknown>;
    expect(user).toMatchObject({ email, display_name: "Ada", role: "owner", auth_method: "password", marketing_emails: false, email_verified: false });
    expect(await auditActions(user.id as string)).toEqual(["org.create", "user.signup"]);
  });

  it("refuses a duplicate email with 409, whatever its case", async () => {
    const email = uniqueEmail();
    expect((await post("/v1/auth/signup", { email, password: PASSWORD })).status).toBe(200);
    const again = await post("/v1/auth/signup", { email: email.toUpperCase(), password: PASSWORD });
    expect(again.status).toBe(409);
    expect((await problemOf(again)).detail).toBe("an account with this email already exists");
  });

  it.each([
    [{ email: "not-an-email", password: PASSWORD }, /is not an email address/],
    [{ email: "", password: PASSWORD }, /email is required/],
    [{ email: "a@example.com", password: "short" }, /12 characters/],
    [{ email: "b@example.com", password: PASSWORD, display_name: "x".repeat(101) }, /display_name must be at most 100/],
  ])("refuses %j with a 400 saying what is wrong", async (body, detail) => {
    const res = await post("/v1/auth/signup", body);
    expect(res.status).toBe(400);
    expect((await problemOf(res)).detail).toMatch(detail);
  });

  it("never stores the password itself", async () => {
    const email = uniqueEmail();
    await post("/v1/auth/signup", { email, password: PASSWORD });
    const [row]: { password_hash: string }[] = await server.database.dataSource.query(`SELECT "password_hash" FROM "clawkeep_users" WHERE "email" = $1`, [email]);
    expect(row.password_hash).toMatch(/^\$argon2id\$/);
    expect(row.password_hash).not.toContain(PASSWORD);
  });
});

describe("sign-in", () => {
  it("returns a 15-minute access token and a refresh token", async () => {
    const email = uniqueEmail();
    await post("/v1/auth/signup", { email, password: PASSWORD });
    const res = await post("/v1/auth/token", { email, password: PASSWORD });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 900, mfa_required: false });
    expect(body.refresh_token).toMatch(/^ckr_[A-Za-z0-9_-]{43}$/);
    const [, payload] = (body.access_token as string).split(".");
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: server.config.publicUrl, role: "owner" });
    expect(claims.sub).toMatch(/^user:[0-9a-f-]{36}$/);
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    expect((await get("/v1/auth/me", body.access_token as string)).status).toBe(200);
  });

  it("answers a wrong password and an unknown email alike, with 401", async () => {
    const email = uniqueEmail();
    await post("/v1/auth/signup", { email, password: PASSWORD });
    const wrong = await post("/v1/auth/token", { email, password: "not the password at all" });
    const unknown = await post("/v1/auth/token", { email: uniqueEmail(), password: PASSWORD });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect((await problemOf(wrong)).detail).toBe((await problemOf(unknown)).detail);
  });

  it("limits failures per account with 429 and Retry-After, and audits them", async () => {
    const email = uniqueEmail();
    const signup = (await (await post("/v1/auth/signup", { email, password: PASSWORD })).json()) as { access_token: string };
    const me = (await (await get("/v1/auth/me", signup.access_token)).json()) as { id: string };
    for (let i = 0; i < 5; i++) expect((await post("/v1/auth/token", { email, password: `wrong password ${i}` })).status).toBe(401);
    const limited = await post("/v1/auth/token", { email, password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await auditActions(me.id)).filter((a) => a === "user.login_failed")).toHaveLength(5);
  });
});

async function signedIn(): Promise<{ email: string; access: string; refresh: string; userId: string }> {
  const email = uniqueEmail();
  await post("/v1/auth/signup", { email, password: PASSWORD });
  const login = (await (await post("/v1/auth/token", { email, password: PASSWORD })).json()) as { access_token: string; refresh_token: string };
  const me = (await (await get("/v1/auth/me", login.access_token)).json()) as { id: string };
  return { email, access: login.access_token, refresh: login.refresh_token, userId: me.id };
}

describe("sessions", () => {
  it("rotates the refresh token: the new pair works, the old refresh token is retired", async () => {
    const session = await signedIn();
    const res = await post("/v1/auth/refresh", { refresh_token: session.refresh });
    expect(res.status).toBe(200);
    const next = (await res.json()) as { access_token: string; refresh_token: string; expires_in: number };
    expect(next.expires_in).toBe(900);
    expect(next.refresh_token).not.toBe(session.refresh);
    expect((await get("/v1/auth/me", next.access_token)).status).toBe(200);
    expect((await post("/v1/auth/refresh", { refresh_token: next.refresh_token })).status).toBe(200);
  });

  it("revokes the whole family when a retired refresh token is presented again", async () => {
    const session = await signedIn();
    const next = (await (await post("/v1/auth/refresh", { refresh_token: session.refresh })).json()) as { access_token: string; refresh_token: string };
    const reuse = await post("/v1/auth/refresh", { refresh_token: session.refresh });
    expect(reuse.status).toBe(401);
    expect((await problemOf(reuse)).detail).toMatch(/already used/);
    expect((await post("/v1/auth/refresh", { refresh_token: next.refresh_token })).status).toBe(401);
    expect((await get("/v1/auth/me", next.access_token)).status).toBe(401);
    expect(await auditActions(session.userId)).toContain("session.refresh_token_reused");
  });

  it("gives a fresh access token for an empty body with a valid Bearer, as the Python client calls it", async () => {
    const session = await signedIn();
    const res = await fetch(`${server.url}/v1/auth/refresh`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${session.access}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    expect(body).not.toHaveProperty("refresh_token");
    expect((await get("/v1/auth/me", body.access_token as string)).status).toBe(200);
    const anonymous = await fetch(`${server.url}/v1/auth/refresh`, { method: "POST", headers: { authorization: "Bearer junk" } });
    expect(anonymous.status).toBe(401);
  });

  it("signs out: DELETE /v1/auth/token ends the session's access and refresh tokens at once", async () => {
    const session = await signedIn();
    const res = await fetch(`${server.url}/v1/auth/token`, { method: "DELETE", headers: { authorization: `Bearer ${session.access}` } });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect((await get("/v1/auth/me", session.access)).status).toBe(401);
    expect((await post("/v1/auth/refresh", { refresh_token: session.refresh })).status).toBe(401);
  });

  it("changes the password and ends every other session, keeping the caller's", async () => {
    const first = await signedIn();
    const second = (await (await post("/v1/auth/token", { email: first.email, password: PASSWORD })).json()) as { access_token: string };
    const newPassword = "a different long passphrase";
    const wrong = await post("/v1/auth/change-password", { current_password: "not it at all, sorry", new_password: newPassword }, first.access);
    expect(wrong.status).toBe(400);
    expect((await problemOf(wrong)).detail).toBe("current_password is incorrect");
    const weak = await post("/v1/auth/change-password", { current_password: PASSWORD, new_password: "short" }, first.access);
    expect(weak.status).toBe(400);
    const ok = await post("/v1/auth/change-password", { current_password: PASSWORD, new_password: newPassword }, first.access);
    expect(ok.status).toBe(204);
    expect((await get("/v1/auth/me", first.access)).status).toBe(200);
    expect((await get("/v1/auth/me", second.access_token)).status).toBe(401);
    expect((await post("/v1/auth/token", { email: first.email, password: PASSWORD })).status).toBe(401);
    expect((await post("/v1/auth/token", { email: first.email, password: newPassword })).status).toBe(200);
  });
});

describe("personal API keys", () => {
  async function del(path: string, token: string): Promise<Response> {
    return fetch(`${server.url}${path}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });
  }

  it("shows a new key once, lists it by prefix only, and accepts it directly as a Bearer", async () => {
    const session = await signedIn();
    const res = await post("/v1/auth/api-keys", { name: "ci", scopes: ["vaults:read"] }, session.access);
    expect(res.status).toBe(201);
    const created = (await res.json()) as { api_key: string; key: Record<string, unknown> };
    expect(created.api_key).toMatch(/^1ck_[A-Za-z0-9_-]{43}$/);
    expect(created.key).toMatchObject({ name: "ci", key_prefix: created.api_key.slice(0, 12), scopes: ["vaults:read"], is_active: true });
    const list = (await (await get("/v1/auth/api-keys", session.access)).json()) as { keys: Record<string, unknown>[] };
    expect(list.keys).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(created.api_key);
    const me = await get("/v1/auth/me", created.api_key);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(session.userId);
    const [row]: { key_hash: Buffer }[] = await server.database.dataSource.query(`SELECT "key_hash" FROM "clawkeep_user_api_keys" WHERE "id" = $1`, [created.key.id]);
    expect(row.key_hash.toString("utf8")).not.toContain(created.api_key);
  });

  it("exchanges a key for a 24-hour token that dies when the key is revoked", async () => {
    const session = await signedIn();
    const created = (await (await post("/v1/auth/api-keys", { name: "sdk" }, session.access)).json()) as { api_key: string; key: { id: string } };
    const exchanged = await post("/v1/auth/api-key-token", { api_key: created.api_key });
    expect(exchanged.status).toBe(200);
    const token = (await exchanged.json()) as { access_token: string; expires_in: number; token_type: string };
    expect(token).toMatchObject({ token_type: "Bearer", expires_in: 86_400 });
    expect((await get("/v1/auth/me", token.access_token)).status).toBe(200);
    expect((await del(`/v1/auth/api-keys/${created.key.id}`, session.access)).status).toBe(204);
    expect((await get("/v1/auth/me", token.access_token)).status).toBe(401);
    expect((await get("/v1/auth/me", created.api_key)).status).toBe(401);
    expect((await post("/v1/auth/api-key-token", { api_key: created.api_key })).status).toBe(401);
    const list = (await (await get("/v1/auth/api-keys", session.access)).json()) as { keys: { is_active: boolean }[] };
    expect(list.keys[0].is_active).toBe(false);
    expect(await auditActions(session.userId)).toEqual(expect.arrayContaining(["api_key.create", "api_key.exchange", "api_key.revoke"]));
  });

  it("caps the exchanged token's life at the key's expiry", async () => {
    const session = await signedIn();
    const expiresAt = new Date(Date.now() + 3600_000).toISOString();
    const created = (await (await post("/v1/auth/api-keys", { name: "short", expires_at: expiresAt }, session.access)).json()) as { api_key: string };
    const token = (await (await post("/v1/auth/api-key-token", { api_key: created.api_key })).json()) as { expires_in: number };
    expect(token.expires_in).toBeGreaterThan(3500);
    expect(token.expires_in).toBeLessThanOrEqual(3600);
  });

  it("refuses bad input and another user's key", async () => {
    const owner = await signedIn();
    const other = await signedIn();
    expect((await post("/v1/auth/api-keys", { name: "" }, owner.access)).status).toBe(400);
    expect((await post("/v1/auth/api-keys", { name: "x", scopes: ["bad scope"] }, owner.access)).status).toBe(400);
    expect((await post("/v1/auth/api-keys", { name: "x", expires_at: "2001-01-01T00:00:00Z" }, owner.access)).status).toBe(400);
    const created = (await (await post("/v1/auth/api-keys", { name: "mine" }, owner.access)).json()) as { key: { id: string } };
    const res = await del(`/v1/auth/api-keys/${created.key.id}`, other.access);
    expect(res.status).toBe(404);
    expect((await post("/v1/auth/api-key-token", { api_key: "1ck_not-a-real-key" })).status).toBe(401);
  });
});

describe("profile", () => {
  it("updates only the fields sent, and audits which ones changed", async () => {
    const signup = (await (await post("/v1/auth/signup", { email: uniqueEmail(), password: PASSWORD, display_name: "Before" })).json()) as { access_token: string };
    const res = await fetch(`${server.url}/v1/auth/me`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${signup.access_token}` },
      body: JSON.stringify({ marketing_emails: true }),
    });
    expect(res.status).toBe(200);
    const user = (await res.json()) as Record<string, unknown>;
    expect(user).toMatchObject({ display_name: "Before", marketing_emails: true });
    const rows: { details: { changed: string[] } }[] = await server.database.dataSource.query(
      `SELECT "details" FROM "clawkeep_audit_events" WHERE "actor_id" = $1 AND "action" = 'user.update'`,
      [user.id],
    );
    expect(rows.map((r) => r.details.changed)).toEqual([["marketingEmails"]]);
  });

  it("refuses /v1/auth/me without a valid token", async () => {
    expect((await get("/v1/auth/me")).status).toBe(401);
    expect((await get("/v1/auth/me", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyOjEifQ.")).status).toBe(401);
  });
});

describe("discovery documents", () => {
  it("serves the signing keys at /.well-known/jwks.json and the OpenID configuration", async () => {
    const jwks = (await (await get("/.well-known/jwks.json")).json()) as { keys: Record<string, string>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", use: "sig", alg: "EdDSA" });
    const config = (await (await get("/.well-known/openid-configuration")).json()) as Record<string, unknown>;
    expect(config).toMatchObject({ issuer: server.config.publicUrl, jwks_uri: `${server.config.publicUrl}/.well-known/jwks.json` });
    const publicKey = (await (await get("/v1/auth/jwt-public-key")).json()) as { alg: string; public_key_base64: string };
    expect(publicKey.alg).toBe("EdDSA");
    expect(Buffer.from(publicKey.public_key_base64, "base64")).toHaveLength(32);
  });
});
