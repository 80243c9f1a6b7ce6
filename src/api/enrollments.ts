// AgentService's self-enrollment methods: proto ↔ the enrollments domain. The agent side
// (EnrollAgent, ClaimEnrollment) is public; review and the event stream are for humans.
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AgentService, EnrollmentSchema } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import type { EnrollmentWatch } from "../domain/agents/enrollment-watch.js";
import { NIL_UUID, type EnrollmentRecord } from "../domain/agents/enrollment-records.js";
import type { Enrollments } from "../domain/agents/enrollments.js";
import { toAgent } from "./agents.js";
import { clientAddress, principalOf, streamSignal } from "./call-context.js";

export function enrollmentMethods(enrollments: Enrollments, watch: EnrollmentWatch): Partial<ServiceImpl<typeof AgentService>> {
  return {
    async enrollAgent(req, ctx) {
      const result = await enrollments.enroll({ name: req.name, humanEmail: req.humanEmail, description: req.description }, clientAddress(ctx));
      return { agentId: NIL_UUID, message: result.message, approvalUrl: result.approvalUrl, enrollmentId: result.enrollmentId, claimToken: result.claimToken };
    },
    async claimEnrollment(req, ctx) {
      return enrollments.claim(req.enrollmentId, req.claimToken, clientAddress(ctx));
    },
    async listEnrollments(req, ctx) {
      const list = await enrollments.list(principalOf(ctx), { status: req.status, limit: req.limit, offset: req.offset });
      return { enrollments: list.map(toEnrollment) };
    },
    async getEnrollment(req, ctx) {
      return { enrollment: toEnrollment(await enrollments.get(principalOf(ctx), req.enrollmentId, { approvalToken: req.approvalToken })) };
    },
    async approveEnrollment(req, ctx) {
      const { agent, enrollment } = await enrollments.approve(
        principalOf(ctx),
        req.enrollmentId,
        {
          approvalToken: req.approvalToken,
          vaultIds: req.vaultIds,
          policies: req.policies.map((p) => ({ vaultId: p.vaultId, secretPathPattern: p.secretPathPattern, permissions: p.permissions })),
        },
        clientAddress(ctx),
      );
      return { agent: toAgent(agent), enrollment: toEnrollment(enrollment) };
    },
    async denyEnrollment(req, ctx) {
      const enrollment = await enrollments.deny(principalOf(ctx), req.enrollmentId, { approvalToken: req.approvalToken, reason: req.reason }, clientAddress(ctx));
      return { enrollment: toEnrollment(enrollment) };
    },
    async *watchEnrollments(req, ctx) {
      for await (const { event, enrollment, cursor } of watch.watch(principalOf(ctx), req.cursor, streamSignal(ctx))) {
        yield { event, enrollment: toEnrollment(enrollment), cursor };
      }
    },
  };
}

export function toEnrollment(e: EnrollmentRecord): MessageInitShape<typeof EnrollmentSchema> {
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    humanEmail: e.humanEmail ?? "",
    status: e.status,
    sourceIp: e.sourceIp,
    createdAt: timestampFromDate(e.createdAt),
    expiresAt: timestampFromDate(e.expiresAt),
    decidedAt: e.decidedAt ? timestampFromDate(e.decidedAt) : undefined,
    decidedBy: e.decidedBy ?? "",
    agentId: e.agentId ?? NIL_UUID,
  };
}
