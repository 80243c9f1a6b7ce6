// Agents for fleet tests, made over REST as a fleet manager would, and reading a JWT's expiry.

import type { RestCall } from "./rest.js";

export interface TestAgent {
  id: string;
  apiKey: string;
}

/** Creates `count` agents (8 at a time) with the given extra CreateAgent fields. */
export async function createAgents(rest: RestCall, token: string, count: number, extra: Record<string, unknown> = {}): Promise<TestAgent[]> {
  const agents: TestAgent[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await rest("POST", "/v1/agents", token, { name: `fleet-${i}`, ...extra });
      if (res.status !== 201) throw new Error(`creating an agent answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { agent: { id: string }; api_key: string };
      agents[i] = { id: body.agent.id, apiKey: body.api_key };
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, count) }, worker));
  return agents;
}

/** The exp claim of a JWT, in epoch milliseconds (the signature is the server's business). */
export function jwtExpiry(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8")) as { exp: number };
  return payload.exp * 1000;
}
