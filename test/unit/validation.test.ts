// Identifier checks that run on every request before any handler: *_id fields and *_ids lists
// must hold UUIDs (resource_id excepted), empty values are left to the handler.
import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ApproveEnrollmentRequestSchema, CreateAgentRequestSchema, GetAgentRequestSchema } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { QueryAuditEventsRequestSchema } from "../../gen/ts/clawkeep/v1/audit_pb.js";
import { ExchangeAgentTokenRequestSchema } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { GetChainRequestSchema, GetTransactionRequestSchema } from "../../gen/ts/clawkeep/v1/intents_pb.js";
import { CreateShareRequestSchema } from "../../gen/ts/clawkeep/v1/sharing_pb.js";
import { DeletePolicyRequestSchema, GetVaultRequestSchema, PutSecretRequestSchema } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { DomainError } from "../../src/domain/errors.js";
import { checkIdentifiers } from "../../src/interceptors/validation.js";

const UUID = "3f1c2b4e-8a9d-4c7e-b1f0-123456789abc";
const NIL = "00000000-0000-0000-0000-000000000000";

function check<D extends DescMessage>(schema: D, init: MessageInitShape<D>): void {
  checkIdentifiers(schema, create(schema, init));
}

function rejection<D extends DescMessage>(schema: D, init: MessageInitShape<D>): DomainError {
  try {
    check(schema, init);
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }
  throw new Error("expected checkIdentifiers to reject the message");
}

describe("checkIdentifiers", () => {
  it.each([UUID, UUID.toUpperCase(), NIL, "ffffffff-ffff-ffff-ffff-ffffffffffff"])("accepts the UUID %s", (id) => {
    expect(() => check(GetVaultRequestSchema, { vaultId: id })).not.toThrow();
  });

  it("leaves empty identifiers to the handler (optional or required is its rule)", () => {
    expect(() => check(GetVaultRequestSchema, {})).not.toThrow();
    expect(() => check(ExchangeAgentTokenRequestSchema, { apiKey: "ocv_x" })).not.toThrow();
  });

  it.each([
    "not-a-uuid",
    "3f1c2b4e8a9d4c7eb1f0123456789abc",
    `{${UUID}}`,
    ` ${UUID}`,
    `${UUID}\n`,
    "3f1c2b4e-8a9d-4c7e-b1f0-123456789abg",
    "3f1c2b4e-8a9d-4c7e-b1f0-123456789ab",
    "../../etc/passwd",
  ])("rejects %j as invalid_argument naming the field", (value) => {
    const error = rejection(GetVaultRequestSchema, { vaultId: value });
    expect(error.kind).toBe("invalid_argument");
    expect(error.detail).toBe(`vault_id must be a UUID, got "${value}"`);
  });

  it("checks every *_id field of a message, not only the first", () => {
    expect(() => check(DeletePolicyRequestSchema, { vaultId: UUID, policyId: UUID })).not.toThrow();
    expect(rejection(DeletePolicyRequestSchema, { vaultId: UUID, policyId: "p1" }).detail).toBe('policy_id must be a UUID, got "p1"');
    expect(rejection(GetTransactionRequestSchema, { agentId: UUID, txId: "0xabc" }).detail).toBe('tx_id must be a UUID, got "0xabc"');
    expect(rejection(CreateShareRequestSchema, { secretId: UUID, recipientId: "bob" }).detail).toBe('recipient_id must be a UUID, got "bob"');
  });

  it("ignores fields that do not end in _id, such as names, paths and chain identifiers", () => {
    expect(() => check(GetChainRequestSchema, { identifier: "base-sepolia" })).not.toThrow();
    expect(() => check(PutSecretRequestSchema, { vaultId: UUID, path: "api-keys/openai", value: "not-a-uuid" })).not.toThrow();
  });

  it("exempts resource_id, which may be a secret path, but still checks actor_id", () => {
    expect(() => check(QueryAuditEventsRequestSchema, { resourceId: "api-keys/openai" })).not.toThrow();
    expect(rejection(QueryAuditEventsRequestSchema, { resourceId: "api-keys/openai", actorId: "alice" }).detail).toBe('actor_id must be a UUID, got "alice"');
  });

  it("checks every entry of *_ids lists", () => {
    expect(() => check(CreateAgentRequestSchema, { vaultIds: [UUID, NIL] })).not.toThrow();
    expect(() => check(CreateAgentRequestSchema, { vaultIds: [] })).not.toThrow();
    const error = rejection(ApproveEnrollmentRequestSchema, { enrollmentId: UUID, vaultIds: [UUID, "prod-vault"] });
    expect(error.kind).toBe("invalid_argument");
    expect(error.detail).toBe('every entry of vault_ids must be a UUID, got "prod-vault"');
    // An empty entry is not a UUID either.
    expect(rejection(CreateAgentRequestSchema, { vaultIds: [""] }).detail).toBe('every entry of vault_ids must be a UUID, got ""');
  });

  it("truncates long values in the message so it stays loggable", () => {
    const long = "x".repeat(500);
    const error = rejection(GetAgentRequestSchema, { agentId: long });
    expect(error.detail).toBe(`agent_id must be a UUID, got "${"x".repeat(64)}…"`);
    expect(rejection(GetAgentRequestSchema, { agentId: "y".repeat(64) }).detail).toBe(`agent_id must be a UUID, got "${"y".repeat(64)}"`);
  });
});

describe("identifiers inside nested messages", () => {
  it("names the position of a bad id in a repeated message field", () => {
    const error = rejection(ApproveEnrollmentRequestSchema, {
      enrollmentId: UUID,
      policies: [
        { vaultId: UUID, secretPathPattern: "**", permissions: ["read"] },
        { vaultId: "prod", secretPathPattern: "**", permissions: ["read"] },
      ],
    });
    expect(error.detail).toBe('policies[1].vault_id must be a UUID, got "prod"');
  });

  it("accepts nested ids that are UUIDs", () => {
    expect(() => check(ApproveEnrollmentRequestSchema, { enrollmentId: UUID, policies: [{ vaultId: NIL, permissions: ["read"] }] })).not.toThrow();
  });
});
