// OrgService: proto ↔ the members, settings, IP-rules and agents domains.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { InvitationSchema, IpRuleSchema, OrgMemberSchema, OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import type { IpRule, IpRules } from "../domain/identity/ip-rules.js";
import type { Agents } from "../domain/agents/agents.js";
import type { Member, Members, PendingInvitation } from "../domain/identity/members.js";
import type { OrgSettingsEditor } from "../domain/identity/org-settings.js";
import { clientAddress, principalOf } from "./call-context.js";

export function orgService(members: Members, ipRules: IpRules, agents: Agents, settings: OrgSettingsEditor): Partial<ServiceImpl<typeof OrgService>> {
  return {
    async getOrgSettings(_req, ctx) {
      return { settings: await settings.get(principalOf(ctx)) };
    },
    async updateOrgSettings(req, ctx) {
      return { settings: await settings.update(principalOf(ctx), { agentKeyClaim: req.agentKeyClaim, intentsRequireSimulation: req.intentsRequireSimulation }, clientAddress(ctx)) };
    },
    async getAgentKeysVault(_req, ctx) {
      return { vaultId: await agents.keysVaultId(principalOf(ctx)) };
    },
    async listOrgMembers(_req, ctx) {
      return { members: (await members.list(principalOf(ctx))).map(toOrgMember) };
    },
    async inviteMember(req, ctx) {
      const { email } = await members.invite(principalOf(ctx), { email: req.email, role: req.role }, clientAddress(ctx));
      return { message: `invitation sent; ${email} joins your organisation on signing up`, email };
    },
    async listInvitations(_req, ctx) {
      return { invitations: (await members.invitations(principalOf(ctx))).map(toInvitation) };
    },
    async revokeInvitation(req, ctx) {
      await members.revokeInvitation(principalOf(ctx), req.invitationId, clientAddress(ctx));
      return {};
    },
    async updateMemberRole(req, ctx) {
      return { member: toOrgMember(await members.changeRole(principalOf(ctx), req.userId, req.role, clientAddress(ctx))) };
    },
    async removeMember(req, ctx) {
      await members.remove(principalOf(ctx), req.userId, clientAddress(ctx));
      return {};
    },
    async listIpRules(_req, ctx) {
      return { rules: (await ipRules.list(principalOf(ctx))).map(toIpRule) };
    },
    async createIpRule(req, ctx) {
      const rule = await ipRules.create(principalOf(ctx), { ruleType: req.ruleType, cidr: req.cidr, label: req.label, appliesTo: req.appliesTo }, clientAddress(ctx));
      return { rule: toIpRule(rule) };
    },
    async deleteIpRule(req, ctx) {
      await ipRules.delete(principalOf(ctx), req.ruleId, clientAddress(ctx));
      return {};
    },
  };
}

function toIpRule(rule: IpRule): MessageInitShape<typeof IpRuleSchema> {
  return {
    id: rule.id,
    orgId: rule.orgId,
    ruleType: rule.ruleType,
    cidr: rule.cidr,
    label: rule.label,
    appliesTo: rule.appliesTo,
    createdBy: rule.createdBy,
    createdAt: timestampFromDate(rule.createdAt),
  };
}

function toInvitation(invitation: PendingInvitation): MessageInitShape<typeof InvitationSchema> {
  return {
    id: invitation.id,
    email: invitation.email,
    role: invitation.role,
    invitedBy: invitation.invitedBy,
    createdAt: timestampFromDate(invitation.createdAt),
    expiresAt: timestampFromDate(invitation.expiresAt),
  };
}

function toOrgMember(member: Member): MessageInitShape<typeof OrgMemberSchema> {
  return {
    id: member.id,
    email: member.email,
    displayName: member.displayName,
    role: member.role,
    authMethod: "password",
    createdAt: timestampFromDate(member.createdAt),
  };
}
