// Identifier validation on public RPCs with the server's own interceptor chain: a non-UUID
// *_id fails InvalidArgument before the handler, a UUID reaches it.
import type { DescMethod } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { ShareService } from "../../gen/ts/clawkeep/v1/sharing_pb.js";
import { IntentService } from "../../gen/ts/clawkeep/v1/intents_pb.js";
import { createHarness, failure, type Harness } from "./harness.js";

const UUID = "3f1c2b4e-8a9d-4c7e-b1f0-123456789abc";

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(async () => {
  await harness?.close();
});

/** Each method, its identifier field (TypeScript and proto names), and what its handler answers a well-formed id it does not know. */
const CASES: [string, DescMethod, string, string, Code][] = [
  // No enrollment has this id (and no claim token is sent).
  ["AgentService.ClaimEnrollment", AgentService.method.claimEnrollment, "enrollmentId", "enrollment_id", Code.NotFound],
  // No share has this id.
  ["ShareService.AccessShare", ShareService.method.accessShare, "shareId", "share_id", Code.NotFound],
  // The agent id is fine; the API key that must come with it is missing.
  ["AuthService.ExchangeAgentToken", AuthService.method.exchangeAgentToken, "agentId", "agent_id", Code.Unauthenticated],
];

describe("identifier validation", () => {
  it.each(CASES)("%s refuses a non-UUID %s with InvalidArgument", async (_, method, localName, protoName) => {
    for (const value of ["not-a-uuid", "1", `${UUID}x`, "../secret"]) {
      const error = await failure(harness.transport, method, { [localName]: value });
      expect(error.code, value).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toBe(`${protoName} must be a UUID, got "${value}"`);
    }
  });

  it.each(CASES)("%s lets a UUID %s through to the handler", async (_, method, localName, _protoName, handlerAnswer) => {
    for (const value of [UUID, UUID.toUpperCase()]) {
      // The handler's own answer about this id, in either case: the identifier check let it through.
      const error = await failure(harness.transport, method, { [localName]: value });
      expect(error.code, `${value}: ${error.rawMessage}`).toBe(handlerAnswer);
      expect(error.rawMessage, value).not.toMatch(/must be a UUID/);
    }
  });

  it("leaves fields that are not identifiers alone", async () => {
    const error = await failure(harness.transport, IntentService.method.getChain, { identifier: "base-sepolia" });
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toMatch(/^no chain "base-sepolia" is configured/);
  });
});
