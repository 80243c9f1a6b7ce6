// OrgService: proto ↔ the members domain. IP rules and the agent-keys vault belong to later
// capabilities and still answer Unimplemented.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { OrgMemberSchema, OrgService } from "../../gen/ts/clawkeep/v1/org_pb.js";
import type { Member, Members } from "../domain/identity/members.js";
import { clientAddress, principalOf } from "./call-context.js";

export function orgService(members: Members): Partial<ServiceImpl<typeof OrgService>> {
  return {
    async listOrgMembers(_req, ctx) {
      return { members: (await members.list(principalOf(ctx))).map(toOrgMember) };
    },
    async inviteMember(req, ctx) {
      const { email } = await members.invite(principalOf(ctx), { email: req.email, role: req.role }, clientAddress(ctx));
      return { message: `invitation sent; ${email} joins your organisation on signing up`, email };
    },
    async updateMemberRole(req, ctx) {
      return { member: toOrgMember(await members.changeRole(principalOf(ctx), req.userId, req.role, clientAddress(ctx))) };
    },
    async removeMember(req, ctx) {
      await members.remove(principalOf(ctx), req.userId, clientAddress(ctx));
      return {};
    },
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
