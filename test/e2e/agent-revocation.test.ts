// Changes to agents and policies reach every server instance: two instances on one PostgreSQL,
// the token cached as valid on B, the agent deactivated (or its key rotated, or deleted) on A;
// B refuses the old token within a second. A narrowed policy likewise applies on B at once,
// without revoking the token. (The embedded database belongs to one process.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usingPostgres } from "../support/database.js";
import { answerWithin, statusWithin } from "../support/eventually.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { startInstancePair, type InstancePair } from "../support/server.js";

describe.skipIf(!usingPostgres)("agent token revocation across instances", () => {
  let pair: InstancePair;
  let onA: RestCall;
  let onB: RestCall;
  let human: RestPerson;

  beforeAll(async () => {
    pair = await startInstancePair();
    onA = restCaller(pair.a.url);
    onB = restCaller(pair.b.url);
    human = await restSignup(onA);
  });
  afterAll(async () => {
    await pair?.close();
  });

  /** An agent whose token instance B has already accepted (and cached). */
  async function agentKnownToB(): Promise<{ id: string; token: string }> {
    const created = (await (await onA("POST", "/v1/agents", human.token, { name: "fleet member" })).json()) as { agent: { id: string }; api_key: string };
    const { access_token } = (await (await onA("POST", "/v1/auth/agent-token", undefined, { api_key: created.api_key })).json()) as { access_token: string };
    expect((await onB("GET", "/v1/agents/me", access_token)).status).toBe(200);
    return { id: created.agent.id, token: access_token };
  }

  /** Asks B until it refuses the token, for at most a second; returns its last answer. */
  async function refusedByBWithinOneSecond(token: string): Promise<{ status: number; detail: string }> {
    const res = await answerWithin(1000, () => onB("GET", "/v1/agents/me", token), (answer) => answer.status !== 200);
    return { status: res.status, detail: ((await res.json()) as { detail?: string }).detail ?? "" };
  }

  it.each([
    ["deactivation", (id: string) => onA("PATCH", `/v1/agents/${id}`, human.token, { is_active: false })],
    ["key rotation", (id: string) => onA("POST", `/v1/agents/${id}/rotate-key`, human.token)],
    ["deletion", (id: string) => onA("DELETE", `/v1/agents/${id}`, human.token)],
  ])("after %s on A, B answers 401 'token has been revoked' within a second", async (_label, revoke) => {
    const agent = await agentKnownToB();
    expect((await revoke(agent.id)).status).toBeLessThan(300);
    expect(await refusedByBWithinOneSecond(agent.token)).toEqual({ status: 401, detail: "token has been revoked" });
  });

  it("does not revoke on a policy change: the same token keeps working, with the new policy on every instance", async () => {
    const agent = await agentKnownToB();
    const vault = (await (await onA("POST", "/v1/vaults", human.token, { name: "shared" })).json()) as { id: string };
    await onA("PUT", `/v1/vaults/${vault.id}/secrets/k`, human.token, { value: "v" });
    const policy = { secret_path_pattern: "**", principal_type: "agent", principal_id: agent.id, permissions: ["read"] };
    const created = (await (await onA("POST", `/v1/vaults/${vault.id}/policies`, human.token, policy)).json()) as { id: string };
    const readOnB = () => onB("GET", `/v1/vaults/${vault.id}/secrets/k`, agent.token);
    expect(await statusWithin(1000, 200, readOnB)).toBe(200); // B caches the vault's policies now
    expect((await onA("PUT", `/v1/vaults/${vault.id}/policies/${created.id}`, human.token, { permissions: ["write"] })).status).toBe(200);
    expect(await statusWithin(1000, 403, readOnB)).toBe(403);
  });
});
