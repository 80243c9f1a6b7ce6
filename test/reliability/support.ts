// What the reliability tests share: a real server process on a fresh database of the kind this run
// uses (embedded, or the PostgreSQL of DATABASE_URL), and an organisation with a vault, secrets,
// an agent and a personal API key, so that inputs reach past authentication and "not found".
import { databaseEnv } from "../support/app.js";
import { freshDatabase, type FreshDatabase } from "../support/database.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { startServerProcess, type ServerProcess } from "../support/process.js";
import type { KnownIds } from "./fuzz/generate.js";
import { NO_RATE_LIMIT } from "../support/rate-limit.js";

export interface ReliabilityServer {
  url: string;
  process: ServerProcess;
  database: FreshDatabase;
  env: Record<string, string>;
  alive(): boolean;
  /** SIGTERM, wait for the exit; the database stays. */
  stop(): Promise<void>;
  /** Stops the server and drops its database. */
  close(): Promise<void>;
}

export async function startReliabilityServer(env: Record<string, string> = {}, database?: FreshDatabase): Promise<ReliabilityServer> {
  const fresh = database ?? (await freshDatabase());
  const fullEnv = { ...databaseEnv(fresh), CLAWKEEP_LOG_LEVEL: "info", ...NO_RATE_LIMIT, ...env };
  let process: ServerProcess;
  try {
    process = await startServerProcess(fullEnv);
  } catch (error) {
    if (!database) await fresh.drop();
    throw error;
  }
  const stop = async () => {
    if (process.child.exitCode === null && process.child.signalCode === null) {
      process.child.kill("SIGTERM");
      const timer = setTimeout(() => process.child.kill("SIGKILL"), 15_000);
      await process.exited;
      clearTimeout(timer);
    }
  };
  return {
    url: `http://127.0.0.1:${process.port}`,
    process,
    database: fresh,
    env: fullEnv,
    alive: () => process.child.exitCode === null && process.child.signalCode === null,
    stop,
    async close() {
      await stop();
      await fresh.drop();
    },
  };
}

export interface Organisation {
  email: string;
  token: string;
  userId: string;
  vaultId: string;
  secretId: string;
  agentId: string;
  agentKey: string;
  agentToken: string;
  apiKey: string;
  policyId: string;
}

async function json<T>(res: Promise<Response>, expected: number[] = [200, 201]): Promise<T> {
  const r = await res;
  const text = await r.text();
  if (!expected.includes(r.status)) throw new Error(`${r.url} answered ${r.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

export function rest(url: string) {
  return (method: string, path: string, token?: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

/** A person with a vault, two secrets, an agent allowed to read them, and a personal API key. */
export async function seedOrganisation(url: string): Promise<Organisation> {
  const call = rest(url);
  const email = uniqueEmail("reliability");
  const { access_token: token } = await json<{ access_token: string }>(call("POST", "/v1/auth/signup", undefined, { email, password: PASSWORD }));
  const me = await json<{ id: string }>(call("GET", "/v1/auth/me", token));
  const vault = await json<{ id: string }>(call("POST", "/v1/vaults", token, { name: "reliability" }));
  const secret = await json<{ id: string }>(call("PUT", `/v1/vaults/${vault.id}/secrets/api-keys/openai`, token, { value: "sk-reliability-value", type: "api_key" }));
  await json(call("PUT", `/v1/vaults/${vault.id}/secrets/db/password`, token, { value: "db-reliability-value", type: "password" }));
  const agent = await json<{ agent: { id: string }; api_key: string }>(call("POST", "/v1/agents", token, { name: "reliability bot", scopes: ["vaults:read"] }));
  const policy = await json<{ id: string }>(call("POST", `/v1/vaults/${vault.id}/policies`, token, { secret_path_pattern: "**", principal_type: "agent", principal_id: agent.agent.id, permissions: ["read"] }));
  const agentToken = await json<{ access_token: string }>(call("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.agent.id, api_key: agent.api_key }));
  const apiKey = await json<{ api_key: string }>(call("POST", "/v1/auth/api-keys", token, { name: "reliability" }));
  return {
    email,
    token,
    userId: me.id,
    vaultId: vault.id,
    secretId: secret.id,
    agentId: agent.agent.id,
    agentKey: agent.api_key,
    agentToken: agentToken.access_token,
    apiKey: apiKey.api_key,
    policyId: policy.id,
  };
}

/** The organisation's credentials, signing its person in again if a fuzzed call revoked the session. */
export async function liveCredentials(url: string, org: Organisation): Promise<string[]> {
  const call = rest(url);
  if ((await call("GET", "/v1/auth/me", org.token)).status === 401) {
    const login = await call("POST", "/v1/auth/token", undefined, { email: org.email, password: PASSWORD });
    if (login.status === 200) org.token = ((await login.json()) as { access_token: string }).access_token;
  }
  return [org.token, org.agentToken, org.apiKey];
}

export function knownIds(org: Organisation): KnownIds {
  return {
    ids: [org.userId, org.vaultId, org.secretId, org.agentId, org.policyId],
    paths: ["api-keys/openai", "db/password", "api-keys/**", "**", "missing/path", "a//b", "%2e%2e/x"],
    emails: [org.email, "someone@example.com"],
  };
}

/** The server's log lines that report an error of ours (not of the caller). */
export function serverErrors(lines: string[]): string[] {
  return lines.filter((line) => /"level":(50|60)/.test(line) || /unhandled|uncaught/i.test(line));
}

/** The organisation's secrets (values, keys, tokens, password) that appear in the server's log lines. */
export function secretsInLog(lines: string[], org: Organisation): string[] {
  const log = lines.join("\n");
  const secrets = { "access token": org.token, "agent token": org.agentToken, "agent key": org.agentKey, "API key": org.apiKey, password: PASSWORD, "secret value": "sk-reliability-value", "password value": "db-reliability-value" };
  return Object.entries(secrets)
    .filter(([, secret]) => log.includes(secret))
    .map(([what]) => what);
}
