// AgentService: proto ↔ the agents domain. Its self-enrollment methods are in enrollments.ts.
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { UpdateAgentRequestSchema, type AgentSchema, type AgentService, type CreateAgentRequest, type UpdateAgentRequest } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import type { AgentChanges } from "../domain/agents/agent-changes.js";
import type { AgentRecord, Agents } from "../domain/agents/agents.js";
import { DomainError } from "../domain/errors.js";
import { clientAddress, principalOf } from "./call-context.js";

/** What agents spent and sent through the Intents API in the last 24 hours (major unit), by id. */
export type SpendLookup = (agentIds: string[]) => Promise<Map<string, { spent: string; count: number }>>;

/** When agents of one organisation last acted (their newest audit event as actor), by id; absent if never. */
export type ActivityLookup = (orgId: string, agentIds: string[]) => Promise<Map<string, Date>>;

export function agentService(agents: Agents, spending: SpendLookup, activity: ActivityLookup): Partial<ServiceImpl<typeof AgentService>> {
  /** The agents as read (GetAgent, ListAgents, GetAgentSelf): with today's spend and their last activity. */
  const withSpend = async (records: AgentRecord[]): Promise<MessageInitShape<typeof AgentSchema>[]> => {
    if (records.length === 0) return [];
    const ids = records.map((agent) => agent.id);
    const [spent, active] = await Promise.all([spending(ids), activity(records[0].orgId, ids)]);
    return records.map((agent) => {
      const { spent: value, count } = spent.get(agent.id) ?? { spent: "0", count: 0 };
      const lastActive = active.get(agent.id);
      return { ...toAgent(agent), txSpentToday: value, txSpentTodayEth: value, txCountToday: count, lastActiveAt: lastActive ? timestampFromDate(lastActive) : undefined };
    });
  };
  return {
    async createAgent(req, ctx) {
      const { agent, apiKey } = await agents.create(
        principalOf(ctx),
        {
          name: req.name,
          description: req.description,
          authMethod: req.authMethod,
          scopes: req.scopes,
          expiresAt: dateOf(req.expiresAt),
          apiKeyExpiresAt: dateOf(req.apiKeyExpiresAt),
          tokenTtlSeconds: req.tokenTtlSeconds,
          vaultIds: req.vaultIds,
          intentsApiEnabled: req.intentsApiEnabled,
          guardrails: guardrailsOf(req),
        },
        clientAddress(ctx),
      );
      return { agent: toAgent(agent), apiKey };
    },
    async listAgents(_req, ctx) {
      return { agents: await withSpend(await agents.list(principalOf(ctx))) };
    },
    async getAgent(req, ctx) {
      return { agent: (await withSpend([await agents.get(principalOf(ctx), req.agentId)]))[0] };
    },
    async getAgentSelf(_req, ctx) {
      return { agent: (await withSpend([await agents.self(principalOf(ctx))]))[0] };
    },
    async updateAgent(req, ctx) {
      return { agent: toAgent(await agents.update(principalOf(ctx), req.agentId, changesOf(req), clientAddress(ctx))) };
    },
    async deleteAgent(req, ctx) {
      await agents.delete(principalOf(ctx), req.agentId, clientAddress(ctx));
      return {};
    },
    async rotateAgentKey(req, ctx) {
      const { agent, apiKey } = await agents.rotateKey(principalOf(ctx), req.agentId, clientAddress(ctx));
      return { apiKey, agent: toAgent(agent) };
    },
    async rotateAgentIdentityKeys(req, ctx) {
      return { agent: toAgent(await agents.rotateIdentityKeys(principalOf(ctx), req.agentId, clientAddress(ctx))) };
    },
  };
}

const AGENT_COLUMNS = new Set(["name", "description", "scopes", "is_active", "expires_at", "api_key_expires_at", "token_ttl_seconds", "vault_ids", "intents_api_enabled"]);

/**
 * The fields update_mask names (REST fills it from the body's keys, so null clears), or without a
 * mask the fields that are set; each as the domain's AgentChanges wants it.
 */
function changesOf(req: UpdateAgentRequest): AgentChanges {
  const fields = UpdateAgentRequestSchema.fields.filter((f) => f.name !== "agent_id" && f.name !== "update_mask");
  const masked = req.updateMask?.paths ?? [];
  const unknown = masked.find((path) => !fields.some((f) => f.name === path));
  if (unknown !== undefined) throw new DomainError("invalid_argument", `update_mask names "${unknown.slice(0, 64)}", which is not a field of an agent`);
  const changes: AgentChanges = {};
  const guardrails: Record<string, unknown> = {};
  for (const field of fields) {
    const value = (req as unknown as Record<string, unknown>)[field.localName];
    const named = masked.length > 0 ? masked.includes(field.name) : isSet(value);
    if (!named) continue;
    const plain = value === undefined ? null : isTimestamp(value) ? timestampDate(value) : value;
    if (AGENT_COLUMNS.has(field.name)) (changes as Record<string, unknown>)[field.name] = plain;
    else guardrails[field.name] = plain;
  }
  if (Object.keys(guardrails).length > 0) changes.guardrails = guardrails;
  return changes;
}

function isSet(value: unknown): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value && typeof value === "object" && !isTimestamp(value)) return Object.keys(value).length > 0;
  return true;
}

function isTimestamp(value: unknown): value is Timestamp {
  return typeof value === "object" && value !== null && (value as { $typeName?: string }).$typeName === "google.protobuf.Timestamp";
}

/** The guardrail fields by their wire names, as the domain validates and stores them. */
function guardrailsOf(req: CreateAgentRequest): Record<string, unknown> {
  return {
    tx_to_allowlist: req.txToAllowlist,
    tx_max_value: req.txMaxValue,
    tx_daily_limit: req.txDailyLimit,
    tx_max_value_eth: req.txMaxValueEth,
    tx_daily_limit_eth: req.txDailyLimitEth,
    tx_allowed_chains: req.txAllowedChains,
    tx_max_per_day: req.txMaxPerDay,
    tx_token_allowlist: req.txTokenAllowlist,
    tx_known_tokens_only: req.txKnownTokensOnly,
    xrpl_allowed_tx_types: req.xrplAllowedTxTypes,
    per_chain_guardrails: req.perChainGuardrails,
    tx_overhead_budget: req.txOverheadBudget,
    solana_ata_allowlist: req.solanaAtaAllowlist,
  };
}

export function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp ? timestampDate(timestamp) : undefined;
}

export function toAgent(agent: AgentRecord): MessageInitShape<typeof AgentSchema> {
  const g = agent.guardrails as Record<string, unknown>;
  const list = (key: string) => (g[key] as string[] | undefined) ?? [];
  const timestamp = (date: Date | null) => (date ? timestampFromDate(date) : undefined);
  return {
    id: agent.id,
    name: agent.name,
    description: agent.description,
    authMethod: "api_key",
    orgId: agent.orgId,
    createdBy: agent.createdBy,
    scopes: agent.scopes,
    isActive: agent.isActive,
    vaultIds: agent.vaultIds,
    tokenTtlSeconds: agent.tokenTtlSeconds ?? undefined,
    sshPublicKey: agent.sshPublicKey,
    ecdhPublicKey: agent.ecdhPublicKey,
    intentsApiEnabled: agent.intentsApiEnabled,
    txToAllowlist: list("tx_to_allowlist"),
    txMaxValue: g.tx_max_value as string | undefined,
    txDailyLimit: g.tx_daily_limit as string | undefined,
    txMaxValueEth: g.tx_max_value as string | undefined,
    txDailyLimitEth: g.tx_daily_limit as string | undefined,
    txAllowedChains: list("tx_allowed_chains"),
    txMaxPerDay: g.tx_max_per_day as number | undefined,
    txTokenAllowlist: list("tx_token_allowlist"),
    txKnownTokensOnly: g.tx_known_tokens_only === true,
    xrplAllowedTxTypes: list("xrpl_allowed_tx_types"),
    perChainGuardrails: g.per_chain_guardrails as JsonObject | undefined,
    txOverheadBudget: (g.tx_overhead_budget as Record<string, string> | undefined) ?? {},
    solanaAtaAllowlist: list("solana_ata_allowlist"),
    // What was spent is filled in where it is read (getAgent, listAgents, getAgentSelf).
    txSpentToday: "0",
    txSpentTodayEth: "0",
    txCountToday: 0,
    apiKeyExpiresAt: timestamp(agent.apiKeyExpiresAt),
    expiresAt: timestamp(agent.expiresAt),
    createdAt: timestampFromDate(agent.createdAt),
    // When the agent last acted is filled in where it is read (getAgent, listAgents, getAgentSelf).
  };
}
