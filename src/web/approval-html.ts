// The approval page's HTML: plain server-rendered forms that work without JavaScript. Every
// value that came from an agent or a user is escaped; no script is ever served.
import type { EnrollmentRecord } from "../domain/agents/enrollment-records.js";
import { enrollmentFacts } from "../domain/agents/enrollment-mail.js";
import { escapeHtml } from "../domain/html.js";

export interface FormContext {
  /** The page's own path and query, where forms post and redirects lead. */
  action: string;
  csrf: string;
  approvalToken: string;
  decision: string;
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;margin:1rem 0}th{text-align:left;padding:.3rem 1rem .3rem 0;vertical-align:top}td{padding:.3rem 0}
button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem;cursor:pointer}.allow{background:#1a7f37;color:#fff;border:0}
.deny{background:#cf222e;color:#fff;border:0}.chosen{outline:3px solid #0969da;outline-offset:2px}.note{color:#555}.error{color:#cf222e}
label{display:block;margin:.6rem 0}input{font-size:1rem;padding:.3rem;width:100%;box-sizing:border-box}`;

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Clawkeep</title><style>${STYLE}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`;
}

function hidden(form: FormContext, intent: string): string {
  return `<input type="hidden" name="csrf" value="${escapeHtml(form.csrf)}">
<input type="hidden" name="token" value="${escapeHtml(form.approvalToken)}">
<input type="hidden" name="decision" value="${escapeHtml(form.decision)}">
<input type="hidden" name="intent" value="${escapeHtml(intent)}">`;
}

export function signInPage(form: FormContext, error?: string): string {
  return layout(
    "Sign in to review an agent",
    `<p>An AI agent asked to be enrolled into a Clawkeep organisation. Sign in to see the request and allow or deny it.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="${escapeHtml(form.action)}">
${hidden(form, "sign-in")}
<label>Email <input type="email" name="email" autocomplete="username" required></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

export function reviewPage(form: FormContext, enrollment: EnrollmentRecord, signedInAs: string): string {
  const facts = enrollmentFacts(enrollment)
    .map(([label, value]) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join("\n");
  const where = enrollment.orgId === null ? "Allowing adds this agent to your organisation." : "Allowing adds this agent to the organisation it asked to join.";
  const decide =
    enrollment.status === "pending"
      ? `<p>${where} It gets an API key, emailed to you, and no access to any vault until you grant it with policies.</p>
<form method="post" action="${escapeHtml(form.action)}">
${hidden(form, "decide")}
<button type="submit" name="choice" value="allow" class="allow${form.decision === "allow" ? " chosen" : ""}"${form.decision === "allow" ? " autofocus" : ""}>Allow</button>
<button type="submit" name="choice" value="deny" class="deny${form.decision === "deny" ? " chosen" : ""}"${form.decision === "deny" ? " autofocus" : ""}>Deny</button>
</form>`
      : `<p><strong>This request is ${escapeHtml(enrollment.status)}.</strong> Nothing is left to decide.</p>`;
  return layout(`Agent "${enrollment.name}" asks to be enrolled`, `<table>\n${facts}\n</table>\n${decide}\n${signOut(form, signedInAs)}`);
}

export function messagePage(form: FormContext | undefined, title: string, message: string, signedInAs?: string): string {
  return layout(title, `<p>${escapeHtml(message)}</p>${form && signedInAs ? signOut(form, signedInAs) : ""}`);
}

function signOut(form: FormContext, signedInAs: string): string {
  return `<form method="post" action="${escapeHtml(form.action)}" class="note">
${hidden(form, "sign-out")}
<p>Signed in as ${escapeHtml(signedInAs)}. <button type="submit">Sign out</button></p>
</form>`;
}
