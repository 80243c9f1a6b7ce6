// Policy `conditions`: parsing the JSON object a client sends, writing it back, and deciding
// whether the conditions hold for one request. A policy whose conditions do not hold is
// ignored by evaluation (it neither allows nor denies).
//
// Wire shapes (rest-surface.md accepts both time_window shapes 1Claw documents):
//   { "ip_allowlist": ["10.0.0.0/8", "2001:db8::1"],
//     "time_window": { "after": "08:00", "before": "20:00", "timezone": "Europe/Berlin" } }
//   { "time_window": { "start_hour": 22, "end_hour": 6, "days_of_week": [5], "timezone": "UTC" } }
//
// Time-window semantics, both shapes: the start is inclusive, the end exclusive, and a start
// later than the end wraps past midnight. For the hours shape, `end_hour` 24 (and 0, which
// 1Claw's reference allows) means midnight, start_hour defaults to 0 and end_hour to 24 so
// `{"days_of_week":[1,2,3,4,5]}` means "weekdays, all day", and in a window that wraps past
// midnight the hours after midnight belong to the day the window opened: Friday 22→6 allows
// Saturday 03:00 and not Friday 03:00. Times are local wall-clock times in `timezone`, so on a
// DST change a window follows the clock on the wall, not a fixed UTC offset.
import { DomainError } from "../../errors.js";
import { CidrSet, parseCidr, type Cidr } from "../../net/ip.js";
import type { PolicyConditions, TimeWindow } from "./types.js";

const MAX_IPS = 100;
const CLOCK_KEYS = ["after", "before"] as const;
const HOURS_KEYS = ["start_hour", "end_hour", "days_of_week"] as const;
const TIME_WINDOW_KEYS = new Set<string>([...CLOCK_KEYS, ...HOURS_KEYS, "timezone"]);

function invalid(detail: string): DomainError {
  return new DomainError("invalid_argument", detail);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/**
 * Parses the `conditions` object of a policy. null, undefined and `{}` mean "no conditions".
 * A key whose value is null counts as absent, because some clients write every optional field.
 */
export function parseConditions(raw: Record<string, unknown> | undefined | null): PolicyConditions {
  if (raw === undefined || raw === null) return {};
  if (!isObject(raw)) throw invalid(`conditions must be a JSON object, got ${kindOf(raw)}`);
  const conditions: PolicyConditions = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    if (key === "ip_allowlist") conditions.ipAllowlist = parseIpAllowlist(value);
    else if (key === "time_window") conditions.timeWindow = parseTimeWindow(value);
    else throw invalid(`conditions.${key.slice(0, 64)} is not a supported condition; use ip_allowlist or time_window`);
  }
  return conditions;
}

function parseIpAllowlist(value: unknown): string[] {
  const field = "conditions.ip_allowlist";
  if (!Array.isArray(value)) throw invalid(`${field} must be an array of IP addresses or CIDRs, got ${kindOf(value)}`);
  if (value.length === 0) throw invalid(`${field} must list at least one IP address or CIDR; omit it to allow every address`);
  if (value.length > MAX_IPS) throw invalid(`${field} has ${value.length} entries; the limit is ${MAX_IPS}`);
  return value.map((entry: unknown, index) => {
    const itemField = `${field}[${index}]`;
    if (typeof entry !== "string") throw invalid(`${itemField} must be a string IP address or CIDR, got ${kindOf(entry)}`);
    parseCidr(entry, itemField);
    return entry;
  });
}

function parseTimeWindow(value: unknown): TimeWindow {
  const field = "conditions.time_window";
  if (!isObject(value)) throw invalid(`${field} must be a JSON object, got ${kindOf(value)}`);
  const present = (key: string) => value[key] !== undefined && value[key] !== null;
  for (const key of Object.keys(value)) {
    if (!TIME_WINDOW_KEYS.has(key)) {
      throw invalid(`${field}.${key.slice(0, 64)} is not a known key; use after/before or start_hour/end_hour/days_of_week, plus timezone`);
    }
  }
  const clock = CLOCK_KEYS.filter(present);
  const hours = HOURS_KEYS.filter(present);
  if (clock.length > 0 && hours.length > 0) {
    throw invalid(`${field} mixes ${clock[0]} with ${hours[0]}; use either after/before or start_hour/end_hour/days_of_week`);
  }
  const timezone = parseTimezone(value.timezone, `${field}.timezone`);
  if (clock.length > 0) return parseClockWindow(value, field, timezone);
  if (hours.length > 0) return parseHoursWindow(value, field, timezone);
  throw invalid(`${field} must have after and before, or start_hour/end_hour/days_of_week`);
}

function parseTimezone(value: unknown, field: string): string {
  if (value === undefined || value === null) return "UTC";
  if (typeof value !== "string" || value === "") throw invalid(`${field} must be an IANA time zone name such as "Europe/Berlin", got ${kindOf(value)}`);
  if (!isValidTimezone(value)) throw invalid(`${field} ${JSON.stringify(value.slice(0, 64))} is not a known IANA time zone name`);
  return value;
}

function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: timezone });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

function parseClockWindow(value: Record<string, unknown>, field: string, timezone: string): TimeWindow {
  const afterMinute = parseClockTime(value.after, `${field}.after`);
  const beforeMinute = parseClockTime(value.before, `${field}.before`);
  if (afterMinute === beforeMinute) {
    throw invalid(`${field}.after and ${field}.before are both ${formatClockTime(afterMinute)}; the window would be empty or the whole day`);
  }
  return { kind: "clock", afterMinute, beforeMinute, timezone };
}

function parseClockTime(value: unknown, field: string): number {
  if (value === undefined || value === null) throw invalid(`${field} is required when the other of after/before is given`);
  const match = typeof value === "string" ? /^(\d{1,2}):(\d{2})$/.exec(value) : null;
  if (match === null || Number(match[1]) > 23 || Number(match[2]) > 59) {
    const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 16)) : kindOf(value);
    throw invalid(`${field} must be a 24-hour time "HH:MM" from "00:00" to "23:59", got ${shown}`);
  }
  return Number(match[1]) * 60 + Number(match[2]);
}

function formatClockTime(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

function parseHoursWindow(value: Record<string, unknown>, field: string, timezone: string): TimeWindow {
  const startHour = parseInteger(value.start_hour, `${field}.start_hour`, 0, 23, 0);
  const endHour = parseInteger(value.end_hour, `${field}.end_hour`, 0, 24, 24);
  if (startHour === endHour) {
    throw invalid(`${field}.start_hour and ${field}.end_hour are both ${startHour}; the window would be empty or the whole day`);
  }
  const daysOfWeek = parseDaysOfWeek(value.days_of_week, `${field}.days_of_week`);
  return { kind: "hours", startHour, endHour, daysOfWeek, timezone };
}

function parseInteger(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const shown = typeof value === "number" ? String(value) : kindOf(value);
    throw invalid(`${field} must be a whole number from ${min} to ${max}, got ${shown}`);
  }
  return value;
}

function parseDaysOfWeek(value: unknown, field: string): number[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw invalid(`${field} must be an array of day numbers (0 = Sunday to 6 = Saturday), got ${kindOf(value)}`);
  if (value.length === 0) throw invalid(`${field} must list at least one day; omit it to allow every day`);
  const seen = new Set<number>();
  value.forEach((day: unknown, index) => {
    if (typeof day !== "number" || !Number.isInteger(day) || day < 0 || day > 6) {
      const shown = typeof day === "number" ? String(day) : kindOf(day);
      throw invalid(`${field}[${index}] must be a day number from 0 (Sunday) to 6 (Saturday), got ${shown}`);
    }
    if (seen.has(day)) throw invalid(`${field}[${index}] repeats day ${day}`);
    seen.add(day);
  });
  return [...seen].sort((a, b) => a - b);
}

/** The wire shape of parsed conditions, in the time_window shape the client used. */
export function conditionsToJson(c: PolicyConditions): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  if (c.ipAllowlist !== undefined) json.ip_allowlist = [...c.ipAllowlist];
  const window = c.timeWindow;
  if (window?.kind === "clock") {
    json.time_window = { after: formatClockTime(window.afterMinute), before: formatClockTime(window.beforeMinute), timezone: window.timezone };
  } else if (window?.kind === "hours") {
    json.time_window = {
      start_hour: window.startHour,
      end_hour: window.endHour,
      ...(window.daysOfWeek === null ? {} : { days_of_week: [...window.daysOfWeek] }),
      timezone: window.timezone,
    };
  }
  return json;
}

/** Do the conditions hold for a request from `clientIp` at `now`? Absent conditions hold. */
export function conditionsHold(c: PolicyConditions, clientIp: string, now: Date): boolean {
  if (c.ipAllowlist !== undefined && !allowlistSet(c.ipAllowlist).contains(clientIp)) return false;
  if (c.timeWindow !== undefined && !inTimeWindow(c.timeWindow, now)) return false;
  return true;
}

// Listing secrets evaluates the same policy objects once per path; parsing their CIDRs each
// time would dominate. Keyed by the array itself, checked against its contents in case a caller
// reuses and edits an array.
const allowlistCache = new WeakMap<readonly string[], { key: string; set: CidrSet }>();

function allowlistSet(list: readonly string[]): CidrSet {
  const key = list.join("\n");
  const cached = allowlistCache.get(list);
  if (cached !== undefined && cached.key === key) return cached.set;
  const cidrs: Cidr[] = [];
  for (const entry of list) {
    try {
      cidrs.push(parseCidr(entry));
    } catch {
      // Stored entries were validated on write; one that no longer parses simply allows nothing.
    }
  }
  const set = new CidrSet(cidrs);
  allowlistCache.set(list, { key, set });
  return set;
}

function inTimeWindow(window: TimeWindow, now: Date): boolean {
  const local = localTime(window.timezone, now);
  if (local === null) return false; // a zone this runtime no longer knows: fail closed
  if (window.kind === "clock") return inRange(local.minute, window.afterMinute, window.beforeMinute);

  const start = window.startHour * 60;
  const end = (window.endHour === 0 ? 24 : window.endHour) * 60;
  if (!inRange(local.minute, start, end)) return false;
  if (window.daysOfWeek === null) return true;
  const wrapsAndAfterMidnight = start > end && local.minute < end;
  const openedOn = wrapsAndAfterMidnight ? (local.weekday + 6) % 7 : local.weekday;
  return window.daysOfWeek.includes(openedOn);
}

/** [start, end) on a 24-hour clock of minutes; start > end wraps past midnight. */
function inRange(minute: number, start: number, end: number): boolean {
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

// Building a DateTimeFormat costs far more than using one; zones are few, so keep them.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", { timeZone: timezone, hourCycle: "h23", weekday: "short", hour: "2-digit", minute: "2-digit" });
    if (formatters.size >= 512) formatters.clear();
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** Local wall-clock minute of the day and weekday (0 = Sunday) in `timezone`, or null. */
function localTime(timezone: string, now: Date): { minute: number; weekday: number } | null {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = formatterFor(timezone).formatToParts(now);
  } catch {
    return null;
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const hour = Number(part("hour")) % 24; // some ICU versions say "24" at midnight even with h23
  const minute = Number(part("minute"));
  const weekday = WEEKDAYS[part("weekday")];
  if (!Number.isInteger(hour) || !Number.isInteger(minute) || weekday === undefined) return null;
  return { minute: hour * 60 + minute, weekday };
}
