// The REST route table built from the contract, checked against the 68 operations of
// shared/reference/rest-surface.md and its compatibility aliases: every route is bound to exactly
// one RPC, with the reference's success status and auth, and no route shadows another.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLAWKEEP_SERVICES } from "../../src/api/services.js";
import { Access, accessOf } from "../../src/server/method-options.js";
import { matchTemplate } from "../../src/server/rest/route-template.js";
import { buildRestRoutes, type RestRoute } from "../../src/server/rest/routes.js";

const REFERENCE = fileURLToPath(new URL("../../../shared/reference/rest-surface.md", import.meta.url));

interface Operation {
  httpMethod: string;
  route: string;
  operationId: string;
  auth: string;
  statuses: number[];
}

/** Rows of the "Operations in scope" table: | area | `METHOD /route` | operationId | auth | statuses |. */
function readOperations(): Operation[] {
  const text = readFileSync(REFERENCE, "utf8");
  const section = text.split(/^## Operations in scope.*$/m)[1]?.split(/^## /m)[0] ?? "";
  const operations: Operation[] = [];
  for (const line of section.split("\n")) {
    const row = /^\|\s*[^|]+\|\s*`(GET|POST|PUT|PATCH|DELETE) ([^`]+)`\s*\|\s*([A-Za-z]+)\s*\|\s*([^|]+)\|\s*([\d,\s]+)\|\s*$/.exec(line);
    if (!row) continue;
    operations.push({
      httpMethod: row[1],
      route: row[2],
      operationId: row[3],
      auth: row[4].trim(),
      statuses: row[5].split(",").map((s) => Number(s.trim())),
    });
  }
  return operations;
}

const OPERATIONS = readOperations();
const ROUTES = buildRestRoutes(CLAWKEEP_SERVICES);

/** Concrete values for the variables of reference routes. */
const SAMPLES: Record<string, string> = {
  path: "api-keys/prod/openai",
  version: "3",
  chain: "ethereum",
  identifier: "base",
};
const sampleUuid = (name: string) => {
  // A distinct, valid UUID per variable name, so a swapped binding would show.
  const hex = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7).toString(16).padStart(12, "0").slice(-12);
  return `00000000-0000-4000-8000-${hex}`;
};
const sampleFor = (name: string) => SAMPLES[name] ?? sampleUuid(name);

function sampleUrl(route: string): { url: string; expected: Map<string, string> } {
  const expected = new Map<string, string>();
  const url = route.replace(/\{([a-z_]+)(?:=[^}]*)?\}/g, (_, name: string) => {
    const value = sampleFor(name);
    expected.set(name, value);
    return value;
  });
  return { url, expected };
}

/** The route the transcoder picks for a call: the most specific template of that method that matches. */
function resolve(httpMethod: string, url: string): { route: RestRoute; values: Map<string, string> } | undefined {
  for (const route of ROUTES) {
    if (route.httpMethod !== httpMethod) continue;
    const values = matchTemplate(route.template, url);
    if (values) return { route, values };
  }
  return undefined;
}

/** Every route of that method whose template matches the URL, most specific first. */
function allMatches(httpMethod: string, url: string): RestRoute[] {
  return ROUTES.filter((r) => r.httpMethod === httpMethod && matchTemplate(r.template, url) !== undefined);
}

/** operationIds whose RPC is not the operationId with a capital first letter. */
const RPC_NAMES: Record<string, string> = {
  agentToken: "ExchangeAgentToken",
  apiKeyToken: "ExchangeApiKeyToken",
  openidConfiguration: "GetOpenidConfiguration",
  jwks: "GetJwks",
  healthCheck: "GetHealth",
};
const rpcNameOf = (operationId: string) => RPC_NAMES[operationId] ?? operationId[0].toUpperCase() + operationId.slice(1);

function expectedStatuses(statuses: number[]): number[] {
  if (statuses.includes(201)) return statuses.includes(200) ? [200, 201] : [201];
  if (statuses.includes(204)) return [204];
  return [200];
}

const ALIASES: { httpMethod: string; route: string; rpc: string; status: number; variable?: string }[] = [
  { httpMethod: "POST", route: "/v1/shares", rpc: "CreateShare", status: 201 },
  { httpMethod: "GET", route: "/v1/shares", rpc: "ListOutboundShares", status: 200 },
  { httpMethod: "GET", route: "/v1/shares/{id}", rpc: "AccessShare", status: 200, variable: "share_id" },
  { httpMethod: "DELETE", route: "/v1/shares/{id}", rpc: "RevokeShare", status: 204, variable: "share_id" },
  { httpMethod: "POST", route: "/v1/shares/{id}/access", rpc: "AccessShare", status: 200, variable: "share_id" },
  { httpMethod: "GET", route: "/v1/audit", rpc: "QueryAuditEvents", status: 200 },
];

/**
 * Routes beyond the 68 in scope: Clawkeep's own (enrollment review and claim, organisation
 * settings, pending invitations, who could use a path), not in the 1Claw reference; and 1Claw
 * operations of its OpenAPI that rest-surface.md leaves out of scope but the console needs
 * (getSigningKeyBalance, on 1Claw's path).
 */
const CLAWKEEP_ADDITIONS = [
  "POST /v1/agents/enroll/{enrollment_id}/claim",
  "GET /v1/enrollments",
  "GET /v1/enrollments/{enrollment_id}",
  "POST /v1/enrollments/{enrollment_id}/approve",
  "POST /v1/enrollments/{enrollment_id}/deny",
  "GET /v1/org/settings",
  "PATCH /v1/org/settings",
  "GET /v1/org/invitations",
  "DELETE /v1/org/invitations/{invitation_id}",
  "GET /v1/vaults/{vault_id}/access",
  "GET /v1/agents/{agent_id}/signing-keys/{chain}/balance",
];

describe("the reference table", () => {
  it("lists the 68 operations in scope, each once", () => {
    expect(OPERATIONS).toHaveLength(68);
    expect(new Set(OPERATIONS.map((o) => o.operationId)).size).toBe(68);
    expect(new Set(OPERATIONS.map((o) => `${o.httpMethod} ${o.route}`)).size).toBe(68);
  });
});

describe("buildRestRoutes(CLAWKEEP_SERVICES)", () => {
  it.each(OPERATIONS.map((o) => [`${o.httpMethod} ${o.route}`, o] as const))("binds %s to its RPC", (_, operation) => {
    const { url, expected } = sampleUrl(operation.route);
    const resolved = resolve(operation.httpMethod, url);
    expect(resolved, `no route serves ${operation.httpMethod} ${url}`).toBeDefined();
    const { route, values } = resolved!;
    expect(route.method.name).toBe(rpcNameOf(operation.operationId));
    // Every variable of the reference route is bound, to exactly the value in the URL.
    expect(values).toEqual(expected);
    if (expected.has("path")) expect(route.template.variables.find((v) => v.fieldPath === "path")?.multiSegment).toBe(true);
    // Exactly one RPC: no other route of this method matches as specifically (no tie broken by name).
    const [first, second] = allMatches(operation.httpMethod, url);
    expect(first).toBe(route);
    if (second) {
      const tie = second.template.literalCount === first.template.literalCount && second.template.wildcardCount === first.template.wildcardCount;
      expect(tie, `${operation.httpMethod} ${url} matches ${first.template.source} and ${second.template.source} equally`).toBe(false);
    }
    expect(expectedStatuses(operation.statuses)).toContain(route.successStatus);
    expect(accessOf(route.method) === Access.PUBLIC, `auth of ${operation.operationId} is "${operation.auth}"`).toBe(operation.auth.startsWith("public"));
  });

  it("routes secret paths of any depth with the version bound last", () => {
    const vault = sampleUuid("vault_id");
    for (const path of ["openai", "a/b", "a/b/c/d/e", "v1/secrets/x", "db:primary/2024.json"]) {
      const get = resolve("GET", `/v1/vaults/${vault}/secrets/${path}`);
      expect(get?.route.method.name).toBe("GetSecret");
      expect(get?.values.get("path")).toBe(path);
      const version = resolve("GET", `/v1/vaults/${vault}/secret-version/${path}/7`);
      expect(version?.route.method.name).toBe("GetSecretVersion");
      expect(Object.fromEntries(version!.values)).toEqual({ vault_id: vault, path, version: "7" });
      const disable = resolve("POST", `/v1/vaults/${vault}/secret-version-disable/${path}/2`);
      expect(disable?.route.method.name).toBe("DisableSecretVersion");
      expect(disable?.values.get("path")).toBe(path);
    }
    expect(resolve("GET", `/v1/vaults/${vault}/secrets`)?.route.method.name).toBe("ListSecrets");
  });

  it("prefers literal routes over variables that would also match", () => {
    expect(resolve("GET", "/v1/agents/me")?.route.method.name).toBe("GetAgentSelf");
    expect(resolve("GET", `/v1/agents/${sampleUuid("a")}`)?.route.method.name).toBe("GetAgent");
    expect(resolve("GET", "/v1/shares/outbound")?.route.method.name).toBe("ListOutboundShares");
    expect(resolve("GET", "/v1/shares/inbound")?.route.method.name).toBe("ListInboundShares");
    expect(resolve("GET", `/v1/shares/${sampleUuid("s")}`)?.route.method.name).toBe("AccessShare");
    expect(resolve("POST", "/v1/agents/enroll")?.route.method.name).toBe("EnrollAgent");
  });

  it.each(ALIASES.map((a) => [`${a.httpMethod} ${a.route}`, a] as const))("binds the compatibility alias %s", (_, alias) => {
    const url = alias.route.replace("{id}", sampleUuid("id"));
    const resolved = resolve(alias.httpMethod, url);
    expect(resolved?.route.method.name).toBe(alias.rpc);
    expect(resolved?.route.successStatus).toBe(alias.status);
    if (alias.variable) expect(resolved?.values.get(alias.variable)).toBe(sampleUuid("id"));
    else expect(resolved?.values.size).toBe(0);
  });

  it("serves POST /v1/shares with the whole body, so vault_id and secret_path address the secret", () => {
    const route = resolve("POST", "/v1/shares")!.route;
    expect(route.body).toBe("*");
    expect(route.responseBody).toBe("share");
    for (const field of ["vault_id", "secret_path", "recipient_type", "email", "expires_in_hours", "max_views", "passphrase"]) {
      expect(route.method.input.fields.map((f) => f.name)).toContain(field);
    }
  });

  it("serves exactly the reference routes, the aliases and Clawkeep's own routes", () => {
    const reference = OPERATIONS.map((o) => `${o.httpMethod} ${sampleUrl(o.route).url}`);
    const aliases = ALIASES.map((a) => `${a.httpMethod} ${a.route.replace("{id}", sampleUuid("share_id"))}`);
    const additions = CLAWKEEP_ADDITIONS.map((r) => {
      const [method, route] = r.split(" ");
      return `${method} ${sampleUrl(route).url}`;
    });
    const expected = new Set([...reference, ...aliases, ...additions]);
    // Each route's own sample URL must be one of the expected calls.
    const served = ROUTES.map((r) => `${r.httpMethod} ${sampleUrl(r.template.source).url}`);
    expect(served.filter((s) => !expected.has(s))).toEqual([]);
    expect([...expected].filter((e) => !served.includes(e))).toEqual([]);
    expect(ROUTES).toHaveLength(68 + ALIASES.length + CLAWKEEP_ADDITIONS.length);
  });

  it("has no two routes that collide: each route's own URLs reach it", () => {
    const keys = ROUTES.map((r) => `${r.httpMethod} ${r.template.regex.source}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const route of ROUTES) {
      const { url } = sampleUrl(route.template.source);
      const matches = allMatches(route.httpMethod, url);
      expect(matches[0], `${route.httpMethod} ${url} should reach ${route.template.source}`).toBe(route);
      const rival = matches[1];
      if (rival) {
        const tie = rival.template.literalCount === route.template.literalCount && rival.template.wildcardCount === route.template.wildcardCount;
        expect(tie, `${route.template.source} and ${rival.template.source} tie on ${url}`).toBe(false);
      }
    }
  });

  it("gives only unary methods a route and leaves exactly the three streams without one", () => {
    const routed = new Set(ROUTES.map((r) => `${r.service.typeName}.${r.method.name}`));
    const unrouted = CLAWKEEP_SERVICES.flatMap((s) => s.methods.filter((m) => !routed.has(`${s.typeName}.${m.name}`)).map((m) => `${s.name}.${m.name}`));
    expect(unrouted.sort()).toEqual(["AgentService.WatchEnrollments", "AuditService.WatchAuditEvents", "AuthService.WatchFleetTokens"]);
    for (const route of ROUTES) expect(route.method.methodKind).toBe("unary");
  });

  it("uses 201 only for creates and secret PUTs, and 204 for deletes and body-less actions", () => {
    for (const route of ROUTES) {
      if (route.successStatus === 204) {
        expect(route.method.output.fields, `${route.method.name} answers 204 but its response has fields`).toHaveLength(0);
      }
      if (route.httpMethod === "DELETE") expect(route.successStatus, route.method.name).toBe(204);
      if (route.successStatus === 201) expect(route.method.name, route.template.source).toMatch(/^(Create|Put|Submit|Enroll)/);
    }
  });

  it("names only fields of the request in path variables and body, and only response fields in response_body", () => {
    for (const route of ROUTES) {
      const inputFields = new Set(route.method.input.fields.map((f) => f.name));
      for (const variable of route.template.variables) expect(inputFields, `${route.template.source}`).toContain(variable.fieldPath);
      if (route.body !== "" && route.body !== "*") expect(inputFields).toContain(route.body);
      if (route.responseBody !== "") expect(route.method.output.fields.map((f) => f.name)).toContain(route.responseBody);
    }
  });

  it("keeps GET and DELETE routes body-less", () => {
    for (const route of ROUTES.filter((r) => r.httpMethod === "GET" || r.httpMethod === "DELETE")) {
      expect(route.body, `${route.httpMethod} ${route.template.source}`).toBe("");
    }
  });

  it("rejects a contract that binds one route twice", () => {
    expect(() => buildRestRoutes([CLAWKEEP_SERVICES[0], CLAWKEEP_SERVICES[0]])).toThrow(/is bound twice/);
  });
});
