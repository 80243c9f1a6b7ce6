// HealthService/GetHealth (the REST twin of /v1/health) and the standard grpc.health.v1.Health,
// both driven by the same monitor.
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthService } from "../../gen/ts/clawkeep/v1/health_pb.js";
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from "../../gen/ts/grpc/health/v1/health_pb.js";
import { CLAWKEEP_SERVICES } from "../../src/api/services.js";
import { VERSION } from "../../src/version.js";
import { createHarness, failure, invoke, type Harness } from "./harness.js";

// One database for the file; each test mounts its own server (monitor, probe) on it.
let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(async () => {
  await harness?.close();
});

const down = async () => {
  throw new Error("connection refused");
};

describe("HealthService.GetHealth", () => {
  it("answers healthy with the version while the probe succeeds", async () => {
    let probes = 0;
    const { transport } = harness.mount({ probe: async () => void probes++ });
    const outcome = await invoke(transport, HealthService.method.getHealth);
    expect(outcome).toEqual({ ok: true, messages: [expect.objectContaining({ status: "healthy", version: VERSION })] });
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(probes).toBe(1);
  });

  it("answers degraded (not an error) when the probe throws", async () => {
    const { transport } = harness.mount({ probe: down });
    const outcome = await invoke(transport, HealthService.method.getHealth);
    expect(outcome).toEqual({ ok: true, messages: [expect.objectContaining({ status: "degraded", version: VERSION })] });
  });

  it("answers degraded once the server begins shutting down", async () => {
    const { transport, health } = harness.mount();
    expect((await invoke(transport, HealthService.method.getHealth)).ok).toBe(true);
    health.beginShutdown();
    expect(await invoke(transport, HealthService.method.getHealth)).toEqual({ ok: true, messages: [expect.objectContaining({ status: "degraded" })] });
  });

  it("caches the probe briefly instead of hitting the database on every call", async () => {
    let probes = 0;
    const { transport } = harness.mount({ probe: async () => void probes++ });
    for (let i = 0; i < 5; i++) await invoke(transport, HealthService.method.getHealth);
    expect(probes).toBe(1);
  });
});

describe("grpc.health.v1.Health", () => {
  it("serves the server and every Clawkeep service", async () => {
    const { transport } = harness.mount();
    for (const service of ["", ...CLAWKEEP_SERVICES.map((s) => s.typeName)]) {
      const outcome = await invoke(transport, Health.method.check, { service });
      expect(outcome, service).toEqual({ ok: true, messages: [expect.objectContaining({ status: ServingStatus.SERVING })] });
    }
  });

  it("answers NOT_SERVING when the probe fails", async () => {
    const { transport } = harness.mount({ probe: down });
    expect(await invoke(transport, Health.method.check, { service: "" })).toEqual({ ok: true, messages: [expect.objectContaining({ status: ServingStatus.NOT_SERVING })] });
  });

  it("answers NotFound for an unknown service, and needs no credential", async () => {
    const { transport } = harness.mount();
    const error = await failure(transport, Health.method.check, { service: "clawkeep.v1.NoSuchService" }, { authorization: "Bearer junk" });
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe('unknown service "clawkeep.v1.NoSuchService"');
  });

  it("streams SERVICE_UNKNOWN for an unknown service in Watch", async () => {
    const { transport } = harness.mount();
    const outcome = await invoke(transport, Health.method.watch, { service: "nope" });
    expect(outcome).toEqual({ ok: true, messages: [expect.objectContaining({ status: ServingStatus.SERVICE_UNKNOWN })] });
  });

  it("ends a Watch stream with NOT_SERVING on shutdown", async () => {
    const { transport, health } = harness.mount();
    const watching = invoke(transport, Health.method.watch, { service: "" });
    await new Promise((r) => setTimeout(r, 50));
    health.beginShutdown();
    const outcome = await watching;
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.messages.map((m) => (m as { status: ServingStatus }).status)).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });
});
