// Agent tokens: trading an ocv_ API key for a short-lived EdDSA JWT, and verifying those JWTs on
// every call. A JWT carries the agent's revocation epoch; bumping the epoch (deactivation,
// deletion, key rotation) makes every outstanding token of the agent fail. Access itself (vault
// binding, scopes, policies) is decided per request from the agent's current record, never
// frozen into the token.
import type { JWTPayload } from "jose";
import type { DataSource } from "typeorm";
import { apiKeyKind, hashApiKey } from "../../crypto/api-keys.js";
import type { JwtKeys } from "../../crypto/jwt-keys.js";
import type { AuditLog, BatchedReader } from "../audit/audit-log.js";
import { DomainError } from "../errors.js";
import { LoginLimiter, type LoginLimits } from "../identity/login-limiter.js";
import type { ClaimsResolver } from "../identity/access-tokens.js";
import type { Principal } from "../identity/principal.js";
import { isUuid } from "../ids.js";
import type { AgentStanding } from "./agent-standing.js";
import { AGENT_EXCHANGE, agentsWithKeys, DEFAULT_AGENT_TOKEN_TTL_SECONDS, type ExchangedAgent, type StoredAgent } from "./agent-store.js";
import { agentPrincipal, mayAct } from "./agents.js";

export interface AgentTokenGrant {
  accessToken: string;
  expiresIn: number;
  agentId: string;
  vaultIds: string[];
  /** The agent's revocation epoch copied into the token: a change of it revokes the token. */
  epoch: number;
}

/** A token a client still holds, as far as a fleet stream needs to know it. */
export interface HeldToken {
  epoch: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  ttlSeconds: number;
}

const SUBJECT_PREFIX = "agent:";

/** Failed exchanges allowed per key prefix and per client address in the window. */
export const AGENT_EXCHANGE_LIMITS: LoginLimits = { perAccount: 10, perAddress: 30, windowSeconds: 10 * 60 };

export class AgentTokens implements ClaimsResolver {
  /** Concurrent exchanges (a fleet starting up) go to the database together. */
  private readonly exchanges: BatchedReader<ExchangedAgent>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly jwtKeys: JwtKeys,
    audit: AuditLog,
    private readonly pepper: Buffer,
    private readonly standing: AgentStanding,
    private readonly failures: LoginLimiter = new LoginLimiter(AGENT_EXCHANGE_LIMITS),
  ) {
    this.exchanges = audit.batchedReader<ExchangedAgent>(dataSource, AGENT_EXCHANGE);
  }

  /**
   * Failed exchanges are limited per key prefix and per client address; a correct key is always
   * served, even from an address that others' failures have throttled (fleets share NAT
   * addresses and exchange in bursts at start-up). Keys are 256-bit, so the limiter is not what
   * stops guessing: it makes misconfigured or hostile clients back off.
   */
  async exchange(input: { apiKey: string; agentId: string }, ip: string): Promise<AgentTokenGrant> {
    try {
      return await this.exchangeOnce(input, ip);
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== "unauthenticated") throw error;
      const prefix = `key:${input.apiKey.slice(0, 12)}`;
      const wait = this.failures.retryAfter(prefix, ip);
      if (wait > 0) throw new DomainError("rate_limited", `too many failed agent token exchanges; retry in ${wait} s`, { retryAfterSeconds: wait });
      this.failures.recordFailure(prefix, ip);
      throw error;
    }
  }

  private async exchangeOnce(input: { apiKey: string; agentId: string }, ip: string): Promise<AgentTokenGrant> {
    if (apiKeyKind(input.apiKey) !== "ocv") throw new DomainError("unauthenticated", "api_key is not an agent API key (ocv_...)");
    if (input.agentId !== "" && !isUuid(input.agentId)) throw new DomainError("invalid_argument", "agent_id must be a UUID");
    // One statement (shared with the exchanges that arrive meanwhile) finds the agent, the vaults
    // it is bound to, and records the exchange when the agent may have a token: the token leaves
    // only once that record is durable.
    const found = await this.exchanges([hashApiKey(this.pepper, input.apiKey), input.agentId], {
      orgId: "",
      actor: { type: "agent", id: "" },
      action: "agent.token_exchange",
      resource: { type: "agent", id: "" },
      // expires_in and key_prefix come from the agent's row, in the statement.
      details: {},
      ip,
    });
    const row = found?.row;
    // A wrong pairing of id and key answers like an unknown key: nothing to learn by probing.
    if (!row || (input.agentId !== "" && input.agentId !== row.id)) throw new DomainError("unauthenticated", "unknown or wrong agent API key");
    refuseUnusable(row, Date.now());
    if (!found.audited) {
      refuseUnusable(row, Number.POSITIVE_INFINITY);
      throw new Error("a token exchange was neither recorded nor refused");
    }
    const vaultIds = row.vault_ids.length > 0 ? row.vault_ids : row.bound_vault_ids;
    const expiresIn = row.token_ttl_seconds ?? DEFAULT_AGENT_TOKEN_TTL_SECONDS;
    const accessToken = await this.jwtKeys.sign(
      {
        sub: `${SUBJECT_PREFIX}${row.id}`,
        org: row.org_id,
        scopes: row.scopes,
        vault_ids: vaultIds,
        intents_api_enabled: row.intents_api_enabled,
        epoch: row.revocation_epoch,
      },
      expiresIn,
    );
    // No write of last_active_at: the exchange's audit event (appended by the statement above) is
    // the agent's last activity, read from the audit log by GetAgent and ListAgents.
    return { accessToken, expiresIn, agentId: row.id, vaultIds, epoch: row.revocation_epoch };
  }

  /**
   * Of these held tokens, the ones that still work for their agent, presented with that agent's
   * right key: a fleet stream that resumes them need not exchange at once. Anything else (a wrong
   * key included) is left out, and the caller exchanges it, which refuses and counts a failure.
   */
  async stillValid(held: { agentId: string; apiKey: string; accessToken: string }[]): Promise<Map<string, HeldToken>> {
    const candidates: { agentId: string; apiKey: string; token: HeldToken }[] = [];
    for (const { agentId, apiKey, accessToken } of held) {
      const claims = await this.jwtKeys.verify(accessToken);
      if (!claims || claims.sub !== `${SUBJECT_PREFIX}${agentId}` || typeof claims.epoch !== "number" || typeof claims.exp !== "number" || typeof claims.iat !== "number") continue;
      try {
        if (!(await this.principalFor(agentId, claims))) continue;
      } catch {
        continue; // revoked
      }
      candidates.push({ agentId, apiKey, token: { epoch: claims.epoch, expiresAt: claims.exp * 1000, ttlSeconds: claims.exp - claims.iat } });
    }
    const valid = new Map<string, HeldToken>();
    for (let i = 0; i < candidates.length; i += 1000) {
      const batch = candidates.slice(i, i + 1000);
      const matching = await agentsWithKeys(this.dataSource, batch.map((c) => ({ agentId: c.agentId, keyHash: hashApiKey(this.pepper, c.apiKey) })));
      for (const c of batch) if (matching.has(c.agentId)) valid.set(c.agentId, c.token);
    }
    return valid;
  }

  /** The agent of a verified agent JWT, when it is usable and the token's epoch is current. */
  async principalFor(agentId: string, claims: JWTPayload): Promise<Principal | undefined> {
    if (!isUuid(agentId) || typeof claims.epoch !== "number") return undefined;
    const row = await this.standing.of(agentId);
    if (!row || row.org_id !== claims.org) return undefined;
    // Deactivation, deletion and expiry revoke with the same detail: clients match it to re-exchange.
    if (row.revocation_epoch !== claims.epoch || !mayAct(row, Date.now())) throw new DomainError("unauthenticated", "token has been revoked");
    return agentPrincipal(row);
  }
}

/** `now` +Infinity refuses any expiry at all (the database judged one past). */
function refuseUnusable(row: StoredAgent, now: number): void {
  if (row.deleted_at !== null || !row.is_active) throw new DomainError("unauthenticated", "the agent is deactivated");
  if (row.expires_at && new Date(row.expires_at).getTime() <= now) {
    throw new DomainError("unauthenticated", `the agent expired at ${new Date(row.expires_at).toISOString()}`);
  }
  if (row.api_key_expires_at && new Date(row.api_key_expires_at).getTime() <= now) {
    throw new DomainError("unauthenticated", `the agent's API key expired at ${new Date(row.api_key_expires_at).toISOString()}`);
  }
}
