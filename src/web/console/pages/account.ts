// Signing up, in and out, and the account page (change password).
import { attempt } from "../api-errors.js";
import { alert, facts, html, when } from "../html.js";
import { field, formTag, page, redirect, safeLocation, submit, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";

function nextOf(req: PageRequest): string {
  const next = req.query.get("next") ?? req.form.get("next") ?? "";
  return safeLocation(next || "/console");
}

function signInForm(req: PageRequest, error?: string, email = ""): PageResult {
  const next = nextOf(req);
  return page(
    "Sign in",
    html`${alert(error)}
${formTag(
  req,
  `/console/sign-in`,
  html`<input type="hidden" name="next" value="${next}">
${field("Email", "email", { type: "email", required: true, autocomplete: "username", value: email })}
${field("Password", "password", { type: "password", required: true, autocomplete: "current-password" })}
<div class="actions">${submit("Sign in")}</div>`,
  { className: "stack panel", label: "Sign in" },
)}
<p class="muted">No account yet? <a href="/console/sign-up?next=${encodeURIComponent(next)}">Create one</a>: it starts a new organisation of which you are the owner.</p>`,
    { status: error ? 401 : 200 },
  );
}

async function signIn(req: PageRequest): Promise<PageResult> {
  const email = req.form.get("email") ?? "";
  const result = await attempt(() => req.rpc.auth.login({ email, password: req.form.get("password") ?? "" }), { signingIn: true });
  if (!result.ok) return signInForm(req, result.error, email);
  const tokens = result.value;
  return { kind: "redirect", location: nextOf(req), signIn: { accessToken: tokens.accessToken, expiresIn: tokens.expiresIn, refreshToken: tokens.refreshToken } };
}

function signUpForm(req: PageRequest, error?: string, values: { email?: string; name?: string } = {}): PageResult {
  return page(
    "Create an account",
    html`${alert(error)}
${formTag(
  req,
  "/console/sign-up",
  html`<input type="hidden" name="next" value="${nextOf(req)}">
${field("Your name", "display_name", { value: values.name, autocomplete: "name" })}
${field("Email", "email", { type: "email", required: true, autocomplete: "username", value: values.email })}
${field("Password", "password", { type: "password", required: true, autocomplete: "new-password", hint: "At least 12 characters." })}
<div class="actions">${submit("Create account")}</div>`,
  { className: "stack panel", label: "Create an account" },
)}
<p class="muted">Already have an account? <a href="/console/sign-in">Sign in</a>.</p>`,
    { status: error ? 400 : 200 },
  );
}

async function signUp(req: PageRequest): Promise<PageResult> {
  const email = req.form.get("email") ?? "";
  const password = req.form.get("password") ?? "";
  const displayName = req.form.get("display_name") ?? "";
  const created = await attempt(() => req.rpc.auth.signup({ email, password, displayName }), { signingIn: true });
  if (!created.ok) return signUpForm(req, created.error, { email, name: displayName });
  // Signing up answers an access token only; a login gives the refresh token a console session needs.
  const tokens = await attempt(() => req.rpc.auth.login({ email, password }), { signingIn: true });
  if (!tokens.ok) return redirect("/console/sign-in", "Your account was created; sign in to continue.");
  return { kind: "redirect", location: nextOf(req) === "/console" ? "/console/vaults" : nextOf(req), notice: "Welcome to Clawkeep. Create a vault to keep your first secret.", signIn: { accessToken: tokens.value.accessToken, expiresIn: tokens.value.expiresIn, refreshToken: tokens.value.refreshToken } };
}

async function signOut(req: PageRequest): Promise<PageResult> {
  // Ends the session at the API (its access and refresh tokens stop working), not only the cookies.
  await req.rpc.auth.revokeToken({});
  return { kind: "redirect", location: "/console/sign-in", notice: "You are signed out.", signOut: true };
}

async function account(req: PageRequest, error?: string): Promise<PageResult> {
  const me = (await req.rpc.auth.getMe({})).user;
  return page(
    "Your account",
    html`<div class="panel">${facts([
      ["Email", me?.email ?? ""],
      ["Name", me?.displayName || "—"],
      ["Role", me?.role ?? ""],
      ["Member since", when(me?.createdAt)],
    ])}</div>
<h2>Change password</h2>
${alert(error)}
${formTag(
  req,
  "/console/account/password",
  html`${field("Current password", "current_password", { type: "password", required: true, autocomplete: "current-password" })}
${field("New password", "new_password", { type: "password", required: true, autocomplete: "new-password", hint: "At least 12 characters. Your other sessions are signed out." })}
<div class="actions">${submit("Change password")}</div>`,
  { className: "stack panel", label: "Change password" },
)}`,
    { section: "account", status: error ? 400 : 200 },
  );
}

async function changePassword(req: PageRequest): Promise<PageResult> {
  const changed = await attempt(() => req.rpc.auth.changePassword({ currentPassword: req.form.get("current_password") ?? "", newPassword: req.form.get("new_password") ?? "" }));
  if (!changed.ok) return account(req, changed.error);
  return redirect("/console/account", "Your password is changed. Your other sessions were signed out.");
}

export const accountRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/sign-in", public: true, handle: async (req) => signInForm(req) },
  { method: "POST", pattern: "/console/sign-in", public: true, handle: signIn },
  { method: "GET", pattern: "/console/sign-up", public: true, handle: async (req) => signUpForm(req) },
  { method: "POST", pattern: "/console/sign-up", public: true, handle: signUp },
  // Not public: a session whose access token has lapsed is renewed first, so the sign-out can end it at the API.
  { method: "POST", pattern: "/console/sign-out", handle: signOut },
  { method: "GET", pattern: "/console/account", handle: (req) => account(req) },
  { method: "POST", pattern: "/console/account/password", handle: changePassword },
];
