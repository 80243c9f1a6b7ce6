// Safe-by-default HTML for the console: `html` is a tagged template that escapes every value it
// is given unless that value is already Html. Nothing a user, an agent or the API typed can turn
// into markup, whoever writes the page.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { escapeHtml } from "../../domain/html.js";

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | bigint | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join("");
  if (part === null || part === undefined || part === false) return "";
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Joins parts that are already safe (or escapes the ones that are not). */
export function join(parts: readonly Part[], separator = ""): Html {
  return new Html(parts.map(render).join(separator));
}

/** "2026-12-02 10:41 UTC": times are shown in UTC, to the minute, everywhere. */
export function when(ts: Timestamp | undefined): string {
  if (!ts) return "—";
  return timestampDate(ts).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** A URL path with its query; undefined and empty values are left out. */
export function href(path: string, query: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** An id shown in full but in monospace, so it can be copied and compared. */
export function code(text: string): Html {
  return html`<code>${text}</code>`;
}

export function badge(text: string, tone: "ok" | "warn" | "bad" | "muted" = "muted"): Html {
  return html`<span class="badge ${tone}">${text}</span>`;
}

/** The box shown where a list is empty: what it is, and what to do next. */
export function emptyState(what: string, next: Html | string): Html {
  return html`<div class="empty"><p><strong>${what}</strong></p><p>${next}</p></div>`;
}

/** An error from the API, in a sentence, where it belongs (above the form it concerns). */
export function alert(message: string | undefined): Html {
  return message ? html`<p class="alert" role="alert">${message}</p>` : html``;
}

export interface Column<T> {
  label: string;
  cell: (row: T) => Part;
  /** Right-aligned numbers. */
  numeric?: boolean;
}

export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): Html {
  const head = columns.map((c) => html`<th${c.numeric ? html` class="num"` : ""} scope="col">${c.label}</th>`);
  const body = rows.map((row) => html`<tr>${columns.map((c) => html`<td${c.numeric ? html` class="num"` : ""}>${c.cell(row)}</td>`)}</tr>`);
  return html`<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** A definition list of facts: label, value. */
export function facts(rows: readonly (readonly [string, Part])[]): Html {
  return html`<dl class="facts">${rows.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>`;
}

export const PAGE_SIZE = 25;

/**
 * Pages a list the API returns whole: `?page=N` (1-based; `param` names another parameter for a
 * second list on the same page) picks the slice. Returns the slice and the pager to show under it
 * (nothing when everything fits on one page).
 */
export function paged<T>(
  items: readonly T[],
  query: URLSearchParams,
  basePath: string,
  keep: Record<string, string | undefined> = {},
  options: { size?: number; param?: string } = {},
): { rows: T[]; pager: Html } {
  const size = options.size ?? PAGE_SIZE;
  const param = options.param ?? "page";
  const pages = Math.max(1, Math.ceil(items.length / size));
  const asked = Number.parseInt(query.get(param) ?? "1", 10);
  const page = Number.isFinite(asked) ? Math.min(Math.max(asked, 1), pages) : 1;
  const rows = items.slice((page - 1) * size, page * size);
  if (pages === 1) return { rows, pager: html`` };
  const link = (n: number, label: string) => html`<a href="${href(basePath, { ...keep, [param]: n })}">${label}</a>`;
  return {
    rows,
    pager: html`<nav class="pager" aria-label="Pages">${page > 1 ? link(page - 1, "← Previous") : ""}<span>Page ${page} of ${pages} · ${items.length} in all</span>${page < pages ? link(page + 1, "Next →") : ""}</nav>`,
  };
}
