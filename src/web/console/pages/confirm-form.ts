// A form for an action that cannot be undone: with JavaScript the browser asks `question` first
// (data-confirm, see assets/console.js); without it, it simply posts. Same CSRF field as formTag.
import { html, type Html } from "../html.js";
import type { PageRequest } from "../page.js";

export function confirmingForm(req: PageRequest, action: string, question: string, inner: Html, label?: string): Html {
  return html`<form method="post" action="${action}" data-confirm="${question}"${label ? html` aria-label="${label}"` : ""}>
<input type="hidden" name="csrf" value="${req.csrf}">${inner}</form>`;
}
