// A console visitor over plain HTTP, for fast page tests: keeps cookies as a browser does, reads
// each page's CSRF token from its forms and sends it back, and follows redirects. (The full
// browser journey is test/e2e/console-journey.test.ts, in Chromium.)
import { PASSWORD, uniqueEmail } from "./people.js";
import { restCaller } from "./rest.js";

export interface ConsolePage {
  status: number;
  /** Where the visitor ended up after redirects (path and query). */
  url: string;
  html: string;
  headers: Headers;
  /** The page's <title> without " · Clawkeep". */
  title: string;
  /** The role="alert" sentence, if the page shows one. */
  alert?: string;
  /** The role="status" notice left by the previous change, if any. */
  notice?: string;
}

export class ConsoleVisitor {
  readonly cookies = new Map<string, string>();
  private csrf = "";

  constructor(readonly baseUrl: string) {}

  async get(path: string): Promise<ConsolePage> {
    return this.request("GET", path);
  }

  /** Posts a form as the page's own form would, with the CSRF token of the last page seen. */
  async post(path: string, fields: Record<string, string>, options: { csrf?: string | null; origin?: string } = {}): Promise<ConsolePage> {
    const body = new URLSearchParams(fields);
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (csrf !== null) body.set("csrf", csrf);
    return this.request("POST", path, body.toString(), options.origin);
  }

  /** Signs up through the console's own form; the visitor is then signed in. Returns the email. */
  async signUp(email = uniqueEmail(), password = PASSWORD): Promise<string> {
    await this.get("/console/sign-up");
    const page = await this.post("/console/sign-up", { email, password, display_name: "" });
    if (page.status !== 200 || !page.url.startsWith("/console/vaults")) throw new Error(`sign-up ended at ${page.url} (${page.status}): ${page.alert ?? page.title}`);
    return email;
  }

  async signIn(email: string, password = PASSWORD): Promise<ConsolePage> {
    await this.get("/console/sign-in");
    return this.post("/console/sign-in", { email, password, next: "/console" });
  }

  private async request(method: string, path: string, body?: string, origin?: string): Promise<ConsolePage> {
    let url = path;
    let currentMethod = method;
    let currentBody = body;
    for (let hop = 0; hop < 10; hop++) {
      const res = await fetch(`${this.baseUrl}${url}`, {
        method: currentMethod,
        redirect: "manual",
        headers: {
          cookie: [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("; "),
          ...(currentBody !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}),
          ...(origin ? { origin } : {}),
        },
        body: currentBody,
      });
      this.keepCookies(res.headers);
      if (res.status === 303 || res.status === 302 || res.status === 307) {
        const location = res.headers.get("location") ?? "/";
        url = location.startsWith("http") ? new URL(location).pathname + new URL(location).search : location;
        if (res.status !== 307) {
          currentMethod = "GET";
          currentBody = undefined;
        }
        continue;
      }
      const html = await res.text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
      if (csrf) this.csrf = csrf;
      return {
        status: res.status,
        url,
        html,
        headers: res.headers,
        title: decode(/<title>([\s\S]*?) · Clawkeep<\/title>/.exec(html)?.[1] ?? ""),
        alert: optional(/role="alert">([\s\S]*?)<\/p>/.exec(html)?.[1]),
        notice: optional(/role="status">([\s\S]*?)<\/p>/.exec(html)?.[1]),
      };
    }
    throw new Error(`too many redirects from ${path}`);
  }

  private keepCookies(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = decodeURIComponent(pair.slice(eq + 1).trim());
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** Someone signed up through the console, with a REST token and id of their own for checks. */
export interface ConsolePerson {
  visitor: ConsoleVisitor;
  email: string;
  token: string;
  id: string;
}

/** Signs a person up through the console's form (as `email`, e.g. an invited address), then over REST for checks. */
export async function consolePerson(baseUrl: string, email = uniqueEmail()): Promise<ConsolePerson> {
  const visitor = new ConsoleVisitor(baseUrl);
  await visitor.signUp(email);
  const call = restCaller(baseUrl);
  const login = await call("POST", "/v1/auth/token", undefined, { email, password: PASSWORD });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  const token = ((await login.json()) as { access_token: string }).access_token;
  const me = (await (await call("GET", "/v1/auth/me", token)).json()) as { id: string };
  return { visitor, email, token, id: me.id };
}

function optional(text: string | undefined): string | undefined {
  return text === undefined ? undefined : decode(text);
}

/** The text of an HTML fragment: tags dropped, the five escaped characters restored. */
export function decode(fragment: string): string {
  return fragment
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .trim();
}
