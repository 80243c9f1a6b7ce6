// The audit log: the organisation's events, newest first, filtered by action, actor, resource and
// time, paged with the API's limit and offset; and "Verify chain", which asks VerifyAuditChain to
// recompute every hash and link and says what it found in plain words. Both are the API's own
// answers: the console adds no rule of its own about who sees what.
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { JsonValue } from "@bufbuild/protobuf";
import type { AuditEvent, VerifyAuditChainResponse } from "../../../../gen/ts/clawkeep/v1/audit_pb.js";
import { AUDIT_ACTIONS } from "../../../domain/audit/actions.js";
import { alert, badge, code, emptyState, href, html, table, when, type Html } from "../html.js";
import { formTag, page, select, submit, type ConsoleRoute, type PageRequest, type PageResult } from "../page.js";
import { directory, type Directory } from "./directory.js";
import { tryInline } from "./inline.js";

const PER_PAGE = 50;
/** VerifyAuditChain's largest window. */
const VERIFY_LIMIT = 10_000;
const MAX_OFFSET = 2_000_000_000;
const FILTERS = ["action", "actor", "resource", "from", "to"] as const;

type Filters = Record<(typeof FILTERS)[number], string>;

function filtersOf(query: URLSearchParams): Filters {
  const f = {} as Filters;
  for (const name of FILTERS) f[name] = (query.get(name) ?? "").trim();
  return f;
}

/** "2026-12-02T10:41" (a datetime-local field, read as UTC) → a timestamp; undefined when empty. */
function instant(label: string, text: string): { ok: true; value?: Timestamp } | { ok: false; error: string } {
  if (!text) return { ok: true };
  const date = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : `${text}Z`);
  if (Number.isNaN(date.getTime())) return { ok: false, error: `${label} "${text}" is not a date and time.` };
  return { ok: true, value: timestampFromDate(date) };
}

function detailText(value: JsonValue): string {
  if (value === null) return "null";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function details(e: AuditEvent): Html {
  const entries = Object.entries(e.details ?? {});
  if (entries.length === 0) return html``;
  const shown = entries.slice(0, 4);
  return html`<small>${shown.map(([k, v], i) => html`${i > 0 ? " · " : ""}${k}: ${detailText(v).slice(0, 60)}`)}${entries.length > shown.length ? " · …" : ""}</small>`;
}

function resource(e: AuditEvent): Html {
  if (!e.resourceId) return html`<span class="muted">${e.resourceType || "—"}</span>`;
  const filterLink = href("/console/audit", { resource: e.resourceId });
  return html`${e.resourceType} <a href="${filterLink}" title="Only events about this ${e.resourceType}">${code(e.resourceId)}</a>${details(e)}`;
}

/** The day above the minute, so that the column stays narrow and neither half breaks. */
function eventTime(e: AuditEvent): Html {
  const [day, ...rest] = when(e.createdAt).split(" ");
  return html`<span class="nowrap">${day}</span><br><span class="nowrap">${rest.join(" ")}</span>`;
}

function chainState(e: AuditEvent): Html {
  // The hash itself is for machines; it is in the title, for whoever wants to compare it.
  const state = e.prevEventId ? badge("linked", "ok") : badge("first", "muted");
  return html`<span class="nowrap" title="integrity_hash ${e.integrityHash}">${state}</span>`;
}

/** VerifyAuditChain's answer, said plainly. */
function verdict(v: VerifyAuditChainResponse): Html {
  const pending =
    v.eventsPending > 0
      ? html` ${v.eventsPending} newer ${v.eventsPending === 1 ? "event is" : "events are"} written but not linked yet (pending); ${v.eventsPending === 1 ? "it is" : "they are"} chained within a second and ${v.eventsPending === 1 ? "is" : "are"} not counted as broken.`
      : "";
  const capped = v.eventsChecked >= VERIFY_LIMIT ? html` Only the oldest ${VERIFY_LIMIT} events were examined.` : "";
  if (v.chainValid) {
    return html`<p class="notice" role="status"><strong>The chain verifies.</strong> Verified ${v.eventsVerified} of ${v.eventsChecked} events: every hash and every link is correct.${pending}${capped}</p>`;
  }
  const why =
    v.brokenReason === "integrity_hash_mismatch"
      ? "its content differs from what was written (the integrity hash does not match)"
      : v.brokenReason === "prev_event_id_mismatch"
        ? "its link does not name the event before it (an event was deleted or inserted)"
        : (v.brokenReason ?? "it does not verify");
  return html`<div class="alert" role="alert"><p><strong>The chain is broken</strong> at event ${code(v.brokenAtEventId ?? "")}: ${why}.</p>
<p>${v.eventsVerified} of ${v.eventsChecked} events examined verified before it.${pending}</p></div>`;
}

async function show(req: PageRequest, extra: { verified?: VerifyAuditChainResponse; verifyError?: string } = {}): Promise<PageResult> {
  const f = filtersOf(req.query);
  // The API's offset is an int32: anything beyond it is no page anyway.
  const offset = Math.min(MAX_OFFSET, Math.max(0, Number.parseInt(req.query.get("offset") ?? "0", 10) || 0));
  const from = instant("From", f.from);
  const to = instant("To", f.to);
  let error: string | undefined;
  let events: AuditEvent[] = [];
  let more = false;
  if (!from.ok) error = from.error;
  else if (!to.ok) error = to.error;
  else {
    // One more than a page, to know whether there is a next one.
    const queried = await tryInline(() =>
      req.rpc.audit.queryAuditEvents({ action: f.action, actorId: f.actor, resourceId: f.resource, from: from.value, to: to.value, limit: PER_PAGE + 1, offset }),
    );
    if (!queried.ok) error = queried.error;
    else {
      events = queried.value.events.slice(0, PER_PAGE);
      more = queried.value.events.length > PER_PAGE;
    }
  }
  const dir = await directory(req);
  const actionOptions = [["", "Any action"] as const, ...AUDIT_ACTIONS.map((a) => [a, a] as const)];
  const filtered = FILTERS.some((name) => f[name] !== "");
  const filterForm = html`<form method="get" action="/console/audit" class="inline" aria-label="Filter events">
${select("Action", "action", actionOptions, f.action)}
${actorSelect(dir, f.actor)}
<label>Resource id <input name="resource" value="${f.resource}" placeholder="a vault, agent or share id, or a secret path"></label>
<label>From (UTC) <input type="datetime-local" name="from" value="${f.from}"></label>
<label>To (UTC) <input type="datetime-local" name="to" value="${f.to}"></label>
<button type="submit">Filter</button>${filtered ? html`<a href="/console/audit">Clear</a>` : ""}</form>`;

  const keep = { ...f, offset: undefined };
  const pager =
    offset > 0 || more
      ? html`<nav class="pager" aria-label="Pages">${offset > 0 ? html`<a href="${href("/console/audit", { ...keep, offset: Math.max(0, offset - PER_PAGE) || undefined })}">← Newer</a>` : ""}<span>Events ${events.length === 0 ? 0 : offset + 1}–${offset + events.length}</span>${more ? html`<a href="${href("/console/audit", { ...keep, offset: offset + PER_PAGE })}">Older →</a>` : ""}</nav>`
      : html``;
  const listing = error
    ? html``
    : events.length === 0
      ? emptyState(
          filtered ? "No event matches these filters." : offset > 0 ? "No older events." : "No events yet.",
          filtered ? html`Widen the filters, or <a href="/console/audit">clear them</a>.` : "Every change and every read of a secret in your organisation is recorded here, in a hash-linked chain.",
        )
      : html`${table(events, [
          { label: "Time", cell: (e) => eventTime(e) },
          { label: "Actor", cell: (e) => dir.name(e.actorType, e.actorId) },
          { label: "Action", cell: (e) => html`<a href="${href("/console/audit", { action: e.action })}">${e.action}</a>` },
          { label: "Resource", cell: (e) => resource(e) },
          { label: "IP", cell: (e) => e.ipAddress || html`<span class="muted">—</span>` },
          { label: "Chain", cell: (e) => chainState(e) },
        ])}${pager}`;

  return page(
    "Audit log",
    html`${filterForm}
${alert(error)}
${extra.verified ? verdict(extra.verified) : alert(extra.verifyError)}
${formTag(req, href("/console/audit/verify", { ...f, offset: offset || undefined }), html`${submit("Verify chain", "plain")}<small>Recomputes every event's hash and link, oldest first, and names the first one that fails.</small>`, { className: "inline", label: "Verify the audit chain" })}
${listing}`,
    { section: "audit", status: error ? 400 : extra.verifyError ? 403 : 200 },
  );
}

function actorSelect(dir: Directory, actor: string): Html {
  const known = [...dir.members.map((m) => [m.id, m.email] as const), ...dir.agents.map((a) => [a.id, `agent ${a.name}`] as const)];
  if (actor && !known.some(([id]) => id === actor)) known.push([actor, actor]);
  return select("Actor", "actor", [["", "Anyone"], ...known], actor);
}

async function verify(req: PageRequest): Promise<PageResult> {
  const verified = await tryInline(() => req.rpc.audit.verifyAuditChain({ limit: VERIFY_LIMIT }));
  if (!verified.ok) return show(req, { verifyError: `The chain was not verified: ${verified.error}` });
  return show(req, { verified: verified.value });
}

export const auditRoutes: ConsoleRoute[] = [
  { method: "GET", pattern: "/console/audit", handle: (req) => show(req) },
  { method: "POST", pattern: "/console/audit/verify", handle: verify },
];
