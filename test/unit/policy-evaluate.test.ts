// Policy evaluation: owner bypass, which policies apply, and which one decides.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { conditionsHold } from "../../src/domain/vaults/policy/conditions.js";
import { comparePrecedence, evaluate, evaluateMany, type PathlessRequest } from "../../src/domain/vaults/policy/evaluate.js";
import { matchesPattern } from "../../src/domain/vaults/policy/glob.js";
import type { AccessRequest, Decision, Permission, PolicyConditions, PolicyRule } from "../../src/domain/vaults/policy/types.js";

const NOW = new Date("2024-06-03T12:00:00Z");
const PAST = new Date("2024-06-03T11:59:59.999Z");
const FUTURE = new Date("2024-06-03T12:00:00.001Z");

function rule(overrides: Partial<PolicyRule> = {}): PolicyRule {
  return {
    id: "p-1",
    principalType: "agent",
    principalId: "agent-1",
    pattern: "**",
    permissions: ["read"],
    effect: "allow",
    priority: 0,
    expiresAt: null,
    conditions: {},
    ...overrides,
  };
}

function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    principal: { type: "agent", id: "agent-1" },
    path: "api-keys/openai",
    permission: "read",
    isOwner: false,
    clientIp: "10.0.0.1",
    now: NOW,
    ...overrides,
  };
}

/** The decision in a form that compares by policy id, not object identity. */
function summary(decision: Decision): string {
  return decision.reason === "policy" ? `${decision.allowed ? "allow" : "deny"}:${decision.policy.id}` : decision.reason;
}

describe("evaluate: owner and default deny", () => {
  it("the owner is allowed whatever the policies say", () => {
    const deny = rule({ effect: "deny", priority: 100 });
    expect(evaluate([deny], request({ isOwner: true }))).toEqual({ allowed: true, reason: "owner" });
    expect(evaluate([], request({ isOwner: true, permission: "delete" }))).toEqual({ allowed: true, reason: "owner" });
  });

  it("no policies means no access", () => {
    expect(evaluate([], request())).toEqual({ allowed: false, reason: "no_matching_policy" });
  });

  it("a matching allow allows and names itself; a matching deny denies", () => {
    const allow = rule();
    expect(evaluate([allow], request())).toEqual({ allowed: true, reason: "policy", policy: allow });
    const deny = rule({ effect: "deny" });
    expect(evaluate([deny], request())).toEqual({ allowed: false, reason: "policy", policy: deny });
  });
});

describe("evaluate: which policies apply", () => {
  const cases: { name: string; policy: Partial<PolicyRule>; req?: Partial<AccessRequest>; applies: boolean }[] = [
    { name: "same principal", policy: {}, applies: true },
    { name: "another agent", policy: { principalId: "agent-2" }, applies: false },
    { name: "a user with the agent's id", policy: { principalType: "user" }, applies: false },
    { name: "a user policy for that user", policy: { principalType: "user", principalId: "u-1" }, req: { principal: { type: "user", id: "u-1" } }, applies: true },
    { name: "id compared exactly", policy: { principalId: "Agent-1" }, applies: false },
    { name: "no expiry", policy: { expiresAt: null }, applies: true },
    { name: "expires later", policy: { expiresAt: FUTURE }, applies: true },
    { name: "expires exactly now", policy: { expiresAt: NOW }, applies: false },
    { name: "expired", policy: { expiresAt: PAST }, applies: false },
    { name: "permission listed", policy: { permissions: ["write", "read"] }, applies: true },
    { name: "permission not listed", policy: { permissions: ["write", "delete"] }, applies: false },
    { name: "write asked, write granted", policy: { permissions: ["write"] }, req: { permission: "write" }, applies: true },
    { name: "delete asked, write granted", policy: { permissions: ["write"] }, req: { permission: "delete" }, applies: false },
    { name: "no permissions", policy: { permissions: [] }, applies: false },
    { name: "pattern covers the path", policy: { pattern: "api-keys/*" }, applies: true },
    { name: "pattern does not cover the path", policy: { pattern: "db/*" }, applies: false },
    { name: "pattern covers the parent only", policy: { pattern: "api-keys" }, applies: false },
    { name: "partial-segment pattern", policy: { pattern: "api-keys/open*" }, applies: true },
    { name: "ip condition holds", policy: { conditions: { ipAllowlist: ["10.0.0.0/8"] } }, applies: true },
    { name: "ip condition fails", policy: { conditions: { ipAllowlist: ["192.168.0.0/16"] } }, applies: false },
    { name: "no client address", policy: { conditions: { ipAllowlist: ["0.0.0.0/0"] } }, req: { clientIp: "" }, applies: false },
    { name: "time condition holds", policy: { conditions: { timeWindow: { kind: "clock", afterMinute: 540, beforeMinute: 1020, timezone: "UTC" } } }, applies: true },
    { name: "time condition fails", policy: { conditions: { timeWindow: { kind: "clock", afterMinute: 0, beforeMinute: 60, timezone: "UTC" } } }, applies: false },
  ];

  for (const effect of ["allow", "deny"] as const) {
    it.each(cases)(`${effect}: $name → applies $applies`, ({ policy, req, applies }) => {
      const p = rule({ ...policy, effect });
      const decision = evaluate([p], request(req));
      expect(summary(decision)).toBe(applies ? `${effect}:p-1` : "no_matching_policy");
      expect(summary(evaluateMany([p], request(req), [request(req).path])[0])).toBe(summary(decision));
    });
  }
});

describe("evaluate: which policy decides", () => {
  const cases: { name: string; policies: Partial<PolicyRule>[]; decides: string }[] = [
    { name: "higher-priority allow beats lower deny", policies: [{ id: "d", effect: "deny", priority: 1 }, { id: "a", effect: "allow", priority: 2 }], decides: "allow:a" },
    { name: "higher-priority deny beats lower allow", policies: [{ id: "a", effect: "allow", priority: 1 }, { id: "d", effect: "deny", priority: 2 }], decides: "deny:d" },
    { name: "equal priority: deny wins (deny listed first)", policies: [{ id: "d", effect: "deny" }, { id: "a", effect: "allow" }], decides: "deny:d" },
    { name: "equal priority: deny wins (allow listed first)", policies: [{ id: "a", effect: "allow" }, { id: "d", effect: "deny" }], decides: "deny:d" },
    { name: "equal priority: deny wins even with a larger id", policies: [{ id: "a", effect: "allow" }, { id: "z", effect: "deny" }], decides: "deny:z" },
    { name: "equal allows: lowest id names the decision", policies: [{ id: "b" }, { id: "a" }, { id: "c" }], decides: "allow:a" },
    { name: "equal denies: lowest id names the decision", policies: [{ id: "b", effect: "deny" }, { id: "c", effect: "deny" }, { id: "a", effect: "allow" }], decides: "deny:b" },
    { name: "ids compare by code unit, not locale (Z < a)", policies: [{ id: "a" }, { id: "Z" }], decides: "allow:Z" },
    { name: "negative priorities order too", policies: [{ id: "a", priority: -5 }, { id: "d", effect: "deny", priority: -6 }], decides: "allow:a" },
    {
      name: "a more specific pattern does not win by itself: priority does",
      policies: [{ id: "broad", effect: "deny", pattern: "**", priority: 1 }, { id: "exact", pattern: "api-keys/openai", priority: 0 }],
      decides: "deny:broad",
    },
    {
      name: "a higher deny whose conditions fail is skipped",
      policies: [{ id: "d", effect: "deny", priority: 9, conditions: { ipAllowlist: ["192.168.0.0/16"] } }, { id: "a", priority: 1 }],
      decides: "allow:a",
    },
    { name: "a higher deny that expired is skipped", policies: [{ id: "d", effect: "deny", priority: 9, expiresAt: PAST }, { id: "a" }], decides: "allow:a" },
    { name: "a higher deny for another permission is skipped", policies: [{ id: "d", effect: "deny", priority: 9, permissions: ["write"] }, { id: "a" }], decides: "allow:a" },
    { name: "a higher deny for another path is skipped", policies: [{ id: "d", effect: "deny", priority: 9, pattern: "db/**" }, { id: "a" }], decides: "allow:a" },
    { name: "a higher deny for another principal is skipped", policies: [{ id: "d", effect: "deny", priority: 9, principalId: "agent-2" }, { id: "a" }], decides: "allow:a" },
    { name: "only inapplicable policies: default deny", policies: [{ id: "a", pattern: "db/**" }, { id: "b", expiresAt: PAST }], decides: "no_matching_policy" },
  ];

  it.each(cases)("$name", ({ policies, decides }) => {
    const rules = policies.map((p) => rule(p));
    expect(summary(evaluate(rules, request()))).toBe(decides);
    expect(summary(evaluate([...rules].reverse(), request()))).toBe(decides);
    expect(summary(evaluateMany(rules, request(), ["api-keys/openai"])[0])).toBe(decides);
  });

  it("comparePrecedence orders priority, then deny, then id", () => {
    const sorted = [
      rule({ id: "c", priority: 0 }),
      rule({ id: "b", priority: 1, effect: "deny" }),
      rule({ id: "a", priority: 1 }),
      rule({ id: "a", priority: 0, effect: "deny" }),
      rule({ id: "b", priority: 0 }),
    ]
      .sort(comparePrecedence)
      .map((p) => `${p.priority}${p.effect}${p.id}`);
    expect(sorted).toEqual(["1denyb", "1allowa", "0denya", "0allowb", "0allowc"]);
  });
});

describe("evaluateMany", () => {
  it("answers per path, in order", () => {
    const policies = [rule({ id: "keys", pattern: "api-keys/**" }), rule({ id: "no-prod", pattern: "api-keys/prod-*", effect: "deny", priority: 1 })];
    const paths = ["api-keys/openai", "api-keys/prod-db", "db/main", "api-keys"];
    expect(evaluateMany(policies, request(), paths).map(summary)).toEqual(["allow:keys", "deny:no-prod", "no_matching_policy", "allow:keys"]);
  });

  it("owner: every path allowed; no paths: no answers", () => {
    expect(evaluateMany([], request({ isOwner: true }), ["a", "b"])).toEqual([
      { allowed: true, reason: "owner" },
      { allowed: true, reason: "owner" },
    ]);
    expect(evaluateMany([rule()], request(), [])).toEqual([]);
  });
});

// ---- properties ----------------------------------------------------------------------------

const PATTERNS = ["**", "api-keys/**", "api-keys/*", "api-keys/openai", "db/*", "*/openai", "openai-*", "**/prod", "*/*/*", "api-*/**"];
const PATHS = ["api-keys/openai", "api-keys/a/b", "api-keys", "db/main", "prod", "x/prod", "openai-prod", "a/b/c", "api-x/openai"];
const PRINCIPALS = [
  { type: "agent", id: "a1" },
  { type: "agent", id: "a2" },
  { type: "user", id: "a1" },
] as const;
const IPS = ["10.1.2.3", "192.168.1.1", "::ffff:10.9.9.9", "2001:db8::1", ""];
const MOMENTS = [new Date("2024-06-03T12:00:00Z"), new Date("2024-06-03T22:30:00Z"), new Date("2024-06-08T03:00:00Z")];
const CONDITIONS: PolicyConditions[] = [
  {},
  {},
  { ipAllowlist: ["10.0.0.0/8"] },
  { ipAllowlist: ["192.168.0.0/16", "2001:db8::/32"] },
  { timeWindow: { kind: "clock", afterMinute: 8 * 60, beforeMinute: 20 * 60, timezone: "UTC" } },
  { timeWindow: { kind: "hours", startHour: 22, endHour: 6, daysOfWeek: [5], timezone: "UTC" } },
];
const PERMISSIONS: Permission[] = ["read", "write", "delete"];

const policyBody = fc.record({
  principal: fc.constantFrom(...PRINCIPALS),
  pattern: fc.constantFrom(...PATTERNS),
  permissions: fc.subarray(PERMISSIONS, { minLength: 1 }),
  effect: fc.constantFrom("allow" as const, "deny" as const),
  priority: fc.integer({ min: 0, max: 3 }),
  expiry: fc.constantFrom("none", "none", "past", "future", "now"),
  conditions: fc.constantFrom(...CONDITIONS),
});

type PolicyBody = typeof policyBody extends fc.Arbitrary<infer T> ? T : never;

function toRule(body: PolicyBody, id: string, now: Date): PolicyRule {
  const expiresAt = { none: null, past: new Date(now.getTime() - 1000), future: new Date(now.getTime() + 1000), now: new Date(now.getTime()) }[body.expiry];
  return {
    id,
    principalType: body.principal.type,
    principalId: body.principal.id,
    pattern: body.pattern,
    permissions: body.permissions,
    effect: body.effect,
    priority: body.priority,
    expiresAt,
    conditions: body.conditions,
  };
}

const requestArb = fc.record({
  principal: fc.constantFrom(...PRINCIPALS).map((p) => ({ type: p.type, id: p.id })),
  path: fc.constantFrom(...PATHS),
  permission: fc.constantFrom(...PERMISSIONS),
  isOwner: fc.constant(false),
  clientIp: fc.constantFrom(...IPS),
  now: fc.constantFrom(...MOMENTS),
});

const scenario = fc
  .tuple(requestArb, fc.array(policyBody, { maxLength: 10 }), fc.uniqueArray(fc.string({ unit: fc.constantFrom("a", "b", "c", "1"), minLength: 1, maxLength: 3 }), { minLength: 10, maxLength: 10 }))
  .map(([req, bodies, ids]) => ({ req, policies: bodies.map((b, i) => toRule(b, ids[i], req.now)) }));

/** The rules written out the slow way, as a second opinion. */
function reference(policies: readonly PolicyRule[], req: AccessRequest): string {
  const applicable = policies.filter(
    (p) =>
      p.principalType === req.principal.type &&
      p.principalId === req.principal.id &&
      (p.expiresAt === null || p.expiresAt > req.now) &&
      p.permissions.includes(req.permission) &&
      matchesPattern(p.pattern, req.path) &&
      conditionsHold(p.conditions, req.clientIp, req.now),
  );
  if (applicable.length === 0) return "no_matching_policy";
  const top = Math.max(...applicable.map((p) => p.priority));
  const atTop = applicable.filter((p) => p.priority === top);
  const denies = atTop.filter((p) => p.effect === "deny");
  const pool = denies.length > 0 ? denies : atTop;
  const winner = pool.map((p) => p.id).sort()[0];
  return `${denies.length > 0 ? "deny" : "allow"}:${winner}`;
}

function shuffled<T>(items: readonly T[], keys: readonly number[]): T[] {
  return items
    .map((item, i) => ({ item, key: keys[i % Math.max(keys.length, 1)] ?? 0, i }))
    .sort((a, b) => a.key - b.key || a.i - b.i)
    .map(({ item }) => item);
}

describe("evaluate properties", () => {
  it("agrees with the rules written out the slow way", () => {
    fc.assert(
      fc.property(scenario, ({ req, policies }) => {
        expect(summary(evaluate(policies, req))).toBe(reference(policies, req));
      }),
      { numRuns: 2000 },
    );
  });

  it("does not depend on the order of the policies", () => {
    fc.assert(
      fc.property(scenario, fc.array(fc.integer(), { minLength: 10, maxLength: 10 }), ({ req, policies }, keys) => {
        expect(summary(evaluate(shuffled(policies, keys), req))).toBe(summary(evaluate(policies, req)));
      }),
      { numRuns: 1000 },
    );
  });

  it("a lower-priority policy never changes a decision made by a higher one", () => {
    fc.assert(
      fc.property(scenario, policyBody, ({ req, policies }, extraBody) => {
        const before = evaluate(policies, req);
        fc.pre(before.reason === "policy");
        if (before.reason !== "policy") return;
        fc.pre(before.policy.priority > 0);
        const extra = toRule({ ...extraBody, priority: before.policy.priority - 1 }, "0", req.now); // "0" sorts before every generated id
        expect(summary(evaluate([...policies, extra], req))).toBe(summary(before));
        expect(summary(evaluate([extra, ...policies], req))).toBe(summary(before));
      }),
      { numRuns: 1000 },
    );
  });

  it("a matching deny of equal or higher priority always denies", () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 2 }), fc.constantFrom("**", "exact"), ({ req, policies }, raise, patternKind) => {
        const before = evaluate(policies, req);
        const floor = before.reason === "policy" ? before.policy.priority : 0;
        const deny: PolicyRule = rule({
          id: "zzzz", // sorts after every generated id: deny must win on effect, not on id
          principalType: req.principal.type,
          principalId: req.principal.id,
          pattern: patternKind === "**" ? "**" : req.path,
          permissions: [req.permission],
          effect: "deny",
          priority: floor + raise,
        });
        const after = evaluate([...policies, deny], req);
        expect(after.allowed).toBe(false);
        expect(after.reason).toBe("policy");
      }),
      { numRuns: 1000 },
    );
  });

  it("the owner is always allowed", () => {
    fc.assert(
      fc.property(scenario, ({ req, policies }) => {
        expect(evaluate(policies, { ...req, isOwner: true })).toEqual({ allowed: true, reason: "owner" });
      }),
    );
  });

  it("expired policies never decide, and removing them changes nothing", () => {
    fc.assert(
      fc.property(scenario, ({ req, policies }) => {
        const decision = evaluate(policies, req);
        if (decision.reason === "policy") expect(decision.policy.expiresAt === null || decision.policy.expiresAt > req.now).toBe(true);
        const live = policies.filter((p) => p.expiresAt === null || p.expiresAt > req.now);
        expect(summary(evaluate(live, req))).toBe(summary(decision));
      }),
      { numRuns: 1000 },
    );
  });

  it("a policy for another principal never decides, and removing those changes nothing", () => {
    fc.assert(
      fc.property(scenario, ({ req, policies }) => {
        const decision = evaluate(policies, req);
        if (decision.reason === "policy") {
          expect(decision.policy.principalType).toBe(req.principal.type);
          expect(decision.policy.principalId).toBe(req.principal.id);
        }
        const mine = policies.filter((p) => p.principalType === req.principal.type && p.principalId === req.principal.id);
        expect(summary(evaluate(mine, req))).toBe(summary(decision));
      }),
      { numRuns: 1000 },
    );
  });

  it("the deciding policy, when there is one, covers the path and grants the permission asked for", () => {
    fc.assert(
      fc.property(scenario, ({ req, policies }) => {
        const decision = evaluate(policies, req);
        if (decision.reason !== "policy") return;
        expect(decision.policy.permissions).toContain(req.permission);
        expect(decision.allowed).toBe(decision.policy.effect === "allow");
        expect(policies).toContain(decision.policy);
      }),
    );
  });

  it("evaluateMany gives evaluate's answer for every path", () => {
    fc.assert(
      fc.property(scenario, fc.subarray(PATHS), ({ req, policies }, paths) => {
        const pathless: PathlessRequest = { principal: req.principal, permission: req.permission, isOwner: req.isOwner, clientIp: req.clientIp, now: req.now };
        const many = evaluateMany(policies, pathless, paths).map(summary);
        expect(many).toEqual(paths.map((path) => summary(evaluate(policies, { ...req, path }))));
      }),
      { numRuns: 1000 },
    );
  });
});
