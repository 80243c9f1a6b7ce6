// The email an external_email share sends its recipient. It carries the link and how to claim
// the share, never the secret: the value is only ever read through the API, by the recipient.
import { escapeHtml } from "../html.js";
import { factsTable, mailPage, utc, type OutgoingMail } from "../mail-layout.js";

export interface ShareInvitation {
  to: string;
  /** Who shared it, as the recipient will recognise them (the sender's email). */
  sender: string;
  secretPath: string;
  shareUrl: string;
  publicUrl: string;
  expiresAt: Date;
  hasPassphrase: boolean;
  /** Whether the address already has an account (then the share is waiting in its inbound list). */
  hasAccount: boolean;
}

export function shareInvitationMail(invite: ShareInvitation): OutgoingMail {
  const facts: [string, string][] = [
    ["Shared by", invite.sender],
    ["Secret", invite.secretPath],
    ["Expires", utc(invite.expiresAt)],
    ["Link", invite.shareUrl],
  ];
  const steps = [
    invite.hasAccount
      ? `Sign in to Clawkeep at ${invite.publicUrl} as ${invite.to}: the share is waiting among your inbound shares (GET /v1/shares/inbound).`
      : `Create a Clawkeep account at ${invite.publicUrl} with this address, ${invite.to} (POST /v1/auth/signup): the share then appears among your inbound shares (GET /v1/shares/inbound).`,
    "Accept it (POST /v1/shares/<id>/accept), then read it at the link above with your access token.",
    ...(invite.hasPassphrase ? ["The sender set a passphrase: ask them for it through another channel, and send it in the X-Share-Passphrase header."] : []),
  ];
  const text = [
    `${invite.sender} shared a secret with you on Clawkeep.`,
    "",
    ...facts.map(([label, value]) => `  ${(label + ":").padEnd(10)} ${value}`),
    "",
    ...steps.map((step, i) => `${i + 1}. ${step}`),
    "",
    "If you did not expect this, ignore this email: the share expires on its own.",
  ].join("\n");
  const html = mailPage(
    `${escapeHtml(invite.sender)} shared a secret with you on Clawkeep.`,
    `${factsTable(facts)}
<ol>${steps.map((step) => `<li>${escapeHtml(step)}</li>`).join("")}</ol>
<p>If you did not expect this, ignore this email: the share expires on its own.</p>`,
  );
  return { to: invite.to, subject: `${invite.sender} shared "${invite.secretPath}" with you`, text, html };
}
