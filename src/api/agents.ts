// AgentService: proto ↔ the agents domain. Registration and reading of agents; enrollment,
// updates, deletion and key rotation belong to capabilities still to come and answer
// Unimplemented until then.
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AgentSchema, AgentService, CreateAgentRequest } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import type { AgentRecord, Agents } from "../domain/agents/agents.js";
import { clientAddress, principalOf } from "./call-context.js";

export function agentService(agents: Agents): Partial<ServiceImpl<typeof AgentService>> {
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
      return { agents: (await agents.list(principalOf(ctx))).map(toAgent) };
    },
    async getAgent(req, ctx) {
      return { agent: toAgent(await agents.get(principalOf(ctx), req.agentId)) };
    },
    async getAgentSelf(_req, ctx) {
      return { agent: toAgent(await agents.self(principalOf(ctx))) };
    },
  };
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

function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp ? timestampDate(timestamp) : undefined;
}

function toAgent(agent: AgentRecord): MessageInitShape<typeof AgentSchema> {
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
    // Spending arrives with the Intents API; until then nothing has been spent.
    txSpentToday: "0",
    txSpentTodayEth: "0",
    txCountToday: 0,
    apiKeyExpiresAt: timestamp(agent.apiKeyExpiresAt),
    expiresAt: timestamp(agent.expiresAt),
    createdAt: timestampFromDate(agent.createdAt),
    lastActiveAt: timestamp(agent.lastActiveAt),
  };
}
