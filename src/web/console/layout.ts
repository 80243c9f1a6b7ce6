// The frame around every console page: navigation, who is signed in, the one-line notice left by
// the last change, and the page itself.
import { html, type Html } from "./html.js";
import type { SignedInUser, Section } from "./page.js";

const SECTIONS: readonly [Section, string, string][] = [
  ["home", "Overview", "/console"],
  ["vaults", "Vaults", "/console/vaults"],
  ["agents", "Agents", "/console/agents"],
  ["enrollments", "Enrollments", "/console/enrollments"],
  ["shares", "Shares", "/console/shares"],
  ["audit", "Audit log", "/console/audit"],
  ["org", "Organisation", "/console/org"],
];

export interface Frame {
  title: string;
  body: Html;
  user?: SignedInUser;
  section?: Section;
  notice?: string;
  csrf: string;
}

export function layout(frame: Frame): string {
  const nav = frame.user
    ? html`<nav aria-label="Console">${SECTIONS.map(([id, label, path]) => html`<a href="${path}"${frame.section === id ? html` aria-current="page"` : ""}>${label}</a>`)}</nav>
<div class="who"><a href="/console/account"${frame.section === "account" ? html` aria-current="page"` : ""}>${frame.user.email}</a> <span class="badge muted">${frame.user.role}</span>
<form method="post" action="/console/sign-out"><input type="hidden" name="csrf" value="${frame.csrf}"><button type="submit" class="link">Sign out</button></form></div>`
    : html`<nav aria-label="Console"></nav>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${frame.title} · Clawkeep</title>
<link rel="icon" href="/console/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script></head>
<body><header class="top"><a class="brand" href="/console">Clawkeep</a>${nav}</header>
<main${frame.user ? "" : html` class="narrow"`}>
${frame.notice ? html`<p class="notice" role="status">${frame.notice}</p>` : ""}
<h1>${frame.title}</h1>
${frame.body}
</main></body></html>`.value;
}
