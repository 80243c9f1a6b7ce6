// The page behind an enrollment's approval_url and its emailed Allow/Deny links:
//   GET  /enroll/{id}?token=…[&decision=allow|deny]   sign-in form, or the request with Allow/Deny
//   POST /enroll/{id}?token=…                          sign in, sign out, or decide
// Server-rendered forms, no JavaScript. A GET never changes anything (mail scanners follow
// links); every POST needs the signed double-submit CSRF token and a same-origin Origin. The
// session is the user's access token in an HttpOnly cookie scoped to /enroll/.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Enrollments } from "../domain/agents/enrollments.js";
import { DomainError } from "../domain/errors.js";
import type { Accounts } from "../domain/identity/accounts.js";
import type { IpRuleGate } from "../domain/identity/ip-rule-gate.js";
import { verifyCredential, type CredentialVerifier, type Principal } from "../domain/identity/principal.js";
import { isUuid } from "../domain/ids.js";
import { ACCESS_TOKEN_TTL_SECONDS } from "../domain/identity/sessions.js";
import { TokenBuckets } from "../domain/token-buckets.js";
import { messagePage, reviewPage, signInPage, type FormContext } from "./approval-html.js";
import { controlCharacterAt } from "../domain/text.js";
import { cookieHeader, cookiesOf, csrfToken, csrfValid, FormTooLargeError, newCsrfSeed, readForm, sameOrigin } from "./form-request.js";

const PAGE_PATH = /^\/enroll\/([^/]+)$/;
const COOKIE_PATH = "/enroll/";
const SESSION_COOKIE = "clawkeep_session";
const CSRF_COOKIE = "clawkeep_csrf";

const SECURITY_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // The URL carries the one-time approval token: never hand it to another site. (Not
  // no-referrer: with it, browsers send "Origin: null" on our own form posts.)
  "referrer-policy": "same-origin",
};

export interface ApprovalPageDeps {
  accounts: Accounts;
  enrollments: Enrollments;
  verifiers: CredentialVerifier[];
  ipRuleGate: IpRuleGate;
  /** Keys the CSRF tokens. */
  csrfKey: Buffer;
  /** Cookies get Secure when Clawkeep is reached over https. */
  publicUrl: string;
  logger: Logger;
}

/** One browser request: what every step of the flow needs. */
interface PageRequest {
  req: IncomingMessage;
  res: ServerResponse;
  enrollmentId: string;
  address: string;
  form: FormContext;
  cookies: Map<string, string>;
  /** Set-Cookie headers to send with whatever the answer is. */
  setCookies: string[];
}

export class ApprovalPage {
  /** Page requests per client address: enough for a person, too few for a scraper. */
  private readonly perAddress = new TokenBuckets({ perSecond: 2, burst: 20 });
  private readonly secure: boolean;

  constructor(private readonly deps: ApprovalPageDeps) {
    this.secure = deps.publicUrl.startsWith("https:");
  }

  /** Whether the path is this page's (the HTTP front asks before routing to REST). */
  handles(path: string): boolean {
    return PAGE_PATH.test(path);
  }

  async serve(req: IncomingMessage, res: ServerResponse, address: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://page.invalid");
    const enrollmentId = PAGE_PATH.exec(url.pathname)?.[1] ?? "";
    const cookies = cookiesOf(req);
    const page: PageRequest = { req, res, enrollmentId, address, cookies, setCookies: [], form: { action: "", csrf: "", approvalToken: "", decision: "" } };
    if (this.perAddress.take(address || "unknown") > 0) return this.send(page, 429, messagePage(undefined, "Slow down", "Too many requests from your address; wait a few seconds and reload."), { "retry-after": "5" });
    if (req.method !== "GET" && req.method !== "POST") return this.send(page, 405, messagePage(undefined, "Not allowed", "This page only answers GET and POST."), { allow: "GET, POST" });
    if (!isUuid(enrollmentId)) return this.send(page, 404, messagePage(undefined, "Not found", "This link does not lead to an enrollment request."));

    let seed = cookies.get(CSRF_COOKIE);
    if (!seed || seed.length < 32) {
      seed = newCsrfSeed();
      page.setCookies.push(cookieHeader(CSRF_COOKIE, seed, { path: COOKIE_PATH, secure: this.secure }));
    }
    let params = url.searchParams;
    if (req.method === "POST") {
      try {
        params = await readForm(req);
      } catch (error) {
        if (error instanceof FormTooLargeError) return this.send(page, 413, messagePage(undefined, "Too large", error.message));
        throw error;
      }
      const refused = [...params].find(([, value]) => controlCharacterAt(value) >= 0);
      if (refused) return this.send(page, 400, messagePage(undefined, "Not accepted", `The form field ${refused[0].slice(0, 32)} contains a control character; only tab and line breaks are allowed.`));
      const csrfOk = sameOrigin(req) && csrfValid(this.deps.csrfKey, cookies.get(CSRF_COOKIE), csrfScope(enrollmentId), params.get("csrf"));
      if (!csrfOk) {
        return this.send(page, 403, messagePage(undefined, "Form expired", "This form could not be verified (it is old, or it came from another site). Open the link again and retry."));
      }
    }
    const approvalToken = params.get("token") ?? "";
    const decision = params.get("decision") === "allow" || params.get("decision") === "deny" ? (params.get("decision") as string) : "";
    const query = new URLSearchParams({ token: approvalToken, ...(decision ? { decision } : {}) });
    page.form = { action: `/enroll/${enrollmentId}?${query.toString()}`, csrf: csrfToken(this.deps.csrfKey, seed, csrfScope(enrollmentId)), approvalToken, decision };

    if (req.method === "GET") return this.review(page);
    switch (params.get("intent")) {
      case "sign-in":
        return this.signIn(page, params.get("email") ?? "", params.get("password") ?? "");
      case "sign-out":
        return this.signOut(page);
      case "decide":
        return this.decide(page, params.get("choice"), approvalToken);
      default:
        return this.send(page, 400, messagePage(page.form, "Unknown action", "The form asked for something this page does not do."));
    }
  }

  private async review(page: PageRequest): Promise<void> {
    const principal = await this.session(page);
    if (!principal) return this.send(page, 200, signInPage(page.form));
    const who = await this.emailOf(principal);
    try {
      await this.deps.ipRuleGate.assertAdmitted(principal, page.address);
      const enrollment = await this.deps.enrollments.get(principal, page.enrollmentId, { approvalToken: page.form.approvalToken });
      return this.send(page, 200, reviewPage(page.form, enrollment, who));
    } catch (error) {
      return this.sendDomainError(page, error, who);
    }
  }

  private async signIn(page: PageRequest, email: string, password: string): Promise<void> {
    try {
      const tokens = await this.deps.accounts.login({ email, password, ip: page.address });
      page.setCookies.push(cookieHeader(SESSION_COOKIE, tokens.accessToken, { path: COOKIE_PATH, secure: this.secure, maxAge: ACCESS_TOKEN_TTL_SECONDS }));
      return this.redirect(page);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const headers = error.options.retryAfterSeconds ? { "retry-after": String(error.options.retryAfterSeconds) } : undefined;
      return this.send(page, error.kind === "rate_limited" ? 429 : 401, signInPage(page.form, error.detail), headers);
    }
  }

  private async signOut(page: PageRequest): Promise<void> {
    const principal = await this.session(page);
    if (principal) await this.deps.accounts.signOut(principal, page.address);
    page.setCookies.push(cookieHeader(SESSION_COOKIE, "", { path: COOKIE_PATH, secure: this.secure, maxAge: 0 }));
    return this.redirect(page);
  }

  private async decide(page: PageRequest, choice: string | null, approvalToken: string): Promise<void> {
    const principal = await this.session(page);
    if (!principal) return this.send(page, 401, signInPage(page.form, "Your sign-in has expired; sign in again, then decide."));
    const who = await this.emailOf(principal);
    try {
      await this.deps.ipRuleGate.assertAdmitted(principal, page.address);
      if (choice === "allow") {
        const { agent, enrollment } = await this.deps.enrollments.approve(principal, page.enrollmentId, { approvalToken, vaultIds: [], policies: [] }, page.address);
        return this.send(
          page,
          200,
          messagePage(
            page.form,
            `Agent "${enrollment.name}" allowed`,
            `The agent ${agent.id} now belongs to your organisation. Its API key was emailed to ${who}. It can read nothing until you grant it access to vaults with policies.`,
            who,
          ),
        );
      }
      if (choice === "deny") {
        const enrollment = await this.deps.enrollments.deny(principal, page.enrollmentId, { approvalToken, reason: "" }, page.address);
        return this.send(page, 200, messagePage(page.form, `Agent "${enrollment.name}" denied`, "No agent was created. The request cannot be used again.", who));
      }
      return this.send(page, 400, messagePage(page.form, "Choose Allow or Deny", "The form did not say whether to allow or deny the agent.", who));
    } catch (error) {
      return this.sendDomainError(page, error, who);
    }
  }

  /** The signed-in person, or undefined when the cookie is absent, expired, revoked or not a person's. */
  private async session(page: PageRequest): Promise<Principal | undefined> {
    const token = page.cookies.get(SESSION_COOKIE);
    if (!token) return undefined;
    const principal = await verifyCredential(this.deps.verifiers, token).catch(() => undefined);
    return principal?.type === "user" && principal.sessionId ? principal : undefined;
  }

  private async emailOf(principal: Principal): Promise<string> {
    return (await this.deps.accounts.profile(principal)).email;
  }

  private sendDomainError(page: PageRequest, error: unknown, who: string): void {
    if (!(error instanceof DomainError)) throw error;
    const titles: Partial<Record<DomainError["kind"], [number, string]>> = {
      not_found: [404, "Not found"],
      conflict: [409, "Already decided"],
      gone: [410, "Expired"],
      permission_denied: [403, "Not yours to decide"],
      rate_limited: [429, "Slow down"],
      invalid_argument: [400, "Something is wrong with this link"],
    };
    const [status, title] = titles[error.kind] ?? [500, "Something went wrong"];
    const detail = error.kind === "not_found" ? "This enrollment request does not exist, or it is not addressed to the account you are signed in with." : error.detail;
    this.send(page, status, messagePage(page.form, title, detail, who));
  }

  /** After a POST that changed the session: back to the page itself (Post/Redirect/Get). */
  private redirect(page: PageRequest): void {
    page.res.writeHead(303, { ...SECURITY_HEADERS, location: page.form.action, "set-cookie": page.setCookies });
    page.res.end();
  }

  private send(page: PageRequest, status: number, html: string, headers: Record<string, string> = {}): void {
    page.res.writeHead(status, { ...SECURITY_HEADERS, ...headers, ...(page.setCookies.length > 0 ? { "set-cookie": page.setCookies } : {}) });
    page.res.end(html);
  }
}

/** CSRF tokens of one enrollment's page are good only for that page. */
function csrfScope(enrollmentId: string): string {
  return `enroll:${enrollmentId}`;
}
