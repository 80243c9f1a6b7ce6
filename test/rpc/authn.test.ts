// Authentication over the real routes and interceptors: every non-public RPC refuses callers
// without a valid credential, and public RPCs never fail because of one.
import { Code } from "@connectrpc/connect";
import { beforeEach, describe, expect, it } from "vitest";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { HealthService } from "../../gen/ts/clawkeep/v1/health_pb.js";
import { IntentService } from "../../gen/ts/clawkeep/v1/intents_pb.js";
import { ShareService } from "../../gen/ts/clawkeep/v1/sharing_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { CLAWKEEP_SERVICES } from "../../src/api/services.js";
import { capabilityOf } from "../../src/api/unimplemented.js";
import { Access, accessOf } from "../../src/server/method-options.js";
import { VERSION } from "../../src/version.js";
import { createHarness, failure, invoke, methodsOf, NO_RATE_LIMIT, type Harness } from "./harness.js";

const ALL = methodsOf(CLAWKEEP_SERVICES);
const PUBLIC = ALL.filter(({ method }) => accessOf(method) === Access.PUBLIC);
const PROTECTED = ALL.filter(({ method }) => accessOf(method) !== Access.PUBLIC);
const JUNK_TOKENS = ["garbage", "ocv_0123456789abcdef", "1ck_0123456789abcdef", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"];

let harness: Harness;
beforeEach(() => {
  harness = createHarness({ env: NO_RATE_LIMIT });
});

describe("non-public RPCs", () => {
  it("exist in every service but HealthService, and include the streams", () => {
    expect(PROTECTED.length).toBeGreaterThan(50);
    expect(PROTECTED.map((p) => p.label)).toEqual(expect.arrayContaining(["AgentService.WatchEnrollments", "AuditService.WatchAuditEvents"]));
  });

  it.each(PROTECTED.map((p) => [p.label, p.method] as const))("%s fails Unauthenticated without a credential", async (_, method) => {
    const error = await failure(harness.transport, method);
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toBe("this call needs a credential: send Authorization: Bearer <token>");
  });

  it.each(PROTECTED.map((p) => [p.label, p.method] as const))("%s fails Unauthenticated with a junk bearer token", async (_, method) => {
    for (const token of JUNK_TOKENS) {
      const error = await failure(harness.transport, method, {}, { authorization: `Bearer ${token}` });
      expect(error.code, token).toBe(Code.Unauthenticated);
      expect(error.rawMessage).toBe("the bearer credential is invalid, expired or revoked");
      // The credential is never echoed back.
      expect(error.message).not.toContain(token);
    }
  });

  it.each(["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer a b", "Token abc", "abc"])("treats the Authorization header %j as no credential", async (header) => {
    const error = await failure(harness.transport, VaultService.method.listVaults, {}, { authorization: header });
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toMatch(/needs a credential/);
  });

  it("accepts the bearer scheme in any case and surrounding blanks (and then verifies the token)", async () => {
    for (const header of ["bearer junk", "BEARER junk", "  Bearer   junk  "]) {
      const error = await failure(harness.transport, VaultService.method.listVaults, {}, { authorization: header });
      expect(error.rawMessage, header).toBe("the bearer credential is invalid, expired or revoked");
    }
  });

  it("authenticates before validating, so a bad identifier from an anonymous caller is still Unauthenticated", async () => {
    const error = await failure(harness.transport, VaultService.method.getVault, { vaultId: "not-a-uuid" });
    expect(error.code).toBe(Code.Unauthenticated);
  });
});

describe("public RPCs", () => {
  it("are exactly the ones the reference calls public, plus Clawkeep's public claim and fleet stream", () => {
    expect(PUBLIC.map((p) => p.label).sort()).toEqual(
      [
        "AgentService.ClaimEnrollment",
        "AgentService.EnrollAgent",
        "AuthService.ExchangeAgentToken",
        "AuthService.ExchangeApiKeyToken",
        "AuthService.GetJwks",
        "AuthService.GetJwtPublicKey",
        "AuthService.GetOpenidConfiguration",
        "AuthService.Login",
        "AuthService.RefreshToken",
        "AuthService.Signup",
        "AuthService.WatchFleetTokens",
        "HealthService.GetHealth",
        "IntentService.GetChain",
        "IntentService.ListChains",
        "ShareService.AccessShare",
      ].sort(),
    );
  });

  const UNIMPLEMENTED_PUBLIC = PUBLIC.filter(({ method }) => method !== HealthService.method.getHealth);

  it.each(UNIMPLEMENTED_PUBLIC.map((p) => [p.label, p.method] as const))("%s answers Unimplemented naming its capability, with or without a token", async (_, method) => {
    for (const headers of [{}, { authorization: "Bearer junk" }, { authorization: "Basic xyz" }] as Record<string, string>[]) {
      const error = await failure(harness.transport, method, {}, headers);
      expect(error.code, JSON.stringify(headers)).toBe(Code.Unimplemented);
      expect(error.rawMessage).toBe(`${method.name} belongs to ${capabilityOf(method)}, which this Clawkeep server does not provide yet`);
      // The capability is a description, not the bare service name fallback.
      expect(capabilityOf(method)).not.toBe(method.parent.name);
    }
  });

  it("name the capability that will provide them", async () => {
    const cases = [
      [AuthService.method.login, "identity (sign-up, sign-in, sessions and personal API keys)"],
      [AuthService.method.exchangeAgentToken, "agents (token exchange)"],
      [AuthService.method.watchFleetTokens, "agents (fleet token refresh)"],
      [AgentService.method.enrollAgent, "self-enrollment"],
      [AgentService.method.claimEnrollment, "self-enrollment"],
      [IntentService.method.listChains, "the Intents API (chains, signing keys and transactions)"],
      [ShareService.method.accessShare, "sharing secrets"],
    ] as const;
    for (const [method, capability] of cases) {
      const error = await failure(harness.transport, method);
      expect(error.rawMessage).toContain(capability);
    }
  });

  it("stream WatchFleetTokens fails Unimplemented when iterated, never Unauthenticated", async () => {
    for (const headers of [{}, { authorization: "Bearer junk" }] as Record<string, string>[]) {
      const outcome = await invoke(harness.transport, AuthService.method.watchFleetTokens, { agents: [{ agentId: "00000000-0000-4000-8000-000000000001", apiKey: "ocv_x" }] }, headers);
      expect(outcome.ok).toBe(false);
      if (!outcome.ok) expect(outcome.error.code).toBe(Code.Unimplemented);
    }
  });

  it("GetHealth answers with or without a (junk) token", async () => {
    for (const headers of [{}, { authorization: "Bearer junk" }] as Record<string, string>[]) {
      const outcome = await invoke(harness.transport, HealthService.method.getHealth, {}, headers);
      expect(outcome).toEqual({ ok: true, messages: [expect.objectContaining({ status: "healthy", version: VERSION })] });
    }
  });
});
