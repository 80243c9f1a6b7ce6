// What a console page gets and gives back. A page is a function of the request: it calls the API
// through `rpc` and answers with HTML or a redirect; the console (console.ts) does the HTTP,
// the session, CSRF, security headers and the layout around it.
import type { ConsoleRpc } from "./rpc.js";
import { html, type Html } from "./html.js";

export interface SignedInUser {
  id: string;
  email: string;
  role: string;
}

export interface PageRequest {
  method: "GET" | "POST";
  /** The path and query of this page, where a sign-in returns to. */
  url: string;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The posted form (empty on GET). */
  form: URLSearchParams;
  /** The API, as the signed-in person (or anonymous on public pages). */
  rpc: ConsoleRpc;
  /** Present on every page that is not public. */
  user?: SignedInUser;
  /** The token every form on this page must carry (see formTag). */
  csrf: string;
}

export interface Tokens {
  accessToken: string;
  expiresIn: number;
  refreshToken?: string;
}

export type PageResult =
  | { kind: "page"; title: string; body: Html; status?: number; section?: Section }
  | { kind: "redirect"; location: string; notice?: string; signIn?: Tokens; signOut?: boolean };

/** The nav entry a page belongs to. */
export type Section = "home" | "vaults" | "agents" | "enrollments" | "shares" | "audit" | "org" | "account";

export function page(title: string, body: Html, options: { status?: number; section?: Section } = {}): PageResult {
  return { kind: "page", title, body, ...options };
}

/** Post/Redirect/Get: after a change, go to the page that shows it, with a one-line notice. */
export function redirect(location: string, notice?: string): PageResult {
  return { kind: "redirect", location, notice };
}

export interface ConsoleRoute {
  method: "GET" | "POST";
  /** Segments; ":name" captures one segment (ids are checked by the page or the API). */
  pattern: string;
  /** Served without a session (sign-in, sign-up). */
  public?: boolean;
  handle: (req: PageRequest) => Promise<PageResult>;
}

/** A form that posts to the console with the page's CSRF token. */
export function formTag(req: PageRequest, action: string, inner: Html, options: { className?: string; label?: string } = {}): Html {
  return html`<form method="post" action="${action}"${options.className ? html` class="${options.className}"` : ""}${options.label ? html` aria-label="${options.label}"` : ""}>
<input type="hidden" name="csrf" value="${req.csrf}">${inner}</form>`;
}

/** A labelled input; `value` pre-fills it (never used for secret values). */
export function field(label: string, name: string, options: { type?: string; value?: string; required?: boolean; placeholder?: string; hint?: string; autocomplete?: string; pattern?: string } = {}): Html {
  const type = options.type ?? "text";
  return withHint(
    html`<label>${label}
<input type="${type}" name="${name}"${options.value !== undefined ? html` value="${options.value}"` : ""}${options.required ? html` required` : ""}${options.placeholder ? html` placeholder="${options.placeholder}"` : ""}${options.autocomplete ? html` autocomplete="${options.autocomplete}"` : ""}></label>`,
    options.hint,
  );
}

export function textArea(label: string, name: string, options: { value?: string; required?: boolean; hint?: string; rows?: number; secret?: boolean } = {}): Html {
  return withHint(
    html`<label>${label}
<textarea name="${name}" rows="${options.rows ?? 3}"${options.required ? html` required` : ""}${options.secret ? html` autocomplete="off" spellcheck="false" class="secret-input"` : ""}>${options.value ?? ""}</textarea></label>`,
    options.hint,
  );
}

export function select(label: string, name: string, options: readonly (readonly [value: string, text: string])[], selected?: string, hint?: string): Html {
  return withHint(
    html`<label>${label}
<select name="${name}">${options.map(([value, text]) => html`<option value="${value}"${value === selected ? html` selected` : ""}>${text}</option>`)}</select></label>`,
    hint,
  );
}

/** The hint sits beside the label, not in it, so the field's accessible name is just its label. */
function withHint(control: Html, hint: string | undefined): Html {
  return hint ? html`<div class="field">${control}<small>${hint}</small></div>` : control;
}

export function submit(text: string, tone: "primary" | "danger" | "plain" = "primary", options: { name?: string; value?: string } = {}): Html {
  return html`<button type="submit" class="${tone}"${options.name ? html` name="${options.name}" value="${options.value ?? ""}"` : ""}>${text}</button>`;
}

/** Redirects stay inside the console: a `next` parameter can never send a browser elsewhere. */
export function safeLocation(location: string): string {
  return location.startsWith("/console/") || location === "/console" ? location.replace(/[\\\r\n]/g, "") : "/console";
}
