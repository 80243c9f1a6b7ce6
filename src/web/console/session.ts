// The console's sign-in session: the API's own access and refresh tokens, each in an HttpOnly
// cookie scoped to /console (scripts never read them; other sites never post with them). An
// access token that is about to expire is renewed with the refresh token through the API's
// RefreshToken, so a session lasts as long as its refresh token (30 days), not 15 minutes.
import { createHash } from "node:crypto";
import { REFRESH_TOKEN_TTL_SECONDS } from "../../domain/identity/sessions.js";
import { cookieHeader } from "../form-request.js";
import type { Tokens } from "./page.js";
import type { ConsoleRpc } from "./rpc.js";

export const CONSOLE_PATH = "/console";
const ACCESS_COOKIE = "clawkeep_console";
const REFRESH_COOKIE = "clawkeep_console_refresh";
/** Renew an access token this long before it expires, so a page never starts with a dying one. */
const RENEW_BEFORE_SECONDS = 30;
/** Concurrent requests (two tabs, a burst of clicks) that present the same refresh token share one rotation. */
const SHARED_ROTATION_MS = 30_000;

export interface Session {
  accessToken: string;
  /** Cookies to send with the answer when the tokens were renewed. */
  setCookies: string[];
}

export class ConsoleSessions {
  private readonly rotations = new Map<string, { at: number; tokens: Promise<Tokens> }>();

  constructor(private readonly secure: boolean) {}

  /** The Set-Cookie headers that sign a browser in with these tokens. */
  signInCookies(tokens: Tokens): string[] {
    const cookies = [cookieHeader(ACCESS_COOKIE, tokens.accessToken, { path: CONSOLE_PATH, secure: this.secure, maxAge: tokens.expiresIn })];
    if (tokens.refreshToken) cookies.push(cookieHeader(REFRESH_COOKIE, tokens.refreshToken, { path: CONSOLE_PATH, secure: this.secure, maxAge: REFRESH_TOKEN_TTL_SECONDS }));
    return cookies;
  }

  signOutCookies(): string[] {
    return [ACCESS_COOKIE, REFRESH_COOKIE].map((name) => cookieHeader(name, "", { path: CONSOLE_PATH, secure: this.secure, maxAge: 0 }));
  }

  accessTokenOf(cookies: Map<string, string>): string | undefined {
    return cookies.get(ACCESS_COOKIE) || undefined;
  }

  /**
   * The access token to call the API with, renewed first when it is missing or nearly expired
   * and a refresh token is at hand. Undefined: not signed in (or the session has ended).
   */
  async resolve(cookies: Map<string, string>, anonymous: () => ConsoleRpc): Promise<Session | undefined> {
    const access = cookies.get(ACCESS_COOKIE);
    if (access && secondsLeft(access) > RENEW_BEFORE_SECONDS) return { accessToken: access, setCookies: [] };
    const refresh = cookies.get(REFRESH_COOKIE);
    if (!refresh) return undefined;
    try {
      const tokens = await this.rotate(refresh, anonymous);
      return { accessToken: tokens.accessToken, setCookies: this.signInCookies(tokens) };
    } catch {
      // Expired, revoked or reused: the API said no, and the session is over.
      return undefined;
    }
  }

  private rotate(refreshToken: string, anonymous: () => ConsoleRpc): Promise<Tokens> {
    const now = Date.now();
    for (const [key, entry] of this.rotations) if (now - entry.at > SHARED_ROTATION_MS) this.rotations.delete(key);
    // Keyed by a hash: the map never holds a usable refresh token.
    const key = createHash("sha256").update(refreshToken).digest("base64url");
    const shared = this.rotations.get(key);
    if (shared) return shared.tokens;
    const tokens = anonymous().auth.refreshToken({ refreshToken }).then((r) => ({ accessToken: r.accessToken, expiresIn: r.expiresIn, refreshToken: r.refreshToken }));
    this.rotations.set(key, { at: now, tokens });
    tokens.catch(() => this.rotations.delete(key));
    return tokens;
  }
}

/** Seconds until the JWT's exp; 0 for anything unreadable (the API verifies; this only schedules renewal). */
function secondsLeft(jwt: string): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8")) as { exp?: unknown };
    return typeof payload.exp === "number" ? payload.exp - Date.now() / 1000 : 0;
  } catch {
    return 0;
  }
}
