// The organisation's IP rules: every member sees them (they constrain everyone, and whoever is
// refused should see why); owners and admins add and delete them. The API refuses a change that
// would refuse the very address making it, and says so: that sentence is shown above the form.
import type { IpRule } from "../../../../gen/ts/clawkeep/v1/org_pb.js";
import { alert, badge, code, emptyState, html, paged, table, when } from "../html.js";
import { field, formTag, page, redirect, select, submit, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { confirmingForm } from "./confirm-form.js";
import { directory } from "./directory.js";
import { tryInline } from "./inline.js";
import { canManage, managersOnly, orgNav } from "./org-nav.js";

const RULE_TYPES = [
  ["deny", "deny: refuse these addresses"],
  ["allow", "allow: admit only allowed addresses"],
] as const;

interface Errors {
  add?: string;
  remove?: string;
  status?: number;
}

async function show(req: PageRequest, errors: Errors = {}, typed: { ruleType?: string; cidr?: string; label?: string } = {}): Promise<PageResult> {
  const manager = canManage(req);
  const [{ rules }, dir] = await Promise.all([req.rpc.org.listIpRules({}), directory(req)]);
  const { rows, pager } = paged(rules, req.query, "/console/org/ip-rules");
  const listing =
    rules.length === 0
      ? emptyState("No IP rules: calls are admitted from any address.", manager ? "Add a deny rule to refuse a range, or allow rules to admit only your networks." : "Owners and admins can add rules.")
      : html`${table(rows, [
          { label: "Type", cell: (r) => badge(r.ruleType, r.ruleType === "deny" ? "bad" : "ok") },
          { label: "CIDR", cell: (r) => code(r.cidr) },
          { label: "Description", cell: (r) => html`${r.label || html`<span class="muted">—</span>`}${r.appliesTo ? html`<small>applies to: ${r.appliesTo}</small>` : ""}` },
          { label: "Added by", cell: (r) => dir.name("user", r.createdBy) },
          { label: "Added", cell: (r) => when(r.createdAt) },
          ...(manager ? [{ label: "", cell: (r: IpRule) => deleteForm(req, r) }] : []),
        ])}${pager}`;
  const add = manager
    ? formTag(
        req,
        "/console/org/ip-rules",
        html`${select("Type", "rule_type", RULE_TYPES, typed.ruleType ?? "deny")}${field("CIDR or address", "cidr", { required: true, value: typed.cidr, placeholder: "203.0.113.0/24" })}${field("Description (optional)", "label", { value: typed.label, placeholder: "office network" })}${submit("Add rule")}`,
        { className: "inline", label: "Add an IP rule" },
      )
    : managersOnly("add and delete IP rules");
  return page(
    "Organisation",
    html`${orgNav("ip-rules")}
<p class="muted">Every signed-in call of your organisation's people and agents, this console included, must pass these rules. A deny rule wins over any allow rule; once there is an allow rule, an address that matches none is refused. A change that would refuse your own current address is not made.</p>
<h2>IP rules</h2>
${alert(errors.remove)}
${listing}
<h2>Add a rule</h2>
${alert(errors.add)}${add}`,
    { section: "org", status: errors.status ?? (errors.add || errors.remove ? 400 : 200) },
  );
}

function deleteForm(req: PageRequest, r: IpRule) {
  return confirmingForm(
    req,
    "/console/org/ip-rules/delete",
    `Delete the ${r.ruleType} rule for ${r.cidr}?`,
    html`<input type="hidden" name="rule_id" value="${r.id}"><input type="hidden" name="cidr" value="${r.cidr}"><button type="submit" class="link">Delete</button>`,
    `Delete the ${r.ruleType} rule for ${r.cidr}`,
  );
}

async function add(req: PageRequest): Promise<PageResult> {
  const typed = { ruleType: req.form.get("rule_type") ?? "", cidr: (req.form.get("cidr") ?? "").trim(), label: (req.form.get("label") ?? "").trim() };
  const done = await tryInline(() => req.rpc.org.createIpRule({ ruleType: typed.ruleType, cidr: typed.cidr, label: typed.label }));
  if (!done.ok) return show(req, { add: `The rule was not added: ${done.error}`, status: done.status }, typed);
  return redirect("/console/org/ip-rules", `Rule added: ${done.value.rule?.ruleType ?? typed.ruleType} ${done.value.rule?.cidr ?? typed.cidr}.`);
}

async function remove(req: PageRequest): Promise<PageResult> {
  const cidr = req.form.get("cidr") ?? "";
  const done = await tryInline(() => req.rpc.org.deleteIpRule({ ruleId: req.form.get("rule_id") ?? "" }));
  if (!done.ok) return show(req, { remove: `The rule${cidr ? ` for ${cidr}` : ""} was not deleted: ${done.error}`, status: done.status });
  return redirect("/console/org/ip-rules", `Rule${cidr ? ` for ${cidr}` : ""} deleted.`);
}

export const ipRuleRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/org/ip-rules", handle: (req) => show(req) },
  { method: "POST", pattern: "/console/org/ip-rules", handle: add },
  { method: "POST", pattern: "/console/org/ip-rules/delete", handle: remove },
];
