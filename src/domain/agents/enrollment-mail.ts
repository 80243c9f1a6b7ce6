// The two emails of self-enrollment: the approval request to the named human, and the new agent's
// API key to the human who approved it. Plain text and HTML carry the same content; every value
// an agent typed is escaped in the HTML.
import { escapeHtml } from "../html.js";
import { factsTable, mailPage as page, utc, type MailQueue, type OutgoingMail } from "../mail-layout.js";
import type { EnrollmentRecord } from "./enrollment-records.js";

export type { MailQueue, OutgoingMail };

/** The page where a signed-in human decides; `decision` preselects a button (links in the email). */
export function approvalPageUrl(publicUrl: string, enrollmentId: string, approvalToken: string, decision?: "allow" | "deny"): string {
  const url = new URL(`${publicUrl}/enroll/${enrollmentId}`);
  url.searchParams.set("token", approvalToken);
  if (decision) url.searchParams.set("decision", decision);
  return url.toString();
}

export function approvalRequestMail(to: string, enrollment: EnrollmentRecord, links: { allow: string; deny: string }): OutgoingMail {
  const facts = enrollmentFacts(enrollment);
  const text = [
    "An AI agent asks to be enrolled into your Clawkeep organisation.",
    "",
    ...facts.map(([label, value]) => `  ${(label + ":").padEnd(13)} ${value}`),
    "",
    `Allow: ${links.allow}`,
    `Deny:  ${links.deny}`,
    "",
    "Each link opens a page where you sign in and confirm; nothing happens until you press the button there.",
    "If you did not expect this request, deny it or ignore it: it expires on its own.",
  ].join("\n");
  const html = page(
    "An AI agent asks to be enrolled into your Clawkeep organisation.",
    `${factsTable(facts)}
<p><a href="${escapeHtml(links.allow)}">Allow</a> &nbsp;·&nbsp; <a href="${escapeHtml(links.deny)}">Deny</a></p>
<p>Each link opens a page where you sign in and confirm; nothing happens until you press the button there.
If you did not expect this request, deny it or ignore it: it expires on its own.</p>`,
  );
  return { to, subject: `Approve agent "${enrollment.name}"?`, text, html };
}

export function apiKeyMail(to: string, parts: { enrollment: EnrollmentRecord; agentId: string; apiKey: string; publicUrl: string; agentMayClaim: boolean }): OutgoingMail {
  const { enrollment, agentId, apiKey, publicUrl, agentMayClaim } = parts;
  const delivery = agentMayClaim
    ? "The agent can also collect this key once, with the claim token it received when it enrolled."
    : "Your organisation hands keys of self-enrolled agents only to the approver: pass it to the agent's deployment through a secure channel.";
  const exchange = `curl -s -X POST ${publicUrl}/v1/auth/agent-token -H "Content-Type: application/json" -d '{"agent_id":"${agentId}","api_key":"<the key above>"}'`;
  const text = [
    `You approved the agent "${enrollment.name}". Its credentials:`,
    "",
    `  Agent ID: ${agentId}`,
    `  API key:  ${apiKey}`,
    "",
    "The key is shown only in this email. Store it like a password, and delete this email once it is stored.",
    delivery,
    "",
    "The agent trades the key for a short-lived token:",
    `  ${exchange}`,
    "",
    "It can read nothing until you grant it access to vaults with policies.",
  ].join("\n");
  const html = page(
    `You approved the agent "${escapeHtml(enrollment.name)}".`,
    `${factsTable([
      ["Agent ID", agentId],
      ["API key", apiKey],
    ])}
<p>The key is shown only in this email. Store it like a password, and delete this email once it is stored.</p>
<p>${escapeHtml(delivery)}</p>
<p>The agent trades the key for a short-lived token:</p>
<pre>${escapeHtml(exchange)}</pre>
<p>It can read nothing until you grant it access to vaults with policies.</p>`,
  );
  return { to, subject: `API key for agent "${enrollment.name}"`, text, html, secrets: [apiKey] };
}

export function enrollmentFacts(enrollment: EnrollmentRecord): [string, string][] {
  return [
    ["Name", enrollment.name],
    ...(enrollment.description ? ([["Description", enrollment.description]] as [string, string][]) : []),
    ["From address", enrollment.sourceIp || "unknown"],
    ["Requested", utc(enrollment.createdAt)],
    ["Expires", utc(enrollment.expiresAt)],
  ];
}
