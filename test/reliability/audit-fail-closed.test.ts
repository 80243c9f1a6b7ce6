// Fail closed: while audit events cannot be written, no secret value is served, to anyone, by any
// route; once they can, reads work again. The audit table is made to refuse inserts with a
// trigger (the server's role may be a superuser, which privileges would not stop).
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import { VaultService } from "../../gen/ts/clawkeep/v1/vaults_pb.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { NO_RATE_LIMIT } from "../support/rate-limit.js";
import { rest, seedOrganisation, type Organisation } from "./support.js";

let server: TestServer;
let org: Organisation;
beforeAll(async () => {
  server = await startTestServer({ env: NO_RATE_LIMIT });
  org = await seedOrganisation(server.url);
});
afterAll(async () => {
  await server?.close();
});

async function refuseAuditWrites(refuse: boolean): Promise<void> {
  const q = (sql: string) => server.database.dataSource.query(sql);
  if (refuse) {
    await q(`CREATE OR REPLACE FUNCTION reliability_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log cannot be written (test)'; END $$`);
    await q(`CREATE TRIGGER reliability_refuse_audit BEFORE INSERT ON clawkeep_audit_events FOR EACH ROW EXECUTE FUNCTION reliability_refuse_audit()`);
  } else {
    await q(`DROP TRIGGER reliability_refuse_audit ON clawkeep_audit_events`);
  }
}

it("serves no secret value while audit events cannot be written, and serves again once they can", async () => {
  const call = rest(server.url);
  const secretValue = "sk-reliability-value";
  // A secret whose reads are counted (max_access_count) takes the other read path.
  expect((await call("PUT", `/v1/vaults/${org.vaultId}/secrets/api-keys/counted`, org.token, { value: "counted-value", max_access_count: 100 })).status).toBe(201);
  const share = await call("POST", `/v1/secrets/${org.secretId}/share`, org.token, { recipient_type: "anyone_with_link", expires_at: new Date(Date.now() + 86_400_000).toISOString() });
  expect(share.status).toBe(201);
  const shareId = ((await share.json()) as { id: string }).id;
  const reads: [string, string][] = [
    [`/v1/share/${shareId}`, org.token],
    [`/v1/vaults/${org.vaultId}/secrets/api-keys/openai`, org.agentToken],
    [`/v1/vaults/${org.vaultId}/secrets/api-keys/openai`, org.token],
    [`/v1/vaults/${org.vaultId}/secret-version/api-keys/openai/1`, org.token],
    [`/v1/vaults/${org.vaultId}/secrets/api-keys/counted`, org.agentToken],
  ];
  for (const [path, token] of reads) expect((await call("GET", path, token)).status).toBe(200);

  await refuseAuditWrites(true);
  try {
    for (const [path, token] of reads) {
      const res = await call("GET", path, token);
      const body = await res.text();
      expect({ path, status: res.status }).toEqual({ path, status: 503 });
      expect(body).not.toContain(secretValue);
      expect(body).not.toContain("counted-value");
      expect(JSON.parse(body).detail).toMatch(/audit/);
    }
    const grpc = createClient(VaultService, createGrpcTransport({ baseUrl: server.url }));
    await expect(grpc.getSecret({ vaultId: org.vaultId, path: "api-keys/openai" }, { headers: { authorization: `Bearer ${org.agentToken}` } })).rejects.toMatchObject({ code: 14 });
  } finally {
    await refuseAuditWrites(false);
  }
  for (const [path, token] of reads) expect((await call("GET", path, token)).status).toBe(200);
});
