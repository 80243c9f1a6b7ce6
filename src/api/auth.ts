// AuthService: proto ↔ identity domain. Thin: validation and rules live in src/domain/identity.
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ApiKeySchema, AuthService, UserSchema } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import type { JwtKeys } from "../crypto/jwt-keys.js";
import type { AgentTokens } from "../domain/agents/agent-tokens.js";
import type { Agents } from "../domain/agents/agents.js";
import type { FleetTokens } from "../domain/agents/fleet-tokens.js";
import type { Accounts, Profile } from "../domain/identity/accounts.js";
import type { ApiKeyInfo, PersonalApiKeys } from "../domain/identity/api-keys.js";
import { DomainError } from "../domain/errors.js";
import { principalKey } from "../interceptors/authn.js";
import { shutdownSignalKey } from "../server/context.js";
import { clientAddress, principalOf } from "./call-context.js";

export interface AuthApiDeps {
  accounts: Accounts;
  agents: Agents;
  agentTokens: AgentTokens;
  fleetTokens: FleetTokens;
  apiKeys: PersonalApiKeys;
  jwtKeys: JwtKeys;
  publicUrl: string;
}

export function authService(deps: AuthApiDeps): Partial<ServiceImpl<typeof AuthService>> {
  const { accounts, agents, agentTokens, fleetTokens, apiKeys, jwtKeys, publicUrl } = deps;
  return {
    async signup(req, ctx) {
      const result = await accounts.signup({ email: req.email, password: req.password, displayName: req.displayName, ip: clientAddress(ctx) });
      return {
        message: result.joinedInvitingOrg ? "account created and invitation accepted" : "account created",
        email: result.email,
        accessToken: result.tokens.accessToken,
        tokenType: "Bearer",
      };
    },
    async login(req, ctx) {
      const tokens = await accounts.login({ email: req.email, password: req.password, ip: clientAddress(ctx) });
      return { accessToken: tokens.accessToken, tokenType: "Bearer", expiresIn: tokens.expiresIn, refreshToken: tokens.refreshToken, mfaRequired: false };
    },
    async refreshToken(req, ctx) {
      if (req.refreshToken) {
        const tokens = await accounts.refresh(req.refreshToken, clientAddress(ctx));
        return { accessToken: tokens.accessToken, tokenType: "Bearer", expiresIn: tokens.expiresIn, refreshToken: tokens.refreshToken };
      }
      // The official Python client refreshes with an empty body and its current Bearer token.
      const principal = ctx.values.get(principalKey);
      if (!principal) throw new DomainError("unauthenticated", "send a refresh_token, or call with a valid Bearer access token");
      const fresh = await accounts.refreshAccess(principal);
      return { accessToken: fresh.accessToken, tokenType: "Bearer", expiresIn: fresh.expiresIn };
    },
    async revokeToken(_req, ctx) {
      const principal = principalOf(ctx);
      if (principal.type === "agent") await agents.revokeOwnTokens(principal, clientAddress(ctx));
      else await accounts.signOut(principal, clientAddress(ctx));
      return {};
    },
    async changePassword(req, ctx) {
      await accounts.changePassword(principalOf(ctx), { currentPassword: req.currentPassword, newPassword: req.newPassword }, clientAddress(ctx));
      return {};
    },
    async createApiKey(req, ctx) {
      const { key, info } = await apiKeys.create(
        principalOf(ctx),
        { name: req.name, scopes: req.scopes, expiresAt: req.expiresAt ? timestampDate(req.expiresAt) : undefined },
        clientAddress(ctx),
      );
      return { key: toApiKey(info), apiKey: key };
    },
    async listApiKeys(_req, ctx) {
      return { keys: (await apiKeys.list(principalOf(ctx))).map(toApiKey) };
    },
    async revokeApiKey(req, ctx) {
      await apiKeys.revoke(principalOf(ctx), req.keyId, clientAddress(ctx));
      return {};
    },
    async exchangeAgentToken(req, ctx) {
      const grant = await agentTokens.exchange({ apiKey: req.apiKey, agentId: req.agentId }, clientAddress(ctx));
      return { accessToken: grant.accessToken, tokenType: "Bearer", expiresIn: grant.expiresIn, agentId: grant.agentId, vaultIds: grant.vaultIds };
    },
    async *watchFleetTokens(req, ctx) {
      const credentials = req.agents.map((a) => ({ agentId: a.agentId, apiKey: a.apiKey, accessToken: a.accessToken }));
      for await (const e of fleetTokens.watch(credentials, clientAddress(ctx), { caller: ctx.signal, shutdown: ctx.values.get(shutdownSignalKey) })) {
        if (e.event === "issued") yield { agentId: e.agentId, event: e.event, accessToken: e.accessToken, tokenType: "Bearer", expiresIn: e.expiresIn, vaultIds: e.vaultIds };
        else yield { agentId: e.agentId, event: e.event, detail: e.detail };
      }
    },
    async exchangeApiKeyToken(req, ctx) {
      const token = await apiKeys.exchange(req.apiKey, clientAddress(ctx));
      return { accessToken: token.accessToken, tokenType: "Bearer", expiresIn: token.expiresIn };
    },
    async getMe(_req, ctx) {
      return { user: toUser(await accounts.profile(principalOf(ctx))) };
    },
    async updateMe(req, ctx) {
      const profile = await accounts.updateProfile(principalOf(ctx), { displayName: req.displayName, marketingEmails: req.marketingEmails }, clientAddress(ctx));
      return { user: toUser(profile) };
    },
    async getJwks() {
      return { jwks: { keys: jwtKeys.jwks().map(toJwk) } };
    },
    async getJwtPublicKey() {
      const current = jwtKeys.jwks().find((k) => k.kid === jwtKeys.currentKid());
      return { alg: "EdDSA", publicKeyBase64: Buffer.from(String(current?.x ?? ""), "base64url").toString("base64") };
    },
    async getOpenidConfiguration() {
      return {
        configuration: {
          issuer: publicUrl,
          jwksUri: `${publicUrl}/.well-known/jwks.json`,
          tokenEndpoint: `${publicUrl}/v1/auth/token`,
          idTokenSigningAlgValuesSupported: ["EdDSA"],
          responseTypesSupported: ["token"],
          subjectTypesSupported: ["public"],
          claimsSupported: ["iss", "sub", "iat", "exp", "jti", "org", "role", "sid"],
        },
      };
    },
  };
}

function toUser(profile: Profile): MessageInitShape<typeof UserSchema> {
  return {
    id: profile.id,
    email: profile.email,
    displayName: profile.displayName,
    authMethod: "password",
    role: profile.role,
    emailVerified: false,
    marketingEmails: profile.marketingEmails,
    totpEnabled: false,
    createdAt: timestampFromDate(profile.createdAt),
  };
}

function toJwk(key: { kty?: string; crv?: string; x?: string; kid?: string; use?: string; alg?: string }) {
  return { kty: key.kty ?? "", crv: key.crv ?? "", x: key.x ?? "", kid: key.kid ?? "", use: key.use ?? "sig", alg: key.alg ?? "EdDSA" };
}

function toApiKey(info: ApiKeyInfo): MessageInitShape<typeof ApiKeySchema> {
  return {
    id: info.id,
    name: info.name,
    keyPrefix: info.keyPrefix,
    scopes: info.scopes,
    isActive: info.isActive,
    createdAt: timestampFromDate(info.createdAt),
    expiresAt: info.expiresAt ? timestampFromDate(info.expiresAt) : undefined,
    lastUsedAt: info.lastUsedAt ? timestampFromDate(info.lastUsedAt) : undefined,
  };
}
