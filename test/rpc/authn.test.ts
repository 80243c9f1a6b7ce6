// Authentication over the real routes and interceptors: every non-public RPC refuses callers
// without a valid credential, and public RPCs never fail because of one.
import { Code } from "@connectrpc/connect";
import type { DescMethod } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { HealthService } from "../../gen/ts/clawkeep/v1/health_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { CLAWKEEP_SERVICES } from "../../src/api/services.js";
import { capabilityOf } from "../../src/api/unimplemented.js";
import { Access, accessOf } from "../../src/server/method-options.js";
import { VERSION } from "../../src/version.js";
import { createHarness, failure, invoke, methodsOf, NO_RATE_LIMIT, type Harness, type Outcome } from "./harness.js";

const ALL = methodsOf(CLAWKEEP_SERVICES);
const PUBLIC = ALL.filter(({ method }) => accessOf(method) === Access.PUBLIC);
const PROTECTED = ALL.filter(({ method }) => accessOf(method) !== Access.PUBLIC);
const JUNK_TOKENS = ["garbage", "ocv_0123456789abcdef", "1ck_0123456789abcdef", "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln"];

/** The only two answers the authn interceptor gives: no credential, and a refused one. */
const NO_CREDENTIAL = "this call needs a credential: send Authorization: Bearer <token>";
const BAD_CREDENTIAL = "the bearer credential is invalid, expired or revoked";

// One server for the file, with the server's own verifiers, so the junk tokens below go through
// real signature checks. Its tests share one login limiter: they send Login three failing
// requests, under its five failures per email.
let harness: Harness;
beforeAll(async () => {
  harness = await createHarness({ env: NO_RATE_LIMIT });
});
afterAll(async () => {
  await harness?.close();
});

describe("non-public RPCs", () => {
  it("exist in every service but HealthService, and include the streams", () => {
    expect(PROTECTED.length).toBeGreaterThan(50);
    expect(PROTECTED.map((p) => p.label)).toEqual(expect.arrayContaining(["AgentService.WatchEnrollments", "AuditService.WatchAuditEvents"]));
  });

  it.each(PROTECTED.map((p) => [p.label, p.method] as const))("%s fails Unauthenticated without a credential", async (_, method) => {
    const error = await failure(harness.transport, method);
    expect(error.code).toBe(Code.Unauthenticated);
    expect(error.rawMessage).toBe(NO_CREDENTIAL);
  });

  it.each(PROTECTED.map((p) => [p.label, p.method] as const))("%s fails Unauthenticated with a junk bearer token", async (_, method) => {
    for (const token of JUNK_TOKENS) {
      const error = await failure(harness.transport, method, {}, { authorization: `Bearer ${token}` });
      expect(error.code, token).toBe(Code.Unauthenticated);
      expect(error.rawMessage).toBe(BAD_CREDENTIAL);
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
      expect(error.rawMessage, header).toBe(BAD_CREDENTIAL);
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

  /** What a call answered, reduced to what a token could change. */
  const answer = (outcome: Outcome) => (outcome.ok ? "ok" : { code: Code[outcome.error.code], message: outcome.error.rawMessage });
  const TOKEN_VARIANTS: Record<string, string>[] = [{}, { authorization: "Bearer junk" }, { authorization: "Basic xyz" }];

  /** Public methods whose capability has not landed yet, and the capability their 501 names. */
  const UNIMPLEMENTED_PUBLIC: readonly (readonly [DescMethod, string])[] = [];
  const unimplementedLabels: string[] = UNIMPLEMENTED_PUBLIC.map(([method]) => `${method.parent.name}.${method.name}`);

  /** Public methods implemented so far, and what they answer an empty request. */
  const EMPTY_REQUEST_ANSWERS: Record<string, unknown> = {
    "HealthService.GetHealth": "ok",
    "AuthService.GetJwks": "ok",
    "AuthService.GetJwtPublicKey": "ok",
    "AuthService.GetOpenidConfiguration": "ok",
    // Unauthenticated, but because the email and password are missing, not because of a token.
    "AuthService.Login": { code: "Unauthenticated", message: "email or password is incorrect" },
    "AuthService.Signup": { code: "InvalidArgument", message: "email is required" },
    "AuthService.ExchangeApiKeyToken": { code: "Unauthenticated", message: "the API key is not valid, has expired or was revoked" },
    "AuthService.ExchangeAgentToken": { code: "Unauthenticated", message: "api_key is not an agent API key (ocv_...)" },
    // The fleet stream: each credential authenticates itself, so an empty list is a bad request.
    "AuthService.WatchFleetTokens": { code: "InvalidArgument", message: "agents must list at least one agent" },
    // Neither a refresh token nor a valid Bearer of a session: nothing to refresh.
    "AuthService.RefreshToken": { code: "Unauthenticated", message: "send a refresh_token, or call with a valid Bearer access token" },
    // Self-enrollment: the agent side needs no credential, and a token does not stand in for a name or a claim token.
    "AgentService.EnrollAgent": { code: "InvalidArgument", message: "name must be 1 to 100 characters, got 0" },
    "AgentService.ClaimEnrollment": { code: "NotFound", message: "no enrollment matches this enrollment_id and claim_token" },
    // Sharing: a share is named by its id, and an empty one is a bad request (as an empty vault_id
    // or agent_id is elsewhere), not a lookup, nor a database error; a token does not stand in for it.
    "ShareService.AccessShare": { code: "InvalidArgument", message: "share_id must be a UUID" },
    // The chain registry is public; this server has none configured.
    "IntentService.ListChains": "ok",
    "IntentService.GetChain": {
      code: "NotFound",
      message: 'no chain "" is configured; set CLAWKEEP_CHAINS to a JSON file listing them, e.g. [{"name":"base","chain_id":8453,"rpc_url":"https://..."}]',
    },
  };

  // Each Login here is a failed sign-in for the empty email: three of the five the limiter allows.
  // A capability that lands moves its methods from UNIMPLEMENTED_PUBLIC to EMPTY_REQUEST_ANSWERS.
  it("are each either pinned to their empty-request answer or listed as not implemented yet", () => {
    expect(PUBLIC.map((p) => p.label).filter((label) => !(label in EMPTY_REQUEST_ANSWERS) && !unimplementedLabels.includes(label))).toEqual([]);
    expect(Object.keys(EMPTY_REQUEST_ANSWERS).filter((label) => unimplementedLabels.includes(label))).toEqual([]);
  });

  it.each(PUBLIC.map((p) => [p.label, p.method] as const))("%s never fails because of an absent or junk token", async (label, method) => {
    const answers = [];
    for (const headers of TOKEN_VARIANTS) {
      const outcome = await invoke(harness.transport, method, {}, headers);
      if (!outcome.ok) expect([NO_CREDENTIAL, BAD_CREDENTIAL], JSON.stringify(headers)).not.toContain(outcome.error.rawMessage);
      answers.push(answer(outcome));
    }
    // The token changes nothing: without one, with a junk one and with another scheme alike.
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    const [first] = answers;
    if (label in EMPTY_REQUEST_ANSWERS) {
      expect(first).toEqual(EMPTY_REQUEST_ANSWERS[label]);
    } else if (typeof first === "object" && first.code === Code[Code.Unimplemented]) {
      // Not implemented yet: then it says which capability will provide it, and that is a
      // description, not the bare service name fallback.
      expect(first.message).toBe(`${method.name} belongs to ${capabilityOf(method)}, which this Clawkeep server does not provide yet`);
      expect(capabilityOf(method)).not.toBe(method.parent.name);
    }
  });

  it("name the capability that will provide them while they are not implemented", async () => {
    for (const [method, capability] of UNIMPLEMENTED_PUBLIC) {
      const error = await failure(harness.transport, method);
      expect(error.code, method.name).toBe(Code.Unimplemented);
      expect(error.rawMessage).toContain(capability);
    }
  });

  it("stream WatchFleetTokens needs no Bearer: a wrong key is an error event for its agent, never Unauthenticated", async () => {
    for (const headers of [{}, { authorization: "Bearer junk" }] as Record<string, string>[]) {
      const outcome = await invoke(harness.transport, AuthService.method.watchFleetTokens, { agents: [{ agentId: "00000000-0000-4000-8000-000000000001", apiKey: "ocv_x" }] }, headers);
      expect(outcome).toEqual({
        ok: true,
        messages: [expect.objectContaining({ agentId: "00000000-0000-4000-8000-000000000001", event: "error", detail: "api_key is not an agent API key (ocv_...)" })],
      });
    }
  });

  it("GetHealth answers with or without a (junk) token", async () => {
    for (const headers of [{}, { authorization: "Bearer junk" }] as Record<string, string>[]) {
      const outcome = await invoke(harness.transport, HealthService.method.getHealth, {}, headers);
      expect(outcome).toEqual({ ok: true, messages: [expect.objectContaining({ status: "healthy", version: VERSION })] });
    }
  });
});
