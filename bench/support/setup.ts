// What a benchmark needs in a server before the load starts, made over REST like any client:
// an organisation with an owner, a vault, a 256-byte secret, and an agent that may read it.
import { randomBytes } from "node:crypto";

export interface BenchOrg {
  ownerToken: string;
  vaultId: string;
  agentId: string;
  apiKey: string;
  agentToken: string;
}

const PASSWORD = "correct horse battery staple";

export async function call(baseUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

export async function setUpOrg(baseUrl: string, index: number, options: { agentBody?: Record<string, unknown> } = {}): Promise<BenchOrg> {
  const email = `bench-${index}-${randomBytes(4).toString("hex")}@example.com`;
  const { access_token: ownerToken } = (await call(baseUrl, "POST", "/v1/auth/signup", undefined, { email, password: PASSWORD })) as { access_token: string };
  const { id: vaultId } = (await call(baseUrl, "POST", "/v1/vaults", ownerToken, { name: `bench-${index}` })) as { id: string };
  await call(baseUrl, "PUT", `/v1/vaults/${vaultId}/secrets/bench/read`, ownerToken, { value: "r".repeat(256), type: "api_key" });
  const created = (await call(baseUrl, "POST", "/v1/agents", ownerToken, { name: `bench-${index}`, ...options.agentBody })) as { agent: { id: string }; api_key: string };
  await call(baseUrl, "POST", `/v1/vaults/${vaultId}/policies`, ownerToken, {
    secret_path_pattern: "bench/**",
    principal_type: "agent",
    principal_id: created.agent.id,
    permissions: ["read"],
  });
  const { access_token: agentToken } = (await call(baseUrl, "POST", "/v1/auth/agent-token", undefined, { agent_id: created.agent.id, api_key: created.api_key })) as {
    access_token: string;
  };
  return { ownerToken, vaultId, agentId: created.agent.id, apiKey: created.api_key, agentToken };
}
