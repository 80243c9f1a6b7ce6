// Access kinds and identifier validation behind a valid credential. The real routes and chain,
// with the authn interceptor given test verifiers in place of the server's, so that callers of
// each kind exist without signing anyone up.
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { HealthService } from "../../gen/ts/clawkeep/v1/health_pb.js";
import { IntentService } from "../../gen/ts/clawkeep/v1/intents_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { CLAWKEEP_SERVICES } from "../../src/api/services.js";
import { capabilityOf } from "../../src/api/unimplemented.js";
import type { CredentialVerifier, Principal } from "../../src/domain/identity/principal.js";
import { authnInterceptor } from "../../src/interceptors/authn.js";
import { Access, accessOf } from "../../src/server/method-options.js";
import { createHarness, failure, invoke, methodsOf, NO_RATE_LIMIT, type Harness } from "./harness.js";

const ORG = "0f0f0f0f-0000-4000-8000-000000000001";
const USER: Principal = { type: "user", id: "11111111-0000-4000-8000-000000000001", orgId: ORG };
const AGENT: Principal = { type: "agent", id: "22222222-0000-4000-8000-000000000002", orgId: ORG };
const UUID = "3f1c2b4e-8a9d-4c7e-b1f0-123456789abc";

/** Two verifiers, as the server will have (JWTs and API keys): each knows one token. */
const verified: string[] = [];
const verifiers: CredentialVerifier[] = [
  { verify: async (c) => (verified.push(`jwt:${c}`), c === "user-jwt" ? USER : undefined) },
  { verify: async (c) => (verified.push(`key:${c}`), c === "agent-key" ? AGENT : undefined) },
];

/** rpcOptions builds logging, metrics, errors, rate limit, stream limit, authn, validation: swap in our authn. */
let harness: Harness;
beforeAll(async () => {
  harness = await createHarness({
    env: NO_RATE_LIMIT,
    interceptors: (built) => {
      if (built.length !== 7) throw new Error(`rpcOptions now builds ${built.length} interceptors; update this test's authn position`);
      return built.map((interceptor, i) => (i === 5 ? authnInterceptor(verifiers) : interceptor));
    },
  });
});
afterAll(async () => {
  await harness?.close();
});
const asUser = { authorization: "Bearer user-jwt" };
const asAgent = { authorization: "Bearer agent-key" };

const ALL = methodsOf(CLAWKEEP_SERVICES);

function admits(access: Access, caller: Principal): boolean {
  if (access === Access.HUMAN) return caller.type === "user";
  if (access === Access.AGENT) return caller.type === "agent";
  return true;
}

describe("access kinds", () => {
  it.each(ALL.filter(({ method }) => method !== HealthService.method.getHealth).map((m) => [m.label, m.method] as const))(
    "%s admits exactly the callers its access option names",
    async (_, method) => {
      const access = accessOf(method);
      const refusal = (caller: Principal) => (caller.type === "agent" ? `${method.name} is for humans; agents cannot call it` : `${method.name} is for agents; use an agent token`);
      for (const [caller, headers] of [
        [USER, asUser],
        [AGENT, asAgent],
      ] as const) {
        const label = `${caller.type} calling ${method.name} (${Access[access]})`;
        // An admitted Watch RPC streams until its deadline; that it got that far is the point.
        const outcome = await invoke(harness.transport, method, {}, headers, method.methodKind === "server_streaming" ? 300 : undefined);
        if (!admits(access, caller)) {
          expect(outcome.ok, label).toBe(false);
          if (!outcome.ok) {
            expect(outcome.error.code, label).toBe(Code.PermissionDenied);
            expect(outcome.error.rawMessage).toBe(refusal(caller));
          }
        } else if (!outcome.ok) {
          // Admitted: the call reached its handler, so whatever it answers (an empty request, a
          // made-up caller), it is neither the access refusal nor a refused credential.
          expect(outcome.error.rawMessage, label).not.toMatch(/ is for (humans|agents); |needs a credential|bearer credential is invalid/);
          if (outcome.error.code === Code.Unimplemented) expect(outcome.error.rawMessage, label).toContain(capabilityOf(method));
        }
      }
    },
  );

  it("tries every verifier in turn and stops at the first that accepts", async () => {
    verified.length = 0;
    await invoke(harness.transport, VaultService.method.listVaults, {}, asAgent);
    expect(verified).toEqual(["jwt:agent-key", "key:agent-key"]);
    verified.length = 0;
    await invoke(harness.transport, VaultService.method.listVaults, {}, asUser);
    expect(verified).toEqual(["jwt:user-jwt"]);
  });

  it("still refuses unknown tokens when verifiers exist", async () => {
    const error = await failure(harness.transport, VaultService.method.listVaults, {}, { authorization: "Bearer someone-else" });
    expect(error.code).toBe(Code.Unauthenticated);
  });

  it("resolves a valid token on a public method without changing its answer", async () => {
    verified.length = 0;
    const outcome = await invoke(harness.transport, HealthService.method.getHealth, {}, asUser);
    expect(outcome.ok).toBe(true);
    expect(verified).toEqual(["jwt:user-jwt"]);
  });
});

describe("identifier validation before the handler", () => {
  it("refuses a non-UUID *_id with InvalidArgument, and lets a UUID reach the handler", async () => {
    const bad = await failure(harness.transport, VaultService.method.getVault, { vaultId: "prod" }, asUser);
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toBe('vault_id must be a UUID, got "prod"');
    const good = await failure(harness.transport, VaultService.method.getVault, { vaultId: UUID }, asUser);
    expect(good.code).toBe(Code.NotFound);
  });

  it("checks the second identifier of a message too", async () => {
    const error = await failure(harness.transport, IntentService.method.getTransaction, { agentId: UUID, txId: "0xdeadbeef" }, asAgent);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('tx_id must be a UUID, got "0xdeadbeef"');
  });

  it("checks each entry of *_ids lists", async () => {
    const error = await failure(harness.transport, AgentService.method.approveEnrollment, { enrollmentId: UUID, vaultIds: [UUID, "all"] }, asUser);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('every entry of vault_ids must be a UUID, got "all"');
  });

  it("refuses a caller of the wrong kind before validating its request", async () => {
    const error = await failure(harness.transport, AgentService.method.updateAgent, { agentId: "nope" }, asAgent);
    expect(error.code).toBe(Code.PermissionDenied);
  });
});
