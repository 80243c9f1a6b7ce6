// AuditService: proto ↔ the audit domain (query, verify, watch). Thin: limits, visibility and the
// chain arithmetic live in src/domain/audit.
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import type { AuditChainSchemeSchema, AuditEventSchema, AuditService } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import type { AuditEvent } from "../domain/audit/audit-log.js";
import type { AuditQuery } from "../domain/audit/audit-query.js";
import type { AuditVerifier } from "../domain/audit/audit-verify.js";
import type { AuditWatch } from "../domain/audit/audit-watch.js";
import { principalOf, streamSignal } from "./call-context.js";

export interface AuditApiDeps {
  auditQuery: AuditQuery;
  auditVerifier: AuditVerifier;
  auditWatch: AuditWatch;
}

/**
 * The scheme's description lives in the README ("Audit chain"), in the repository the module path
 * of gen/go names; the server itself serves no documentation pages.
 */
export const AUDIT_SCHEME_DOCUMENTATION = "https://github.com/clawkeep/clawkeep/blob/main/README.md#audit-chain";

export const AUDIT_CHAIN_SCHEME: MessageInitShape<typeof AuditChainSchemeSchema> = {
  algorithm: "HMAC-SHA256",
  chainStructure:
    "One chain per organisation, ordered by seq. Each event's integrity_hash is the lowercase hex HMAC-SHA256, under a key held by the server, " +
    "of the canonical JSON (no whitespace, object keys sorted at every depth) of the array [previous event's integrity_hash " +
    '(64 "0" characters for the organisation\'s first event), org_id, actor_type, actor_id, action, resource_type, resource_id, details, ' +
    "created_at (RFC 3339 UTC with exactly three fractional digits, e.g. 2026-01-02T03:04:05.000Z)]; prev_event_id names the previous event (absent for the first).",
  hashField: "integrity_hash",
  linkField: "prev_event_id",
  documentation: AUDIT_SCHEME_DOCUMENTATION,
};

export function auditService(deps: AuditApiDeps): Partial<ServiceImpl<typeof AuditService>> {
  return {
    async queryAuditEvents(req, ctx) {
      const events = await deps.auditQuery.query(principalOf(ctx), {
        resourceId: req.resourceId,
        actorId: req.actorId,
        action: req.action,
        from: dateOf(req.from),
        to: dateOf(req.to),
        limit: req.limit,
        offset: req.offset,
      });
      return { events: events.map(toAuditEvent), count: events.length };
    },
    async verifyAuditChain(req, ctx) {
      const result = await deps.auditVerifier.verify(principalOf(ctx), { from: dateOf(req.from), to: dateOf(req.to), limit: req.limit });
      return { ...result, scheme: AUDIT_CHAIN_SCHEME };
    },
    async *watchAuditEvents(req, ctx) {
      const watched = deps.auditWatch.watch(
        principalOf(ctx),
        { cursor: req.cursor, resourceId: req.resourceId, actorId: req.actorId, action: req.action },
        streamSignal(ctx),
      );
      for await (const { event, cursor } of watched) yield { event: toAuditEvent(event), cursor };
    },
  };
}

function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp ? timestampDate(timestamp) : undefined;
}

function toAuditEvent(event: AuditEvent): MessageInitShape<typeof AuditEventSchema> {
  return {
    id: event.id,
    orgId: event.orgId,
    actorType: event.actorType,
    actorId: event.actorId,
    action: event.action,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    details: event.details as JsonObject,
    ipAddress: event.ipAddress ?? "",
    createdAt: timestampFromDate(new Date(event.createdAt)),
    prevEventId: event.prevEventId ?? undefined,
    integrityHash: event.integrityHash,
  };
}
