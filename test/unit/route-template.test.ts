// google.api.http path templates: compiling, matching raw URL paths, and ordering by specificity.
import { describe, expect, it } from "vitest";
import { compareSpecificity, compileTemplate, matchTemplate, PathDecodeError, RouteTemplateError, type RouteTemplate } from "../../src/server/rest/route-template.js";

const UUID = "3f1c2b4e-8a9d-4c7e-b1f0-123456789abc";

function match(template: string, path: string): Record<string, string> | undefined {
  const values = matchTemplate(compileTemplate(template), path);
  return values && Object.fromEntries(values);
}

describe("compileTemplate", () => {
  it("compiles literal-only templates that match exactly that path", () => {
    expect(match("/v1/health", "/v1/health")).toEqual({});
    expect(match("/v1/health", "/v1/health/x")).toBeUndefined();
    expect(match("/v1/health", "/v1/healthz")).toBeUndefined();
    expect(match("/v1/health", "/v1")).toBeUndefined();
    expect(match("/.well-known/jwks.json", "/.well-known/jwks.json")).toEqual({});
  });

  it("treats regex metacharacters in literals literally", () => {
    expect(match("/.well-known/jwks.json", "/.well-known/jwksXjson")).toBeUndefined();
    expect(match("/v1/a+b", "/v1/aab")).toBeUndefined();
    expect(match("/v1/a+b", "/v1/a+b")).toEqual({});
  });

  it("matches the root template only at the root", () => {
    expect(match("/", "/")).toEqual({});
    expect(match("/", "/v1")).toBeUndefined();
  });

  it("binds {var} to exactly one segment", () => {
    expect(match("/v1/vaults/{vault_id}", `/v1/vaults/${UUID}`)).toEqual({ vault_id: UUID });
    expect(match("/v1/vaults/{vault_id}", "/v1/vaults/a/b")).toBeUndefined();
    expect(match("/v1/vaults/{vault_id}", "/v1/vaults/")).toBeUndefined();
    expect(match("/v1/vaults/{vault_id}/policies/{policy_id}", "/v1/vaults/v1/policies/p2")).toEqual({ vault_id: "v1", policy_id: "p2" });
  });

  it("records variables in order with their dotted field paths and segment kinds", () => {
    const template = compileTemplate("/v1/{parent.id}/things/{name=**}");
    expect(template.variables).toEqual([
      { fieldPath: "parent.id", multiSegment: false },
      { fieldPath: "name", multiSegment: true },
    ]);
    expect(template.literalCount).toBe(2);
    expect(template.wildcardCount).toBe(1);
    expect(match("/v1/{parent.id}/things/{name=**}", "/v1/p/things/a/b")).toEqual({ "parent.id": "p", name: "a/b" });
  });

  it("binds {var=**} to one or more segments", () => {
    const t = "/v1/vaults/{vault_id}/secrets/{path=**}";
    expect(match(t, "/v1/vaults/v/secrets/openai")).toEqual({ vault_id: "v", path: "openai" });
    expect(match(t, "/v1/vaults/v/secrets/api-keys/openai")).toEqual({ vault_id: "v", path: "api-keys/openai" });
    expect(match(t, "/v1/vaults/v/secrets/a/secrets/b/c.txt")).toEqual({ vault_id: "v", path: "a/secrets/b/c.txt" });
    expect(match(t, "/v1/vaults/v/secrets")).toBeUndefined();
  });

  it("binds the segments after {path=**} first, so a secret path may have any depth", () => {
    const t = "/v1/vaults/{vault_id}/secret-version/{path=**}/{version}";
    expect(match(t, "/v1/vaults/v/secret-version/openai/3")).toEqual({ vault_id: "v", path: "openai", version: "3" });
    expect(match(t, "/v1/vaults/v/secret-version/api-keys/prod/openai/12")).toEqual({ vault_id: "v", path: "api-keys/prod/openai", version: "12" });
    // Path segments that look like versions stay in the path; only the last segment is the version.
    expect(match(t, "/v1/vaults/v/secret-version/1/2/3")).toEqual({ vault_id: "v", path: "1/2", version: "3" });
    // The path needs at least one segment of its own.
    expect(match(t, "/v1/vaults/v/secret-version/3")).toBeUndefined();
  });

  it("allows literal segments inside a variable pattern and counts them as literals", () => {
    const template = compileTemplate("/v1/{name=shelves/*}");
    expect(template.literalCount).toBe(2);
    expect(match("/v1/{name=shelves/*}", "/v1/shelves/s1")).toEqual({ name: "shelves/s1" });
    expect(match("/v1/{name=shelves/*}", "/v1/books/s1")).toBeUndefined();
    expect(match("/v1/{name=shelves/*}", "/v1/shelves/s1/x")).toBeUndefined();
  });

  it("supports bare * and ** segments that bind nothing", () => {
    expect(match("/v1/*/things", "/v1/abc/things")).toEqual({});
    expect(match("/v1/*/things", "/v1/a/b/things")).toBeUndefined();
    expect(match("/v1/**", "/v1/a/b/c")).toEqual({});
    expect(match("/v1/**", "/v1")).toBeUndefined();
    expect(compileTemplate("/v1/**").wildcardCount).toBe(1);
    expect(compileTemplate("/v1/*/things").wildcardCount).toBe(0);
  });

  it("supports a :verb suffix, which must be present to match", () => {
    const t = "/v1/operations/{name}:cancel";
    expect(match(t, "/v1/operations/op1:cancel")).toEqual({ name: "op1" });
    expect(match(t, "/v1/operations/op1")).toBeUndefined();
    expect(match(t, "/v1/operations/op1:delete")).toBeUndefined();
    expect(match("/v1/{name=**}:undelete", "/v1/a/b:undelete")).toEqual({ name: "a/b" });
    expect(compileTemplate(t).variables).toEqual([{ fieldPath: "name", multiSegment: false }]);
  });

  it("does not mistake a colon inside a variable pattern or an earlier segment for a verb", () => {
    expect(match("/v1/a:b/{id}", "/v1/a:b/x")).toEqual({ id: "x" });
    expect(match("/v1/vaults/{vault_id}/secrets/{path=**}", "/v1/vaults/v/secrets/db:primary")).toEqual({ vault_id: "v", path: "db:primary" });
  });

  it.each([
    ["v1/health", /must start with "\/"/],
    ["", /must start with "\/"/],
    ["/v1/{vault_id", /unclosed "\{"/],
    ["/v1/{VaultId}", /invalid variable name "VaultId"/],
    ["/v1/{1st}", /invalid variable name "1st"/],
    ["/v1/{}", /invalid variable name ""/],
    ["/v1/{a.}", /invalid variable name "a\."/],
    ["/v1/{a-b}", /invalid variable name "a-b"/],
    ["/v1//health", /empty segment/],
    ["/v1/health/", /ends with "\/"/],
    ["/v1/{a}b", /needs "\/" between segments/],
    ["/v1/{a=b/{c}}", /needs "\/" between segments/],
  ])("rejects the invalid template %j", (source, message) => {
    expect(() => compileTemplate(source)).toThrow(RouteTemplateError);
    expect(() => compileTemplate(source)).toThrow(message);
  });
});

describe("matchTemplate percent-decoding", () => {
  it("decodes each segment of a variable", () => {
    expect(match("/v1/vaults/{vault_id}", "/v1/vaults/my%20vault")).toEqual({ vault_id: "my vault" });
    expect(match("/v1/vaults/{vault_id}/secrets/{path=**}", "/v1/vaults/v/secrets/caf%C3%A9/%E2%9C%93%20ok")).toEqual({ vault_id: "v", path: "café/✓ ok" });
    expect(match("/v1/chains/{identifier}", "/v1/chains/base%2Bsepolia")).toEqual({ identifier: "base+sepolia" });
  });

  it("decodes an encoded slash inside a secret path, so a client that encodes the whole path reaches the same secret", () => {
    expect(match("/v1/vaults/{vault_id}/secrets/{path=**}", "/v1/vaults/v/secrets/api-keys%2Fopenai")).toEqual({ vault_id: "v", path: "api-keys/openai" });
  });

  it("matches literals against the raw path, never a decoded one", () => {
    expect(match("/v1/agents/me", "/v1/agents/m%65")).toBeUndefined();
  });

  it.each(["%zz", "%E2%9C", "abc%", "%"])("throws PathDecodeError for invalid percent-encoding %j", (segment) => {
    const template = compileTemplate("/v1/vaults/{vault_id}/secrets/{path=**}");
    expect(() => matchTemplate(template, `/v1/vaults/v/secrets/ok/${segment}`)).toThrow(PathDecodeError);
    expect(() => matchTemplate(template, `/v1/vaults/v/secrets/ok/${segment}`)).toThrow(`"${segment}" is not valid percent-encoding`);
  });

  it("does not decode a path that does not match at all", () => {
    expect(matchTemplate(compileTemplate("/v1/health"), "/v1/%zz")).toBeUndefined();
  });
});

describe("compareSpecificity", () => {
  const sorted = (...sources: string[]) => sources.map(compileTemplate).sort(compareSpecificity).map((t: RouteTemplate) => t.source);

  it("puts /v1/agents/me before /v1/agents/{agent_id}, whatever the input order", () => {
    expect(sorted("/v1/agents/{agent_id}", "/v1/agents/me")).toEqual(["/v1/agents/me", "/v1/agents/{agent_id}"]);
    expect(sorted("/v1/agents/me", "/v1/agents/{agent_id}")).toEqual(["/v1/agents/me", "/v1/agents/{agent_id}"]);
  });

  it("puts /v1/shares/outbound and /inbound before /v1/shares/{share_id}", () => {
    const order = sorted("/v1/shares/{share_id}", "/v1/shares/outbound", "/v1/shares/inbound");
    expect(order.indexOf("/v1/shares/{share_id}")).toBe(2);
    expect(order.slice(0, 2).sort()).toEqual(["/v1/shares/inbound", "/v1/shares/outbound"]);
  });

  it("prefers more literal segments, then fewer multi-segment wildcards", () => {
    expect(sorted("/v1/{a}/{b}", "/v1/x/{b}", "/v1/x/y")).toEqual(["/v1/x/y", "/v1/x/{b}", "/v1/{a}/{b}"]);
    expect(sorted("/v1/x/{rest=**}", "/v1/x/{one}")).toEqual(["/v1/x/{one}", "/v1/x/{rest=**}"]);
  });

  it("is a total, deterministic order: ties fall back to the source text and only equal templates compare equal", () => {
    const a = compileTemplate("/v1/a/{id}");
    const b = compileTemplate("/v1/b/{id}");
    expect(compareSpecificity(a, b)).toBeLessThan(0);
    expect(compareSpecificity(b, a)).toBeGreaterThan(0);
    expect(compareSpecificity(a, compileTemplate("/v1/a/{id}"))).toBe(0);
  });

  it("orders the real overlapping routes so the literal one is tried first", () => {
    const agentMe = compileTemplate("/v1/agents/me");
    const agent = compileTemplate("/v1/agents/{agent_id}");
    // Both match /v1/agents/me; the literal route must win.
    expect(matchTemplate(agent, "/v1/agents/me")).toEqual(new Map([["agent_id", "me"]]));
    const first = [agent, agentMe].sort(compareSpecificity).find((t) => matchTemplate(t, "/v1/agents/me"));
    expect(first?.source).toBe("/v1/agents/me");
  });
});
