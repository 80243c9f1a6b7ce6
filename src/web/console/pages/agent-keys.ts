// An agent's ocv_ API key: shown once, in the answer of the POST that made it (registration or
// rotation), never in a URL, a redirect, a cookie or a log line.
import { code, html, type Html } from "../html.js";
import { formTag, submit, type PageRequest } from "../page.js";
import { agentPath } from "./agent-frame.js";

/** The one-time panel: the key in a read-only field with a copy button, the agent id beside it. */
export function keyOnce(agentId: string, apiKey: string): Html {
  return html`<div class="once" role="region" aria-label="The agent's API key">
<p class="warning"><strong>Copy this API key now. It is shown only this once:</strong> Clawkeep keeps only a keyed hash of it and cannot show it again. If it is lost, rotate the key.</p>
<label>API key<input type="text" id="agent-api-key" value="${apiKey}" readonly autocomplete="off" spellcheck="false"></label>
<div class="actions"><button type="button" data-copy="#agent-api-key" hidden>Copy</button></div>
<p>Agent id: ${code(agentId)}</p>
<p class="muted">The agent trades the two for a short-lived token: <code>POST /v1/auth/agent-token</code> with <code>{"agent_id": "…", "api_key": "…"}</code>.</p>
</div>`;
}

/** The rotate form on the agent's overview page. */
export function rotateForm(req: PageRequest, agentId: string): Html {
  return formTag(
    req,
    agentPath(agentId, "/rotate-key"),
    html`<p>A new key replaces the current one at once: the old key stops working and every token the agent holds is revoked. The new key is shown once.</p>
<div class="actions">${submit("Rotate API key", "plain")}</div>`,
    { className: "panel", label: "Rotate the API key" },
  );
}
