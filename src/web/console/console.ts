// The console at /console: server-rendered pages over the API, for the humans of an organisation.
// This file is the HTTP side: routing, the session, CSRF, security headers, the layout and error
// pages. The pages (pages/*.ts) only call the API (rpc.ts) and render what it answers.
//
// Every POST carries a signed double-submit CSRF token and must come from our own origin; a GET
// never changes anything. Pages are no-store, framed by no one, and run no inline script
// (a strict Content-Security-Policy), so a value an agent typed can never become code.
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Code, type ContextValues } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import type { Logger } from "pino";
import { MAX_VALUE_BYTES } from "../../domain/vaults/secret-rules.js";
import { controlCharacterAt } from "../../domain/text.js";
import { TokenBuckets } from "../../domain/token-buckets.js";
import { cookieHeader, cookiesOf, csrfToken, csrfValid, FormTooLargeError, newCsrfSeed, readForm, sameOrigin } from "../form-request.js";
import { apiFailure } from "./api-errors.js";
import { html } from "./html.js";
import { layout } from "./layout.js";
import { safeLocation, type ConsoleRoute, type PageRequest, type PageResult, type SignedInUser } from "./page.js";
import { consoleRoutes } from "./routes.js";
import { consoleRpc, type ConsoleRpc } from "./rpc.js";
import { CONSOLE_PATH, ConsoleSessions } from "./session.js";

const CSRF_COOKIE = "clawkeep_console_csrf";
const NOTICE_COOKIE = "clawkeep_console_notice";
/** CSRF tokens of the console are good for any of its forms (one origin, one session). */
const CSRF_SCOPE = "console";
/** The largest form is a secret's value: 64 KiB, up to three bytes each once URL-encoded. */
const MAX_FORM_BYTES = 3 * MAX_VALUE_BYTES + 16 * 1024;
/** Form fields whose content is opaque (a secret's value): any character goes, as in the API. */
const OPAQUE_FIELDS = new Set(["value"]);
/** The links in enrollment emails and approval_url lead here; the review lives in the console. */
const ENROLL_LINK = /^\/enroll\/([^/]+)$/;

const PAGE_HEADERS: Record<string, string> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "content-security-policy":
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // Some URLs carry a one-time approval token: never hand it to another site. (Not no-referrer:
  // with it, browsers send "Origin: null" on our own form posts.)
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
};

const ASSETS: Record<string, { type: string; body: Buffer }> = {
  "/console/assets/console.css": { type: "text/css; charset=utf-8", body: readFileSync(new URL("./assets/console.css", import.meta.url)) },
  "/console/assets/console.js": { type: "text/javascript; charset=utf-8", body: readFileSync(new URL("./assets/console.js", import.meta.url)) },
  "/console/assets/favicon.svg": { type: "image/svg+xml", body: readFileSync(new URL("./assets/favicon.svg", import.meta.url)) },
};

export interface ConsoleDeps {
  /** The API's own per-method handlers, with the whole interceptor chain. */
  rpcHandlers: Map<string, UniversalHandler>;
  /** The context values the HTTP front gives an API call of this request. */
  contextValues: (req: IncomingMessage) => ContextValues;
  /** Keys the CSRF tokens. */
  csrfKey: Buffer;
  /** Cookies get Secure when Clawkeep is reached over https. */
  publicUrl: string;
  /**
   * The API's per-address limit (CLAWKEEP_RATE_LIMIT_*). Pages get a fifth of its rate and 30% of
   * its burst (10/s and 60 by default): plenty for a person, too few for a scraper, and raised
   * with the API's where many people share one address.
   */
  apiRateLimit?: { perSecond: number; burst: number };
  logger: Logger;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** Set-Cookie headers to send with whatever the answer is. */
  setCookies: string[];
  csrf: string;
  notice?: string;
  user?: SignedInUser;
}

interface MatchedRoute {
  route: ConsoleRoute;
  params: Record<string, string>;
}

export class Console {
  /** Page requests per client address (see ConsoleDeps.apiRateLimit). */
  private readonly perAddress: TokenBuckets;
  private readonly sessions: ConsoleSessions;
  private readonly routes = consoleRoutes();
  private readonly secure: boolean;

  constructor(private readonly deps: ConsoleDeps) {
    this.secure = deps.publicUrl.startsWith("https:");
    const api = deps.apiRateLimit ?? { perSecond: 50, burst: 200 };
    this.perAddress = new TokenBuckets({ perSecond: Math.max(1, api.perSecond / 5), burst: Math.max(1, Math.round(api.burst * 0.3)) });
    this.sessions = new ConsoleSessions(this.secure);
  }

  /** Whether the path is the console's (the HTTP front asks before routing to REST). */
  handles(path: string): boolean {
    return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`) || ENROLL_LINK.test(path);
  }

  async serve(req: IncomingMessage, res: ServerResponse, address: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://console.invalid");
    const exchange: Exchange = { req, res, setCookies: [], csrf: "" };
    const enrollLink = ENROLL_LINK.exec(url.pathname);
    if (enrollLink) {
      // 307 keeps the method, so an old form post still meets the console's CSRF check.
      res.writeHead(req.method === "POST" ? 307 : 303, { ...PAGE_HEADERS, location: `${CONSOLE_PATH}/enrollments/${encodeURIComponent(enrollLink[1])}${url.search}` });
      res.end();
      return;
    }
    const asset = ASSETS[url.pathname];
    if (asset && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, { "content-type": asset.type, "cache-control": "public, max-age=300", "x-content-type-options": "nosniff" });
      res.end(req.method === "HEAD" ? undefined : asset.body);
      return;
    }
    if (this.perAddress.take(address || "unknown") > 0) return this.message(exchange, 429, "Slow down", "Too many requests from your address; wait a few seconds and reload.", { "retry-after": "5" });
    if (req.method !== "GET" && req.method !== "POST") return this.message(exchange, 405, "Not allowed", "The console only answers GET and POST.", { allow: "GET, POST" });

    const cookies = cookiesOf(req);
    let seed = cookies.get(CSRF_COOKIE);
    if (!seed || seed.length < 32) {
      seed = newCsrfSeed();
      exchange.setCookies.push(cookieHeader(CSRF_COOKIE, seed, { path: CONSOLE_PATH, secure: this.secure }));
    }
    exchange.csrf = csrfToken(this.deps.csrfKey, seed, CSRF_SCOPE);
    const notice = cookies.get(NOTICE_COOKIE);
    if (notice) {
      exchange.notice = notice.slice(0, 300);
      exchange.setCookies.push(cookieHeader(NOTICE_COOKIE, "", { path: CONSOLE_PATH, secure: this.secure, maxAge: 0 }));
    }

    let form = new URLSearchParams();
    if (req.method === "POST") {
      try {
        form = await readForm(req, MAX_FORM_BYTES);
      } catch (error) {
        if (error instanceof FormTooLargeError) return this.message(exchange, 413, "Too large", `The form was not accepted: ${error.message}.`);
        throw error;
      }
      const refused = [...form].find(([name, value]) => !OPAQUE_FIELDS.has(name) && controlCharacterAt(value) >= 0);
      if (refused) return this.message(exchange, 400, "Not accepted", `The form field ${refused[0].slice(0, 32)} contains a control character; only tab and line breaks are allowed.`);
      if (!sameOrigin(req) || !csrfValid(this.deps.csrfKey, cookies.get(CSRF_COOKIE), CSRF_SCOPE, form.get("csrf"))) {
        return this.message(exchange, 403, "Form expired", "This form could not be verified (it is old, or it came from another site). Go back, reload the page and try again.");
      }
    }

    const matched = this.match(req.method, url.pathname);
    if (!matched) return this.message(exchange, 404, "Not found", "There is no console page at this address.");
    const contextValues = () => this.deps.contextValues(req);
    // One set of clients per request: anonymous ones only when a renewal or a public page needs them.
    const anonymous = () => consoleRpc(this.deps.rpcHandlers, contextValues);
    const here = url.pathname + url.search;
    let rpc: ConsoleRpc;
    if (!matched.route.public) {
      const session = await this.sessions.resolve(cookies, anonymous);
      if (!session) return this.toSignIn(exchange, here, cookies.has("clawkeep_console_refresh") ? "Your session has ended; sign in again." : undefined);
      exchange.setCookies.push(...session.setCookies);
      rpc = consoleRpc(this.deps.rpcHandlers, contextValues, session.accessToken);
    } else {
      const token = this.sessions.accessTokenOf(cookies);
      rpc = token ? consoleRpc(this.deps.rpcHandlers, contextValues, token) : anonymous();
    }

    const request: PageRequest = { method: req.method, url: here, params: matched.params, query: url.searchParams, form, rpc, csrf: exchange.csrf };
    try {
      if (!matched.route.public) {
        const me = (await rpc.auth.getMe({})).user;
        exchange.user = request.user = { id: me?.id ?? "", email: me?.email ?? "", role: me?.role ?? "" };
      }
      return this.answer(exchange, await matched.route.handle(request));
    } catch (error) {
      const failure = apiFailure(error);
      if (!failure) throw error;
      if (failure.code === Code.Unauthenticated) {
        exchange.setCookies.push(...this.sessions.signOutCookies());
        return this.toSignIn(exchange, here, "Your session has ended; sign in again.");
      }
      const detail =
        failure.code === Code.NotFound ? `${failure.message}. It may have been deleted, or it belongs to an organisation you are not signed in to.` : failure.message;
      return this.message(exchange, failure.status, failure.title, detail, failure.code === Code.ResourceExhausted ? { "retry-after": "5" } : {});
    }
  }

  private match(method: string, path: string): MatchedRoute | undefined {
    const segments = path.replace(/\/+$/, "").split("/");
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const pattern = route.pattern.split("/");
      if (pattern.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < pattern.length && ok; i++) {
        if (pattern[i].startsWith(":")) {
          try {
            params[pattern[i].slice(1)] = decodeURIComponent(segments[i]);
          } catch {
            ok = false;
          }
        } else ok = pattern[i] === segments[i];
      }
      if (ok) return { route, params };
    }
    return undefined;
  }

  private answer(exchange: Exchange, result: PageResult): void {
    if (result.kind === "redirect") {
      if (result.signIn) exchange.setCookies.push(...this.sessions.signInCookies(result.signIn));
      if (result.signOut) exchange.setCookies.push(...this.sessions.signOutCookies());
      if (result.notice) exchange.setCookies.push(cookieHeader(NOTICE_COOKIE, result.notice, { path: CONSOLE_PATH, secure: this.secure, maxAge: 60 }));
      return this.send(exchange, 303, "", { location: safeLocation(result.location) });
    }
    const body = layout({ title: result.title, body: result.body, user: exchange.user, section: result.section, notice: exchange.notice, csrf: exchange.csrf });
    this.send(exchange, result.status ?? 200, body);
  }

  private toSignIn(exchange: Exchange, next: string, notice?: string): void {
    if (notice) exchange.setCookies.push(cookieHeader(NOTICE_COOKIE, notice, { path: CONSOLE_PATH, secure: this.secure, maxAge: 60 }));
    exchange.setCookies.push(...this.sessions.signOutCookies());
    const location = exchange.req.method === "GET" ? `${CONSOLE_PATH}/sign-in?next=${encodeURIComponent(next)}` : `${CONSOLE_PATH}/sign-in`;
    this.send(exchange, 303, "", { location });
  }

  private message(exchange: Exchange, status: number, title: string, text: string, headers: Record<string, string> = {}): void {
    const back = exchange.user ? html`<p><a href="/console">Back to the console</a></p>` : html`<p><a href="/console/sign-in">Sign in</a></p>`;
    const body = layout({ title, body: html`<p>${text}</p>${back}`, user: exchange.user, notice: exchange.notice, csrf: exchange.csrf });
    this.send(exchange, status, body, headers);
  }

  private send(exchange: Exchange, status: number, body: string, headers: Record<string, string> = {}): void {
    exchange.res.writeHead(status, { ...PAGE_HEADERS, ...headers, ...(exchange.setCookies.length > 0 ? { "set-cookie": exchange.setCookies } : {}) });
    exchange.res.end(body);
  }
}
