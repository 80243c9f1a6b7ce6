// Policy conditions: parsing both time_window shapes and ip_allowlist, writing them back, and
// deciding whether they hold for an address and a moment (time zones and DST included).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DomainError } from "../../src/domain/errors.js";
import { conditionsHold, conditionsToJson, parseConditions } from "../../src/domain/vaults/policy/conditions.js";
import type { PolicyConditions, TimeWindow } from "../../src/domain/vaults/policy/types.js";

function rejection(raw: unknown): DomainError {
  try {
    parseConditions(raw as Record<string, unknown>);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error(`expected parseConditions to reject ${JSON.stringify(raw)}`);
}

const at = (iso: string) => new Date(iso);
const timeOnly = (timeWindow: TimeWindow): PolicyConditions => ({ timeWindow });

describe("parseConditions: empty", () => {
  it.each([null, undefined, {}])("%j means no conditions", (raw) => {
    expect(parseConditions(raw)).toEqual({});
  });

  it("treats keys set to null as absent", () => {
    expect(parseConditions({ ip_allowlist: null, time_window: null })).toEqual({});
  });
});

describe("parseConditions: ip_allowlist", () => {
  it("keeps addresses and CIDRs of both families as given", () => {
    const list = ["10.0.0.0/8", "203.0.113.7", "2001:db8::/32", "::1", "0.0.0.0/0", "::/0", "192.168.1.0/24"];
    expect(parseConditions({ ip_allowlist: list })).toEqual({ ipAllowlist: list });
  });

  it("accepts 100 entries", () => {
    const list = Array.from({ length: 100 }, (_, i) => `10.0.${i}.0/24`);
    expect(parseConditions({ ip_allowlist: list }).ipAllowlist).toHaveLength(100);
  });

  it.each([
    { value: "10.0.0.0/8", says: "conditions.ip_allowlist must be an array of IP addresses or CIDRs, got a string" },
    { value: { a: 1 }, says: "conditions.ip_allowlist must be an array of IP addresses or CIDRs, got an object" },
    { value: [], says: "conditions.ip_allowlist must list at least one" },
    { value: Array.from({ length: 101 }, () => "10.0.0.1"), says: "conditions.ip_allowlist has 101 entries; the limit is 100" },
    { value: ["10.0.0.0/8", 5], says: "conditions.ip_allowlist[1] must be a string IP address or CIDR, got a number" },
    { value: ["10.0.0.0/8", null], says: "conditions.ip_allowlist[1] must be a string" },
    { value: ["10.0.0.0/8", "1.2.3.4", "not-an-ip"], says: 'conditions.ip_allowlist[2] "not-an-ip" is not an IPv4 or IPv6 address' },
    { value: ["10.0.0.0/33"], says: "conditions.ip_allowlist[0]" },
    { value: ["2001:db8::/129"], says: "conditions.ip_allowlist[0]" },
    { value: ["1.2.3.4/8/9"], says: 'conditions.ip_allowlist[0] "1.2.3.4/8/9" has more than one "/"' },
    { value: ["1.2.3.4/x"], says: "conditions.ip_allowlist[0]" },
    { value: ["256.1.1.1"], says: "conditions.ip_allowlist[0]" },
    { value: ["1.2.3.4", ""], says: "conditions.ip_allowlist[1] must be an IP address or CIDR, got an empty value" },
  ])("rejects $value", ({ value, says }) => {
    const error = rejection({ ip_allowlist: value });
    expect(error.kind).toBe("invalid_argument");
    expect(error.detail).toContain(says);
  });
});

describe("parseConditions: time_window, clock shape", () => {
  it("parses after/before in a named zone", () => {
    expect(parseConditions({ time_window: { after: "08:00", before: "20:00", timezone: "Europe/Berlin" } })).toEqual(
      timeOnly({ kind: "clock", afterMinute: 480, beforeMinute: 1200, timezone: "Europe/Berlin" }),
    );
  });

  it("defaults the zone to UTC and allows a window that wraps midnight", () => {
    expect(parseConditions({ time_window: { after: "22:30", before: "06:15" } })).toEqual(
      timeOnly({ kind: "clock", afterMinute: 1350, beforeMinute: 375, timezone: "UTC" }),
    );
  });

  it("accepts a one-digit hour and the day's edges", () => {
    expect(parseConditions({ time_window: { after: "8:05", before: "23:59" } }).timeWindow).toMatchObject({ afterMinute: 485, beforeMinute: 1439 });
    expect(parseConditions({ time_window: { after: "00:00", before: "00:01" } }).timeWindow).toMatchObject({ afterMinute: 0, beforeMinute: 1 });
  });

  it.each([
    { tw: { after: "24:00", before: "08:00" }, says: 'conditions.time_window.after must be a 24-hour time "HH:MM" from "00:00" to "23:59", got "24:00"' },
    { tw: { after: "08:60", before: "09:00" }, says: 'conditions.time_window.after must be a 24-hour time "HH:MM"' },
    { tw: { after: "08:00", before: "0900" }, says: 'conditions.time_window.before must be a 24-hour time "HH:MM" from "00:00" to "23:59", got "0900"' },
    { tw: { after: "08:00", before: "9" }, says: "conditions.time_window.before must be a 24-hour time" },
    { tw: { after: "08:00:00", before: "09:00" }, says: "conditions.time_window.after must be a 24-hour time" },
    { tw: { after: " 08:00", before: "09:00" }, says: "conditions.time_window.after must be a 24-hour time" },
    { tw: { after: 800, before: "09:00" }, says: "conditions.time_window.after must be a 24-hour time \"HH:MM\" from \"00:00\" to \"23:59\", got a number" },
    { tw: { after: "08:00" }, says: "conditions.time_window.before is required" },
    { tw: { before: "08:00" }, says: "conditions.time_window.after is required" },
    { tw: { after: "08:00", before: "8:00" }, says: "conditions.time_window.after and conditions.time_window.before are both 08:00" },
  ])("rejects $tw", ({ tw, says }) => {
    const error = rejection({ time_window: tw });
    expect(error.kind).toBe("invalid_argument");
    expect(error.detail).toContain(says);
  });
});

describe("parseConditions: time_window, hours shape", () => {
  it("parses hours, days and zone; days come back sorted", () => {
    expect(parseConditions({ time_window: { start_hour: 8, end_hour: 20, days_of_week: [5, 1, 3], timezone: "America/New_York" } })).toEqual(
      timeOnly({ kind: "hours", startHour: 8, endHour: 20, daysOfWeek: [1, 3, 5], timezone: "America/New_York" }),
    );
  });

  it("absent days mean every day; absent hours mean the whole day", () => {
    expect(parseConditions({ time_window: { start_hour: 0, end_hour: 24 } }).timeWindow).toEqual({ kind: "hours", startHour: 0, endHour: 24, daysOfWeek: null, timezone: "UTC" });
    expect(parseConditions({ time_window: { days_of_week: [1, 2, 3, 4, 5] } }).timeWindow).toEqual({
      kind: "hours",
      startHour: 0,
      endHour: 24,
      daysOfWeek: [1, 2, 3, 4, 5],
      timezone: "UTC",
    });
    expect(parseConditions({ time_window: { start_hour: 9 } }).timeWindow).toMatchObject({ startHour: 9, endHour: 24 });
    expect(parseConditions({ time_window: { end_hour: 17 } }).timeWindow).toMatchObject({ startHour: 0, endHour: 17 });
  });

  it("accepts windows that wrap midnight, and end_hour 0 as midnight", () => {
    expect(parseConditions({ time_window: { start_hour: 22, end_hour: 6 } }).timeWindow).toMatchObject({ startHour: 22, endHour: 6 });
    expect(parseConditions({ time_window: { start_hour: 20, end_hour: 0 } }).timeWindow).toMatchObject({ startHour: 20, endHour: 0 });
  });

  it.each([
    { tw: { start_hour: 24, end_hour: 6 }, says: "conditions.time_window.start_hour must be a whole number from 0 to 23, got 24" },
    { tw: { start_hour: -1, end_hour: 6 }, says: "conditions.time_window.start_hour must be a whole number from 0 to 23, got -1" },
    { tw: { start_hour: 1.5, end_hour: 6 }, says: "conditions.time_window.start_hour must be a whole number from 0 to 23, got 1.5" },
    { tw: { start_hour: "8", end_hour: 20 }, says: "conditions.time_window.start_hour must be a whole number from 0 to 23, got a string" },
    { tw: { start_hour: 8, end_hour: 25 }, says: "conditions.time_window.end_hour must be a whole number from 0 to 24, got 25" },
    { tw: { start_hour: 8, end_hour: true }, says: "conditions.time_window.end_hour must be a whole number from 0 to 24, got a boolean" },
    { tw: { start_hour: 8, end_hour: 8 }, says: "conditions.time_window.start_hour and conditions.time_window.end_hour are both 8" },
    { tw: { end_hour: 0 }, says: "are both 0" },
    { tw: { days_of_week: [] }, says: "conditions.time_window.days_of_week must list at least one day" },
    { tw: { days_of_week: "1-5" }, says: "conditions.time_window.days_of_week must be an array of day numbers (0 = Sunday to 6 = Saturday), got a string" },
    { tw: { days_of_week: [1, 7] }, says: "conditions.time_window.days_of_week[1] must be a day number from 0 (Sunday) to 6 (Saturday), got 7" },
    { tw: { days_of_week: [-1] }, says: "conditions.time_window.days_of_week[0] must be a day number from 0 (Sunday) to 6 (Saturday), got -1" },
    { tw: { days_of_week: [1.5] }, says: "conditions.time_window.days_of_week[0] must be a day number" },
    { tw: { days_of_week: ["mon"] }, says: "conditions.time_window.days_of_week[0] must be a day number from 0 (Sunday) to 6 (Saturday), got a string" },
    { tw: { days_of_week: [1, 2, 1] }, says: "conditions.time_window.days_of_week[2] repeats day 1" },
  ])("rejects $tw", ({ tw, says }) => {
    const error = rejection({ time_window: tw });
    expect(error.kind).toBe("invalid_argument");
    expect(error.detail).toContain(says);
  });
});

describe("parseConditions: time_window, shape and zone errors", () => {
  it.each([
    { tw: { after: "08:00", before: "20:00", start_hour: 8 }, says: "conditions.time_window mixes after with start_hour" },
    { tw: { before: "20:00", days_of_week: [1] }, says: "conditions.time_window mixes before with days_of_week" },
    { tw: { after: "08:00", before: "20:00", cron_expr: "0 0 * * * *" }, says: "conditions.time_window.cron_expr is not a known key" },
    { tw: { after: "08:00", before: "20:00", tz: "UTC" }, says: "conditions.time_window.tz is not a known key" },
    { tw: {}, says: "conditions.time_window must have after and before, or start_hour/end_hour/days_of_week" },
    { tw: { timezone: "UTC" }, says: "conditions.time_window must have after and before" },
    { tw: "08:00-20:00", says: "conditions.time_window must be a JSON object, got a string" },
    { tw: [8, 20], says: "conditions.time_window must be a JSON object, got an array" },
    { tw: { after: "08:00", before: "20:00", timezone: "Mars/Olympus_Mons" }, says: 'conditions.time_window.timezone "Mars/Olympus_Mons" is not a known IANA time zone name' },
    { tw: { after: "08:00", before: "20:00", timezone: "" }, says: "conditions.time_window.timezone must be an IANA time zone name" },
    { tw: { after: "08:00", before: "20:00", timezone: 1 }, says: "conditions.time_window.timezone must be an IANA time zone name such as \"Europe/Berlin\", got a number" },
    { tw: { start_hour: 8, end_hour: 20, timezone: "UTC+2" }, says: 'conditions.time_window.timezone "UTC+2" is not a known IANA time zone name' },
  ])("rejects $tw", ({ tw, says }) => {
    const error = rejection({ time_window: tw });
    expect(error.kind).toBe("invalid_argument");
    expect(error.detail).toContain(says);
  });

  it.each(["UTC", "Etc/UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "europe/berlin"])("accepts the zone %s as written", (timezone) => {
    expect(parseConditions({ time_window: { start_hour: 8, end_hour: 20, timezone } }).timeWindow?.timezone).toBe(timezone);
  });
});

describe("parseConditions: top level", () => {
  it.each([
    { raw: { environment_in: ["prod"] }, says: "conditions.environment_in is not a supported condition; use ip_allowlist or time_window" },
    { raw: { ip_allowlist: ["10.0.0.1"], ipAllowlist: ["10.0.0.1"] }, says: "conditions.ipAllowlist is not a supported condition" },
    { raw: [], says: "conditions must be a JSON object, got an array" },
    { raw: "ip", says: "conditions must be a JSON object, got a string" },
  ])("rejects $raw", ({ raw, says }) => {
    const error = rejection(raw);
    expect(error.kind).toBe("invalid_argument");
    expect(error.detail).toContain(says);
  });

  it("parses both conditions together", () => {
    expect(parseConditions({ ip_allowlist: ["10.0.0.0/8"], time_window: { after: "09:00", before: "17:00" } })).toEqual({
      ipAllowlist: ["10.0.0.0/8"],
      timeWindow: { kind: "clock", afterMinute: 540, beforeMinute: 1020, timezone: "UTC" },
    });
  });
});

describe("conditionsToJson", () => {
  it.each([
    { raw: {}, json: {} },
    { raw: { ip_allowlist: ["10.0.0.0/8", "::1"] }, json: { ip_allowlist: ["10.0.0.0/8", "::1"] } },
    { raw: { time_window: { after: "8:05", before: "20:00" } }, json: { time_window: { after: "08:05", before: "20:00", timezone: "UTC" } } },
    {
      raw: { time_window: { start_hour: 22, end_hour: 6, days_of_week: [5, 6], timezone: "Europe/Berlin" } },
      json: { time_window: { start_hour: 22, end_hour: 6, days_of_week: [5, 6], timezone: "Europe/Berlin" } },
    },
    { raw: { time_window: { start_hour: 9 } }, json: { time_window: { start_hour: 9, end_hour: 24, timezone: "UTC" } } },
  ])("writes $raw back in the shape the client used", ({ raw, json }) => {
    const parsed = parseConditions(raw);
    expect(conditionsToJson(parsed)).toEqual(json);
    expect(parseConditions(conditionsToJson(parsed))).toEqual(parsed);
  });

  const zone = fc.constantFrom("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo");
  const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.boolean()).map(([h, m, pad]) => `${pad ? String(h).padStart(2, "0") : h}:${String(m).padStart(2, "0")}`);
  const clockWindow = fc.record({ after: hhmm, before: hhmm, timezone: zone }, { requiredKeys: ["after", "before"] });
  const hoursWindow = fc.record(
    { start_hour: fc.integer({ min: 0, max: 23 }), end_hour: fc.integer({ min: 0, max: 24 }), days_of_week: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1 }), timezone: zone },
    { requiredKeys: [] },
  );
  const rawConditions = fc.record(
    {
      ip_allowlist: fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, p]) => `${ip}/${p}`)), { minLength: 1, maxLength: 5 }),
      time_window: fc.oneof(clockWindow, hoursWindow),
    },
    { requiredKeys: [] },
  );

  it("round-trips: parse(toJson(parse(x))) equals parse(x) for every x that parses", () => {
    let parsedCount = 0;
    fc.assert(
      fc.property(rawConditions, (raw) => {
        let parsed: PolicyConditions;
        try {
          parsed = parseConditions(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(DomainError); // equal start/end, or a time window with no keys
          return;
        }
        parsedCount++;
        expect(parseConditions(conditionsToJson(parsed))).toEqual(parsed);
        expect(conditionsToJson(parseConditions(conditionsToJson(parsed)))).toEqual(conditionsToJson(parsed));
      }),
      { numRuns: 500 },
    );
    expect(parsedCount).toBeGreaterThan(300);
  });
});

describe("conditionsHold: ip_allowlist", () => {
  const c = parseConditions({ ip_allowlist: ["10.0.0.0/8", "203.0.113.7", "2001:db8::/32", "::1"] });
  const now = at("2024-06-01T12:00:00Z");

  it.each([
    ["10.0.0.1", true],
    ["10.255.255.255", true],
    ["11.0.0.1", false],
    ["203.0.113.7", true],
    ["203.0.113.8", false],
    ["2001:db8::1", true],
    ["2001:DB8:0:0:0:0:0:ff", true],
    ["2001:db9::1", false],
    ["::1", true],
    ["::2", false],
    ["::ffff:10.1.2.3", true], // IPv4-mapped IPv6, as a dual-stack socket reports IPv4 clients
    ["::FFFF:203.0.113.7", true],
    ["::ffff:11.1.2.3", false],
    ["[2001:db8::5]", true],
    ["", false],
    ["unknown", false],
    ["10.0.0.1:443", false],
    ["10.0.0.0/8", false],
  ] as const)("client %j → %s", (clientIp, expected) => {
    expect(conditionsHold(c, clientIp, now)).toBe(expected);
  });

  it("an IPv4 range does not admit IPv6 clients; an IPv6 range admits IPv4 clients only through ::ffff:0:0/96", () => {
    expect(conditionsHold(parseConditions({ ip_allowlist: ["0.0.0.0/0"] }), "2001:db8::1", now)).toBe(false);
    // An IPv4 address and its IPv4-mapped IPv6 form are one address (node:net BlockList agrees).
    expect(conditionsHold(parseConditions({ ip_allowlist: ["::ffff:0:0/96"] }), "10.0.0.1", now)).toBe(true);
    expect(conditionsHold(parseConditions({ ip_allowlist: ["::/0"] }), "10.0.0.1", now)).toBe(true);
    expect(conditionsHold(parseConditions({ ip_allowlist: ["2001:db8::/32", "::/96"] }), "10.0.0.1", now)).toBe(false);
  });

  it("gives the same answer on repeated and edited lists (CIDR-set cache)", () => {
    const list = ["10.0.0.0/8"];
    const edited: PolicyConditions = { ipAllowlist: list };
    expect(conditionsHold(edited, "10.1.1.1", now)).toBe(true);
    expect(conditionsHold(edited, "10.1.1.1", now)).toBe(true);
    list[0] = "192.168.0.0/16";
    expect(conditionsHold(edited, "10.1.1.1", now)).toBe(false);
    expect(conditionsHold(edited, "192.168.3.4", now)).toBe(true);
  });

  it("an entry that no longer parses allows nothing, the others still work", () => {
    const c2: PolicyConditions = { ipAllowlist: ["garbage", "10.0.0.0/8"] };
    expect(conditionsHold(c2, "10.0.0.1", now)).toBe(true);
    expect(conditionsHold(c2, "192.168.0.1", now)).toBe(false);
  });

  it("no conditions hold for anyone at any time", () => {
    expect(conditionsHold({}, "", now)).toBe(true);
    expect(conditionsHold({}, "10.0.0.1", new Date(Number.NaN))).toBe(true);
  });
});

describe("conditionsHold: clock windows", () => {
  const ip = "10.0.0.1";
  const day = parseConditions({ time_window: { after: "08:00", before: "20:00" } });
  const night = parseConditions({ time_window: { after: "22:00", before: "06:00" } });

  it.each([
    ["07:59:59", false, false],
    ["08:00:00", true, false],
    ["12:00:00", true, false],
    ["19:59:59", true, false],
    ["20:00:00", false, false],
    ["21:59:59", false, false],
    ["22:00:00", false, true],
    ["23:59:59", false, true],
    ["00:00:00", false, true],
    ["05:59:59", false, true],
    ["06:00:00", false, false],
  ] as const)("at %s UTC: 08:00–20:00 %s, 22:00–06:00 %s", (time, inDay, inNight) => {
    const now = at(`2024-06-01T${time}Z`);
    expect(conditionsHold(day, ip, now)).toBe(inDay);
    expect(conditionsHold(night, ip, now)).toBe(inNight);
  });

  it("reads the wall clock of the named zone, following summer time", () => {
    const berlin = parseConditions({ time_window: { after: "08:00", before: "20:00", timezone: "Europe/Berlin" } });
    expect(conditionsHold(berlin, ip, at("2024-07-01T06:30:00Z"))).toBe(true); // 08:30 CEST
    expect(conditionsHold(berlin, ip, at("2024-01-15T06:30:00Z"))).toBe(false); // 07:30 CET
    expect(conditionsHold(berlin, ip, at("2024-07-01T17:59:00Z"))).toBe(true); // 19:59 CEST
    expect(conditionsHold(berlin, ip, at("2024-07-01T18:00:00Z"))).toBe(false); // 20:00 CEST
    expect(conditionsHold(berlin, ip, at("2024-01-15T18:59:00Z"))).toBe(true); // 19:59 CET
  });

  it("handles zones with a non-whole-hour offset", () => {
    const kolkata = parseConditions({ time_window: { after: "09:00", before: "09:30", timezone: "Asia/Kolkata" } });
    expect(conditionsHold(kolkata, ip, at("2024-03-01T03:29:00Z"))).toBe(false); // 08:59 IST
    expect(conditionsHold(kolkata, ip, at("2024-03-01T03:30:00Z"))).toBe(true); // 09:00 IST
    expect(conditionsHold(kolkata, ip, at("2024-03-01T03:59:00Z"))).toBe(true); // 09:29 IST
    expect(conditionsHold(kolkata, ip, at("2024-03-01T04:00:00Z"))).toBe(false); // 09:30 IST
  });

  it("an hour skipped by spring-forward never opens (America/New_York, 2024-03-10)", () => {
    const skipped = parseConditions({ time_window: { after: "02:00", before: "03:00", timezone: "America/New_York" } });
    const start = at("2024-03-10T00:00:00Z").getTime();
    const open = Array.from({ length: 24 * 60 }, (_, i) => new Date(start + i * 60_000)).filter((now) => conditionsHold(skipped, ip, now));
    expect(open).toEqual([]);
    const before = parseConditions({ time_window: { after: "01:00", before: "02:00", timezone: "America/New_York" } });
    expect(conditionsHold(before, ip, at("2024-03-10T06:59:00Z"))).toBe(true); // 01:59 EST
    expect(conditionsHold(before, ip, at("2024-03-10T07:00:00Z"))).toBe(false); // 03:00 EDT
  });

  it("an hour repeated by fall-back is open both times (America/New_York, 2024-11-03)", () => {
    const repeated = parseConditions({ time_window: { after: "01:00", before: "02:00", timezone: "America/New_York" } });
    const start = at("2024-11-03T00:00:00Z").getTime();
    const open = Array.from({ length: 24 * 60 }, (_, i) => new Date(start + i * 60_000)).filter((now) => conditionsHold(repeated, ip, now));
    expect(open).toHaveLength(120);
    expect(open[0].toISOString()).toBe("2024-11-03T05:00:00.000Z"); // 01:00 EDT
    expect(open[119].toISOString()).toBe("2024-11-03T06:59:00.000Z"); // 01:59 EST
  });

  it("a clock window never holds at an invalid moment", () => {
    expect(conditionsHold(day, ip, new Date(Number.NaN))).toBe(false);
  });

  it("a zone the runtime does not know fails closed instead of throwing", () => {
    const bogus: PolicyConditions = { timeWindow: { kind: "clock", afterMinute: 0, beforeMinute: 1439, timezone: "Nowhere/Atlantis" } };
    expect(conditionsHold(bogus, ip, at("2024-06-01T12:00:00Z"))).toBe(false);
  });

  it("matches a minute-by-minute reference in UTC for every clock window", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 0, max: 1439 }), fc.date({ min: at("2000-01-01T00:00:00Z"), max: at("2100-01-01T00:00:00Z"), noInvalidDate: true }), (after, before, now) => {
        fc.pre(after !== before);
        const c: PolicyConditions = { timeWindow: { kind: "clock", afterMinute: after, beforeMinute: before, timezone: "UTC" } };
        const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
        const expected = after < before ? minute >= after && minute < before : minute >= after || minute < before;
        expect(conditionsHold(c, ip, now)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("conditionsHold: hour windows and days of week", () => {
  const ip = "10.0.0.1";

  it("start inclusive, end exclusive", () => {
    const c = parseConditions({ time_window: { start_hour: 9, end_hour: 17 } });
    expect(conditionsHold(c, ip, at("2024-06-03T08:59:59Z"))).toBe(false);
    expect(conditionsHold(c, ip, at("2024-06-03T09:00:00Z"))).toBe(true);
    expect(conditionsHold(c, ip, at("2024-06-03T16:59:59Z"))).toBe(true);
    expect(conditionsHold(c, ip, at("2024-06-03T17:00:00Z"))).toBe(false);
  });

  it("end_hour 24 and end_hour 0 both mean midnight", () => {
    for (const end_hour of [24, 0]) {
      const c = parseConditions({ time_window: { start_hour: 20, end_hour } });
      expect(conditionsHold(c, ip, at("2024-06-03T19:59:00Z"))).toBe(false);
      expect(conditionsHold(c, ip, at("2024-06-03T20:00:00Z"))).toBe(true);
      expect(conditionsHold(c, ip, at("2024-06-03T23:59:59Z"))).toBe(true);
      expect(conditionsHold(c, ip, at("2024-06-04T00:00:00Z"))).toBe(false);
    }
  });

  it("days_of_week: 0 is Sunday, 6 Saturday", () => {
    const weekdays = parseConditions({ time_window: { start_hour: 0, end_hour: 24, days_of_week: [1, 2, 3, 4, 5] } });
    expect(conditionsHold(weekdays, ip, at("2024-01-06T12:00:00Z"))).toBe(false); // Saturday
    expect(conditionsHold(weekdays, ip, at("2024-01-07T12:00:00Z"))).toBe(false); // Sunday
    expect(conditionsHold(weekdays, ip, at("2024-01-08T00:00:00Z"))).toBe(true); // Monday
    expect(conditionsHold(weekdays, ip, at("2024-01-12T23:59:59Z"))).toBe(true); // Friday
    const sunday = parseConditions({ time_window: { days_of_week: [0] } });
    expect(conditionsHold(sunday, ip, at("2024-01-07T12:00:00Z"))).toBe(true);
    expect(conditionsHold(sunday, ip, at("2024-01-08T12:00:00Z"))).toBe(false);
  });

  it("the day is the local day in the window's zone", () => {
    // 2024-01-07T20:00Z is Sunday in UTC and Monday 05:00 in Tokyo.
    const mondayTokyo = parseConditions({ time_window: { days_of_week: [1], timezone: "Asia/Tokyo" } });
    const mondayUtc = parseConditions({ time_window: { days_of_week: [1] } });
    expect(conditionsHold(mondayTokyo, ip, at("2024-01-07T20:00:00Z"))).toBe(true);
    expect(conditionsHold(mondayUtc, ip, at("2024-01-07T20:00:00Z"))).toBe(false);
  });

  it("a window past midnight belongs to the day it opened", () => {
    const fridayNight = parseConditions({ time_window: { start_hour: 22, end_hour: 6, days_of_week: [5] } });
    expect(conditionsHold(fridayNight, ip, at("2024-01-05T21:59:00Z"))).toBe(false); // Fri 21:59
    expect(conditionsHold(fridayNight, ip, at("2024-01-05T22:00:00Z"))).toBe(true); // Fri 22:00
    expect(conditionsHold(fridayNight, ip, at("2024-01-06T03:00:00Z"))).toBe(true); // Sat 03:00, Friday's night
    expect(conditionsHold(fridayNight, ip, at("2024-01-06T06:00:00Z"))).toBe(false); // Sat 06:00
    expect(conditionsHold(fridayNight, ip, at("2024-01-05T03:00:00Z"))).toBe(false); // Fri 03:00, Thursday's night
    expect(conditionsHold(fridayNight, ip, at("2024-01-06T23:00:00Z"))).toBe(false); // Sat 23:00
    const sundayNight = parseConditions({ time_window: { start_hour: 23, end_hour: 1, days_of_week: [0] } });
    expect(conditionsHold(sundayNight, ip, at("2024-01-08T00:30:00Z"))).toBe(true); // Mon 00:30, Sunday's night
    expect(conditionsHold(sundayNight, ip, at("2024-01-07T00:30:00Z"))).toBe(false); // Sun 00:30, Saturday's night
  });

  it("follows the wall clock across a DST change (America/New_York, 2024-03-10, a Sunday)", () => {
    const office = parseConditions({ time_window: { start_hour: 9, end_hour: 17, days_of_week: [0], timezone: "America/New_York" } });
    expect(conditionsHold(office, ip, at("2024-03-10T13:00:00Z"))).toBe(true); // 09:00 EDT
    expect(conditionsHold(office, ip, at("2024-03-10T12:59:00Z"))).toBe(false); // 08:59 EDT
    expect(conditionsHold(office, ip, at("2024-03-10T20:59:00Z"))).toBe(true); // 16:59 EDT
    expect(conditionsHold(office, ip, at("2024-03-10T21:00:00Z"))).toBe(false); // 17:00 EDT
    expect(conditionsHold(office, ip, at("2024-03-03T13:00:00Z"))).toBe(false); // 08:00 EST, a week earlier
    expect(conditionsHold(office, ip, at("2024-03-03T14:00:00Z"))).toBe(true); // 09:00 EST
    const early = parseConditions({ time_window: { start_hour: 2, end_hour: 3, timezone: "America/New_York" } });
    const start = at("2024-03-10T00:00:00Z").getTime();
    const open = Array.from({ length: 24 * 60 }, (_, i) => new Date(start + i * 60_000)).filter((now) => conditionsHold(early, ip, now));
    expect(open).toEqual([]);
  });

  it("matches a reference in UTC for every hour window and set of days", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 24 }),
        fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1 }), { nil: null }),
        fc.date({ min: at("2000-01-01T00:00:00Z"), max: at("2100-01-01T00:00:00Z"), noInvalidDate: true }),
        (startHour, endHour, days, now) => {
          fc.pre(startHour !== endHour);
          const c: PolicyConditions = { timeWindow: { kind: "hours", startHour, endHour, daysOfWeek: days === null ? null : [...days].sort((a, b) => a - b), timezone: "UTC" } };
          const end = endHour === 0 ? 24 : endHour;
          const hour = now.getUTCHours();
          const inHours = startHour < end ? hour >= startHour && hour < end : hour >= startHour || hour < end;
          const openedYesterday = startHour > end && hour < end;
          const day = (now.getUTCDay() + (openedYesterday ? 6 : 0)) % 7;
          const expected = inHours && (days === null || days.includes(day));
          expect(conditionsHold(c, ip, now)).toBe(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("conditionsHold: both conditions", () => {
  it("requires every condition", () => {
    const c = parseConditions({ ip_allowlist: ["10.0.0.0/8"], time_window: { after: "09:00", before: "17:00" } });
    expect(conditionsHold(c, "10.0.0.1", at("2024-06-03T10:00:00Z"))).toBe(true);
    expect(conditionsHold(c, "192.168.0.1", at("2024-06-03T10:00:00Z"))).toBe(false);
    expect(conditionsHold(c, "10.0.0.1", at("2024-06-03T18:00:00Z"))).toBe(false);
    expect(conditionsHold(c, "", at("2024-06-03T18:00:00Z"))).toBe(false);
  });
});
