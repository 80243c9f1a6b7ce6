// Organisation IP rules over the real routes: create, list and delete with their roles and
// validation, isolation between organisations, the audit trail, enforcement on every
// authenticated call (deny, allow, deny wins, IPv6), lock-out protection, and the cache.
//
// The client address is what the HTTP front puts in the call's context; here each address gets a
// server mounted behind an interceptor that sets it, so no header is involved.
import { pino } from "pino";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { OrgService, type IpRule } from "../../gen/ts/clawkeep/v1/org_pb.js";
import { IpRuleGate } from "../../src/domain/identity/ip-rule-gate.js";
import { IP_RULES_TOPIC } from "../../src/domain/identity/ip-rules.js";
import { EventBus } from "../../src/events/bus.js";
import { peerAddressKey } from "../../src/server/context.js";
import { createHarness, type Harness, NO_RATE_LIMIT, rejection } from "./harness.js";
import { invitedMember, signUp, type Person } from "./people.js";

/** Where the test people usually call from. */
const HOME = "198.51.100.10";
const HOME_NET = "198.51.100.0/24";

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
});
afterAll(async () => {
  await harness?.close();
});

const servers = new Map<string, Transport>();
/** A server on which every call comes from `address`. */
function from(address: string): Transport {
  let transport = servers.get(address);
  if (!transport) {
    const peerIs: Interceptor = (next) => (req) => {
      req.contextValues.set(peerAddressKey, address);
      return next(req);
    };
    transport = harness.mount({ env: NO_RATE_LIMIT, interceptors: (built) => [peerIs, ...built] }).transport;
    servers.set(address, transport);
  }
  return transport;
}
const org = (address = HOME): Client<typeof OrgService> => createClient(OrgService, from(address));
const auth = (address = HOME): Client<typeof AuthService> => createClient(AuthService, from(address));

async function create(person: Person, rule: { ruleType: string; cidr: string; label?: string; appliesTo?: string }, address = HOME): Promise<IpRule> {
  const { rule: created } = await org(address).createIpRule(rule, { headers: person.headers });
  return created!;
}

async function list(person: Person, address = HOME): Promise<IpRule[]> {
  return (await org(address).listIpRules({}, { headers: person.headers })).rules;
}

/** Whether `person`'s ordinary authenticated call from `address` is admitted (else the refusal). */
async function admitted(person: Person, address: string): Promise<true | string> {
  try {
    await auth(address).getMe({}, { headers: person.headers });
    return true;
  } catch (error) {
    const connectError = ConnectError.from(error);
    expect(connectError.code).toBe(Code.PermissionDenied);
    return connectError.rawMessage;
  }
}

describe("IP rule management", () => {
  it("creates, lists and deletes rules, storing each CIDR in canonical form", async () => {
    const owner = await signUp(harness.transport);
    const allow = await create(owner, { ruleType: "allow", cidr: HOME_NET, label: "office", appliesTo: "all" });
    expect(allow).toMatchObject({ ruleType: "allow", cidr: HOME_NET, label: "office", appliesTo: "all", createdBy: owner.id });
    expect(allow.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(allow.orgId).toMatch(/^[0-9a-f-]{36}$/);
    expect(allow.createdAt).toBeDefined();
    const bare = await create(owner, { ruleType: "deny", cidr: " 203.0.113.7 " });
    expect(bare).toMatchObject({ cidr: "203.0.113.7/32", label: "", appliesTo: "" });
    const v6 = await create(owner, { ruleType: "deny", cidr: "2001:DB8:BAD::/48" });
    expect(v6.cidr).toBe("2001:db8:bad::/48");
    expect((await list(owner)).map((r) => r.id)).toEqual([allow.id, bare.id, v6.id]);
    await org().deleteIpRule({ ruleId: bare.id }, { headers: owner.headers });
    expect((await list(owner)).map((r) => r.id)).toEqual([allow.id, v6.id]);
    const again = await rejection(org().deleteIpRule({ ruleId: bare.id }, { headers: owner.headers }));
    expect(again.code).toBe(Code.NotFound);
    expect(again.rawMessage).toBe(`no IP rule ${bare.id} in your organisation`);
  });

  it("refuses bad rule types, CIDRs, long labels, duplicates and malformed ids with a sentence", async () => {
    const owner = await signUp(harness.transport);
    const cases: [Record<string, string>, Code, string | RegExp][] = [
      [{ ruleType: "block", cidr: "192.0.2.0/24" }, Code.InvalidArgument, 'rule_type must be "allow" or "deny", got "block"'],
      [{ ruleType: "", cidr: "192.0.2.0/24" }, Code.InvalidArgument, 'rule_type must be "allow" or "deny", got ""'],
      [{ ruleType: "deny", cidr: "" }, Code.InvalidArgument, "cidr must be an IP address or CIDR, got an empty value"],
      [{ ruleType: "deny", cidr: "office" }, Code.InvalidArgument, 'cidr "office" is not an IPv4 or IPv6 address or CIDR'],
      [{ ruleType: "deny", cidr: "192.0.2.0/33" }, Code.InvalidArgument, /prefix length "33"; it must be 0-32 for IPv4/],
      [{ ruleType: "deny", cidr: "192.0.2.0/24", label: "x".repeat(201) }, Code.InvalidArgument, "label must be at most 200 characters, got 201"],
      [{ ruleType: "deny", cidr: "192.0.2.0/24", appliesTo: "y".repeat(201) }, Code.InvalidArgument, "applies_to must be at most 200 characters, got 201"],
    ];
    for (const [rule, code, message] of cases) {
      const error = await rejection(org().createIpRule(rule, { headers: owner.headers }));
      expect(error.code, JSON.stringify(rule)).toBe(code);
      expect(error.rawMessage).toMatch(message);
    }
    await create(owner, { ruleType: "deny", cidr: "192.0.2.0/24", label: "é".repeat(200) });
    const duplicate = await rejection(org().createIpRule({ ruleType: "deny", cidr: "192.0.2.0/24" }, { headers: owner.headers }));
    expect(duplicate.code).toBe(Code.AlreadyExists);
    expect(duplicate.rawMessage).toBe("your organisation already has a deny rule for 192.0.2.0/24");
    const badId = await rejection(org().deleteIpRule({ ruleId: "rule-1" }, { headers: owner.headers }));
    expect(badId.code).toBe(Code.InvalidArgument);
  });

  it("lets owners and admins manage rules, and members only list them", async () => {
    const owner = await signUp(harness.transport);
    const admin = await invitedMember(harness.transport, owner, "admin");
    const member = await invitedMember(harness.transport, owner, "member");
    const rule = await create(admin, { ruleType: "deny", cidr: "192.0.2.0/24" });
    expect((await list(member)).map((r) => r.id)).toEqual([rule.id]);
    for (const call of [
      () => org().createIpRule({ ruleType: "deny", cidr: "192.0.3.0/24" }, { headers: member.headers }),
      () => org().deleteIpRule({ ruleId: rule.id }, { headers: member.headers }),
    ]) {
      const error = await rejection(call());
      expect(error.code).toBe(Code.PermissionDenied);
      expect(error.rawMessage).toBe("only owners and admins manage IP rules");
    }
    await org().deleteIpRule({ ruleId: rule.id }, { headers: admin.headers });
    expect(await list(owner)).toEqual([]);
  });

  it("keeps organisations apart: another organisation's rule is not listed and is 404 to delete", async () => {
    const first = await signUp(harness.transport);
    const second = await signUp(harness.transport);
    const rule = await create(first, { ruleType: "deny", cidr: "192.0.2.0/24" });
    expect(await list(second)).toEqual([]);
    const error = await rejection(org().deleteIpRule({ ruleId: rule.id }, { headers: second.headers }));
    expect(error.code).toBe(Code.NotFound);
    expect((await list(first)).map((r) => r.id)).toEqual([rule.id]);
    // Nor does the first organisation's deny rule touch the second's people.
    expect(await admitted(second, "192.0.2.9")).toBe(true);
  });

  it("writes ip_rule.create and ip_rule.delete to the audit log with the caller's address", async () => {
    const owner = await signUp(harness.transport);
    const rule = await create(owner, { ruleType: "deny", cidr: "192.0.2.0/24", label: "scanner" });
    await org().deleteIpRule({ ruleId: rule.id }, { headers: owner.headers });
    const rows: { action: string; actor_id: string; resource_type: string; resource_id: string; details: unknown; ip_address: string }[] =
      await harness.database.dataSource.query(
        `SELECT "action", "actor_id", "resource_type", "resource_id", "details", "ip_address" FROM "clawkeep_audit_events" WHERE "resource_id" = $1 ORDER BY "pos"`,
        [rule.id],
      );
    const expected = { actor_id: owner.id, resource_type: "ip_rule", resource_id: rule.id, details: { rule_type: "deny", cidr: "192.0.2.0/24", label: "scanner" }, ip_address: HOME };
    expect(rows).toEqual([
      { action: "ip_rule.create", ...expected },
      { action: "ip_rule.delete", ...expected },
    ]);
  });
});

describe("IP rule enforcement", () => {
  it("refuses every authenticated call from an address a deny rule matches, for everyone in the organisation", async () => {
    const owner = await signUp(harness.transport);
    const member = await invitedMember(harness.transport, owner, "member");
    await create(owner, { ruleType: "deny", cidr: "203.0.113.0/24" });
    for (const person of [owner, member]) {
      expect(await admitted(person, "203.0.113.5")).toBe("your address 203.0.113.5 is blocked by an IP rule of your organisation");
      expect(await admitted(person, "192.0.2.1")).toBe(true);
    }
    // Every method goes through the same check, not just one service.
    const error = await rejection(org("203.0.113.5").listIpRules({}, { headers: owner.headers }));
    expect(error.code).toBe(Code.PermissionDenied);
    // Public methods need no credential, so there is nothing to check them against.
    expect((await auth("203.0.113.5").getJwtPublicKey({})).publicKeyBase64).toBeTruthy();
  });

  it("admits only addresses some allow rule matches once one exists", async () => {
    const owner = await signUp(harness.transport);
    expect(await admitted(owner, "192.0.2.1")).toBe(true);
    await create(owner, { ruleType: "allow", cidr: HOME_NET });
    expect(await admitted(owner, "198.51.100.77")).toBe(true);
    expect(await admitted(owner, "192.0.2.1")).toBe("your address 192.0.2.1 is not in your organisation's IP allow list");
    // A call whose address is unknown matches no allow rule.
    expect(await admitted(owner, "")).toBe("your address (unknown) is not in your organisation's IP allow list");
  });

  it("lets deny win over allow", async () => {
    const owner = await signUp(harness.transport);
    await create(owner, { ruleType: "allow", cidr: HOME_NET });
    await create(owner, { ruleType: "deny", cidr: "198.51.100.128/25" });
    expect(await admitted(owner, "198.51.100.200")).toBe("your address 198.51.100.200 is blocked by an IP rule of your organisation");
    expect(await admitted(owner, "198.51.100.20")).toBe(true);
  });

  it("matches IPv6 ranges, and IPv4-mapped IPv6 addresses as IPv4", async () => {
    const owner = await signUp(harness.transport);
    await create(owner, { ruleType: "deny", cidr: "2001:db8:bad::/48" });
    await create(owner, { ruleType: "deny", cidr: "203.0.113.0/24" });
    expect(await admitted(owner, "2001:db8:bad::1")).toBe("your address 2001:db8:bad::1 is blocked by an IP rule of your organisation");
    expect(await admitted(owner, "2001:db8:600d::1")).toBe(true);
    expect(await admitted(owner, "::ffff:203.0.113.5")).toBe("your address 203.0.113.5 is blocked by an IP rule of your organisation");
  });

  it("takes effect on the next request of every server sharing the services, and is undone by deleting", async () => {
    const owner = await signUp(harness.transport);
    const other = harness.mount({
      env: NO_RATE_LIMIT,
      interceptors: (built) => [(next) => (req) => (req.contextValues.set(peerAddressKey, "192.0.2.50"), next(req)), ...built],
    });
    const getMe = () => createClient(AuthService, other.transport).getMe({}, { headers: owner.headers });
    await getMe(); // loads the (empty) rules into the cache
    const rule = await create(owner, { ruleType: "deny", cidr: "192.0.2.0/24" });
    expect((await rejection(getMe())).code).toBe(Code.PermissionDenied);
    await org().deleteIpRule({ ruleId: rule.id }, { headers: owner.headers });
    await expect(getMe()).resolves.toBeDefined();
  });
});

describe("lock-out protection", () => {
  it("refuses an allow rule that leaves out the caller's own address", async () => {
    const owner = await signUp(harness.transport);
    const error = await rejection(org().createIpRule({ ruleType: "allow", cidr: "192.0.2.0/24" }, { headers: owner.headers }));
    expect(error.code).toBe(Code.AlreadyExists);
    expect(error.rawMessage).toBe(
      `this allow rule would lock you out: your own address ${HOME} would be refused (no allow rule would match it); add an allow rule for your address first`,
    );
    // With the caller's network allowed first, the second allow rule is fine.
    await create(owner, { ruleType: "allow", cidr: HOME_NET });
    await create(owner, { ruleType: "allow", cidr: "192.0.2.0/24" });
    expect(await list(owner)).toHaveLength(2);
  });

  it("refuses a deny rule that contains the caller's own address", async () => {
    const owner = await signUp(harness.transport);
    for (const cidr of [HOME, HOME_NET, "0.0.0.0/0"]) {
      const error = await rejection(org().createIpRule({ ruleType: "deny", cidr }, { headers: owner.headers }));
      expect(error.code, cidr).toBe(Code.AlreadyExists);
      expect(error.rawMessage).toMatch(/^this deny rule would lock you out: your own address 198\.51\.100\.10 would be refused \(a deny rule would match it\)/);
    }
    expect(await list(owner)).toEqual([]);
  });

  it("refuses to delete the allow rule the caller depends on while other allow rules remain", async () => {
    const owner = await signUp(harness.transport);
    const home = await create(owner, { ruleType: "allow", cidr: HOME_NET });
    const elsewhere = await create(owner, { ruleType: "allow", cidr: "192.0.2.0/24" });
    const error = await rejection(org().deleteIpRule({ ruleId: home.id }, { headers: owner.headers }));
    expect(error.code).toBe(Code.AlreadyExists);
    expect(error.rawMessage).toMatch(/^deleting this rule would lock you out/);
    await org().deleteIpRule({ ruleId: elsewhere.id }, { headers: owner.headers });
    // The last allow rule may go: without allow rules every address is admitted again.
    await org().deleteIpRule({ ruleId: home.id }, { headers: owner.headers });
    expect(await admitted(owner, "192.0.2.1")).toBe(true);
  });

  it("protects only the caller: a rule may lock out another admin's address", async () => {
    const owner = await signUp(harness.transport);
    const admin = await invitedMember(harness.transport, owner, "admin");
    await create(owner, { ruleType: "deny", cidr: "192.0.2.0/24" });
    expect(await admitted(admin, "192.0.2.1")).toMatch(/is blocked by an IP rule/);
  });
});

describe("the rule cache", () => {
  it("answers from memory, and another instance drops its copy on the change's bus event", async () => {
    const owner = await signUp(harness.transport);
    const [{ org_id: orgId }]: { org_id: string }[] = await harness.database.dataSource.query(`SELECT "org_id" FROM "clawkeep_memberships" WHERE "user_id" = $1`, [owner.id]);
    const principal = { type: "user" as const, id: owner.id, orgId, role: "owner" as const };
    // A second instance in this process: its own bus and gate, with no NOTIFY fast path, so only
    // the durable bus event can tell it about changes.
    const logger = pino({ level: "silent" });
    const bus = new EventBus(harness.database, { logger, pollIntervalMs: 100 });
    await bus.start();
    try {
      const gate = new IpRuleGate({ dataSource: harness.database.dataSource, bus, listen: async () => async () => undefined, logger });
      await gate.start();
      await gate.assertAdmitted(principal, "192.0.2.1");
      // Changed behind its back (no event): the cached rules still apply.
      await harness.database.dataSource.query(
        `INSERT INTO "clawkeep_ip_rules" ("org_id", "rule_type", "cidr", "created_by") VALUES ($1, 'deny', '192.0.2.0/24', $2)`,
        [orgId, owner.id],
      );
      await gate.assertAdmitted(principal, "192.0.2.1");
      await bus.publishNow(IP_RULES_TOPIC, {}, orgId);
      const deadline = Date.now() + 5000;
      let refusal: unknown;
      while (!refusal && Date.now() < deadline) {
        refusal = await gate.assertAdmitted(principal, "192.0.2.1").then(
          () => undefined,
          (error: unknown) => error,
        );
        if (!refusal) await new Promise((r) => setTimeout(r, 20));
      }
      expect(String(refusal)).toMatch(/192\.0\.2\.1 is blocked by an IP rule/);
    } finally {
      await bus.close();
    }
  });
});
