// The organisation's settings, as GetOrgSettings answers them; owners and admins change them with
// UpdateOrgSettings. A checkbox that is not ticked is not posted, so the form always sends both
// settings: what the page shows is what is saved.
import type { OrgSettings } from "../../../../gen/ts/clawkeep/v1/org_pb.js";
import { alert, badge, facts, html, type Html } from "../html.js";
import { formTag, page, redirect, submit, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { tryInline } from "./inline.js";
import { canManage, managersOnly, orgNav } from "./org-nav.js";

const SETTINGS: readonly { key: keyof Pick<OrgSettings, "agentKeyClaim" | "intentsRequireSimulation">; name: string; label: string; hint: string }[] = [
  {
    key: "agentKeyClaim",
    name: "agent_key_claim",
    label: "Agents collect their own API key after approval",
    hint: "On: a self-enrolled agent, once approved, collects its key with its claim token. Off: the key goes only to the approving person, by email.",
  },
  {
    key: "intentsRequireSimulation",
    name: "intents_require_simulation",
    label: "Simulate every transaction first",
    hint: "Every transaction an agent submits or signs through the Intents API is simulated first; one that would revert is refused.",
  },
];

function checkbox(name: string, label: string, checked: boolean, hint: string): Html {
  // The hint sits beside the label, as field() does, so the checkbox's accessible name is its label.
  return html`<div class="field"><label><input type="checkbox" name="${name}" value="on"${checked ? html` checked` : ""}> ${label}</label><small>${hint}</small></div>`;
}

async function show(req: PageRequest, error?: string, status?: number): Promise<PageResult> {
  const { settings } = await req.rpc.org.getOrgSettings({});
  const current = settings ?? ({ agentKeyClaim: false, intentsRequireSimulation: false } as OrgSettings);
  const body = canManage(req)
    ? html`${alert(error)}${formTag(
        req,
        "/console/org/settings",
        html`${SETTINGS.map((s) => checkbox(s.name, s.label, current[s.key], s.hint))}<div class="actions">${submit("Save settings")}</div>`,
        { className: "stack panel", label: "Organisation settings" },
      )}`
    : html`${alert(error)}<div class="panel">${facts(SETTINGS.map((s) => [s.label, current[s.key] ? badge("on", "ok") : badge("off")] as const))}</div>${managersOnly("change these settings")}`;
  return page("Organisation", html`${orgNav("settings")}<h2>Settings</h2>${body}`, { section: "org", status: error ? (status ?? 400) : 200 });
}

async function save(req: PageRequest): Promise<PageResult> {
  const done = await tryInline(() =>
    req.rpc.org.updateOrgSettings({
      agentKeyClaim: req.form.get("agent_key_claim") === "on",
      intentsRequireSimulation: req.form.get("intents_require_simulation") === "on",
    }),
  );
  if (!done.ok) return show(req, `The settings were not saved: ${done.error}`, done.status);
  return redirect("/console/org/settings", "Settings saved.");
}

export const settingsRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/org/settings", handle: (req) => show(req) },
  { method: "POST", pattern: "/console/org/settings", handle: save },
];
