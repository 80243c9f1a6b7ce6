// The console's audit page over plain HTTP against a real server: the events of an agent's share
// back to its creator, accepted and read in the console, are listed with who did what; the action
// filter narrows to one action; older events are paged with the API's offset; and "Verify chain"
// reports the API's verification in words.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consolePerson, ConsoleVisitor, decode, type ConsolePage, type ConsolePerson } from "../support/console.js";
import { NO_RATE_LIMIT } from "../support/rate-limit.js";
import { restCaller, type RestCall } from "../support/rest.js";
import { startTestServer, type TestServer } from "../support/server.js";

let server: TestServer;
let call: RestCall;

beforeAll(async () => {
  server = await startTestServer({ env: NO_RATE_LIMIT });
  call = restCaller(server.url);
});
afterAll(async () => {
  await server?.close();
});

function signedUp(): Promise<ConsolePerson> {
  return consolePerson(server.url);
}

/** The event rows of an audit page: [time, actor, action, resource, ip, chain]. */
function events(page: ConsolePage): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(page.html)?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => decode(cell[1]).replace(/\s+/g, " ")));
}

/** Audit events are listed once they are chained, within a second of their commit. */
async function until(visitor: ConsoleVisitor, path: string, done: (page: ConsolePage) => boolean): Promise<ConsolePage> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const page = await visitor.get(path);
    if (done(page) || Date.now() > deadline) return page;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

describe("console audit log", () => {
  it("lists a share's events by actor and action, filters by action, and verifies the chain", async () => {
    const person = await signedUp();
    const vault = (await (await call("POST", "/v1/vaults", person.token, { name: "audited" })).json()) as { id: string };
    expect((await call("PUT", `/v1/vaults/${vault.id}/secrets/api-keys/openai`, person.token, { value: "sk-audited", type: "api_key" })).status).toBe(201);
    const created = (await (await call("POST", "/v1/agents", person.token, { name: "Audit Bot", scopes: ["vaults:read"] })).json()) as { agent: { id: string }; api_key: string };
    await call("POST", `/v1/vaults/${vault.id}/policies`, person.token, { secret_path_pattern: "**", principal_type: "agent", principal_id: created.agent.id, permissions: ["read"] });
    const agentToken = ((await (await call("POST", "/v1/auth/agent-token", undefined, { agent_id: created.agent.id, api_key: created.api_key })).json()) as { access_token: string }).access_token;
    const listed = (await (await call("GET", `/v1/vaults/${vault.id}/secrets`, agentToken)).json()) as { secrets: { id: string }[] };
    const share = (await (await call("POST", `/v1/secrets/${listed.secrets[0].id}/share`, agentToken, { recipient_type: "creator", expires_at: new Date(Date.now() + 3_600_000).toISOString() })).json()) as { id: string };
    await person.visitor.post("/console/shares/accept", { share_id: share.id });
    const read = await person.visitor.post("/console/shares/read", { share_id: share.id });
    expect(read.html).toContain("sk-audited");

    const all = await until(person.visitor, "/console/audit", (p) => events(p).some((e) => e[2] === "share.access"));
    expect(all.status).toBe(200);
    const rows = events(all);
    // Newest first, each with its actor in words, the client address and its chain link.
    expect(rows.slice(0, 3).map((e) => [e[1], e[2], e[3]])).toEqual([
      [`${person.email} (you)`, "share.access", expect.stringContaining(`share ${share.id}`)],
      [`${person.email} (you)`, "share.accept", expect.stringContaining(`share ${share.id}`)],
      ["agent Audit Bot", "share.create", expect.stringContaining(`share ${share.id}`)],
    ]);
    expect(rows[0][4]).toBe("127.0.0.1");
    expect(rows[0][5]).toBe("linked");
    expect(all.html).toMatch(/title="integrity_hash [0-9a-f]{64}"/);
    expect(rows.at(-1)![2]).toBe("org.create");
    expect(rows.at(-1)![5]).toBe("first");
    expect(all.html).not.toContain("sk-audited");

    const filtered = await person.visitor.get("/console/audit?action=share.create");
    expect(events(filtered).map((e) => e[2])).toEqual(["share.create"]);
    expect(filtered.html).toContain('<option value="share.create" selected>');
    const byActor = await person.visitor.get(`/console/audit?actor=${created.agent.id}`);
    expect(new Set(events(byActor).map((e) => e[1]))).toEqual(new Set(["agent Audit Bot"]));
    const byResource = await person.visitor.get(`/console/audit?resource=${share.id}`);
    expect(events(byResource).map((e) => e[2])).toEqual(["share.access", "share.accept", "share.create"]);

    const verified = await person.visitor.post("/console/audit/verify", {});
    expect(verified.status).toBe(200);
    const expected = (await (await call("GET", "/v1/audit/verify", person.token)).json()) as { chain_valid: boolean; events_verified: number };
    expect(expected.chain_valid).toBe(true);
    expect(verified.notice).toMatch(new RegExp(`^The chain verifies\\. Verified ${expected.events_verified} of ${expected.events_verified} events`));
  });

  it("says where the chain is broken when an event was changed", async () => {
    const person = await signedUp();
    await call("POST", "/v1/vaults", person.token, { name: "first" });
    await call("POST", "/v1/vaults", person.token, { name: "second" });
    const listed = await until(person.visitor, "/console/audit?action=vault.create", (p) => events(p).length === 2);
    expect(events(listed)).toHaveLength(2);
    const [{ id }] = (await server.database.dataSource.query(
      `SELECT "id" FROM "clawkeep_audit_events" WHERE "action" = 'vault.create' AND "actor_id" = $1 ORDER BY "created_at" LIMIT 1`,
      [person.id],
    )) as { id: string }[];
    await server.database.dataSource.query(`UPDATE "clawkeep_audit_events" SET "details" = '{"name":"tampered"}' WHERE "id" = $1`, [id]);
    const verified = await person.visitor.post("/console/audit/verify", {});
    expect(verified.notice).toBeUndefined();
    expect(verified.alert).toBe(`The chain is broken at event ${id}: its content differs from what was written (the integrity hash does not match).`);
  });

  it("pages older events with the API's offset", async () => {
    const person = await signedUp();
    const names = Array.from({ length: 55 }, (_, i) => `vault-${i}-${randomUUID().slice(0, 6)}`);
    for (const name of names) expect((await call("POST", "/v1/vaults", person.token, { name })).status).toBe(201);
    const first = await until(person.visitor, "/console/audit?action=vault.create", (p) => p.html.includes("Older →"));
    expect(events(first)).toHaveLength(50);
    expect(first.html).toContain("Events 1–50");
    const older = /href="([^"]+)">Older →/.exec(first.html)![1].replace(/&amp;/g, "&");
    expect(older).toBe("/console/audit?action=vault.create&offset=50");
    const second = await person.visitor.get(older);
    expect(events(second)).toHaveLength(5);
    expect(second.html).toContain("Events 51–55");
    expect(second.html).not.toContain("Older →");
    expect(second.html).toContain("← Newer");
  });

  it("shows a bad date in place, with a 400, and an unknown action as the API refuses it", async () => {
    const person = await signedUp();
    const bad = await person.visitor.get("/console/audit?from=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.alert).toBe('From "yesterday" is not a date and time.');
    const unknown = await person.visitor.get("/console/audit?action=secret.steal");
    expect(unknown.status).toBe(400);
    expect(unknown.alert).toMatch(/action/);
    const far = await person.visitor.get("/console/audit?offset=99999999999999");
    expect(far.status).toBe(200);
    expect(far.html).toContain("No older events.");
  });
});
