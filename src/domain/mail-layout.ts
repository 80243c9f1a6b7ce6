// What domain modules need to write mail: the queue they hand it to (inside their transaction)
// and the small, shared layout of our emails. Plain text and HTML carry the same content; every
// value a caller typed is escaped in the HTML.
import type { EntityManager } from "typeorm";
import { escapeHtml } from "./html.js";

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Values in the body that must never reach a log line. */
  secrets?: string[];
}

/** Where domain mail goes: queued in the caller's transaction, sent once it commits. */
export interface MailQueue {
  enqueue(manager: EntityManager, message: OutgoingMail): Promise<string>;
}

export function utc(date: Date): string {
  return date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

export function factsTable(facts: [string, string][]): string {
  const rows = facts.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td><code>${escapeHtml(value)}</code></td></tr>`);
  return `<table cellpadding="4">${rows.join("")}</table>`;
}

/** A whole HTML email; `heading` and `body` are HTML the caller has escaped already. */
export function mailPage(heading: string, body: string): string {
  return `<!doctype html><html><body style="font-family:sans-serif"><p><strong>${heading}</strong></p>${body}</body></html>`;
}
