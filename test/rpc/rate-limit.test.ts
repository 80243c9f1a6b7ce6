// The per-address rate limit in front of every RPC. createRouterTransport sets no peer address,
// so every call here shares the "unknown" bucket.
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../gen/ts/clawkeep/v1/auth_pb.js";
import { ErrorDetailSchema } from "../../gen/ts/clawkeep/v1/errors_pb.js";
import { HealthService } from "../../gen/ts/clawkeep/v1/health_pb.js";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { createHarness, failure, invoke, type Harness } from "./harness.js";

const LIMITED = { CLAWKEEP_RATE_LIMIT_BURST: "3", CLAWKEEP_RATE_LIMIT_PER_SECOND: "1" };

// One database for the file; each test mounts its own server, so its own buckets, on it.
let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe("rate limit", () => {
  it("allows a burst of 3, then fails ResourceExhausted with retry_after_seconds", async () => {
    const { transport } = harness.mount({ env: LIMITED });
    for (let i = 0; i < 3; i++) expect((await invoke(transport, HealthService.method.getHealth)).ok, `call ${i + 1}`).toBe(true);
    const error = await failure(transport, HealthService.method.getHealth);
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toBe("too many requests from this address; retry in 1 s");
    expect(error.findDetails(ErrorDetailSchema)).toEqual([expect.objectContaining({ httpStatus: 429, type: "", retryAfterSeconds: 1 })]);
  });

  it("counts every call, whatever the method and its outcome", async () => {
    const { transport } = harness.mount({ env: LIMITED });
    expect((await failure(transport, VaultService.method.listVaults)).code).toBe(Code.Unauthenticated);
    expect((await invoke(transport, HealthService.method.getHealth)).ok).toBe(true);
    expect((await failure(transport, VaultService.method.getVault, { vaultId: "x" })).code).toBe(Code.Unauthenticated);
    expect((await failure(transport, HealthService.method.getHealth)).code).toBe(Code.ResourceExhausted);
  });

  it("runs before authentication, so a flood of bad credentials is refused unverified", async () => {
    const { transport } = harness.mount({ env: LIMITED });
    for (let i = 0; i < 3; i++) await invoke(transport, HealthService.method.getHealth);
    const error = await failure(transport, VaultService.method.listVaults, {}, { authorization: "Bearer junk" });
    expect(error.code).toBe(Code.ResourceExhausted);
  });

  it("refuses the second call with a burst of 1", async () => {
    const { transport } = harness.mount({ env: { CLAWKEEP_RATE_LIMIT_BURST: "1", CLAWKEEP_RATE_LIMIT_PER_SECOND: "1" } });
    await invoke(transport, HealthService.method.getHealth);
    const [detail] = (await failure(transport, HealthService.method.getHealth)).findDetails(ErrorDetailSchema);
    expect(detail.retryAfterSeconds).toBe(1);
  });

  it("keeps separate buckets per server", async () => {
    const first = harness.mount({ env: LIMITED });
    const second = harness.mount({ env: LIMITED });
    for (let i = 0; i < 3; i++) await invoke(first.transport, HealthService.method.getHealth);
    expect((await failure(first.transport, HealthService.method.getHealth)).code).toBe(Code.ResourceExhausted);
    expect((await invoke(second.transport, HealthService.method.getHealth)).ok).toBe(true);
  });

  it("applies to server streams as well", async () => {
    const { transport } = harness.mount({ env: LIMITED });
    for (let i = 0; i < 3; i++) await invoke(transport, HealthService.method.getHealth);
    const error = await failure(transport, AuthService.method.watchFleetTokens);
    expect(error.code).toBe(Code.ResourceExhausted);
  });
});
