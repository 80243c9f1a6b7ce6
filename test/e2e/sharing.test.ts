// Sharing end to end against a real server and a real SMTP server: the seed's step 4 with the real
// curl (an agent shares a secret back to its creator, who accepts and reads it, and the share
// follows rotation); link shares with a passphrase, an expiry and a maximum of accesses over REST,
// grpc-js, Connect and the generated Python stubs; the Python SDK's /v1/shares routes; an
// external_email share mailed to an address that then signs up and claims it; shares with a
// member and with an agent of the organisation; the per-organisation create limit; and the audit
// trail every one of them leaves. Each scenario has an organisation of its own, so the limit of 10
// shares a minute per organisation only bites where it is tested.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorDetailSchema } from "../../gen/ts/clawkeep/v1/errors_pb.js";
import { ShareService, type AccessShareResponse, type CreateShareResponse } from "../../gen/ts/clawkeep/v1/sharing_pb.js";
import { grpcJsClient, grpcJsErrorDetail, grpcJsUnary } from "../support/grpc-js.js";
import { PASSWORD, uniqueEmail } from "../support/people.js";
import { restCaller, restSignup, type RestCall, type RestPerson } from "../support/rest.js";
import { freePort, startTestServer, type TestServer } from "../support/server.js";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink.js";
import { PYTHON, probeTool } from "../support/tools.js";

const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const curlTool = probeTool(["curl", "--version"], "apt-get install -y curl");
const python = probeTool([PYTHON, "-c", "import grpc, google.protobuf"], "apt-get install -y python3-grpcio python3-protobuf");

const PASSPHRASE = "purple monkey dishwasher";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The seed's date, while it is still comfortably ahead; later runs use a date about ten months on. */
const SEED_EXPIRES_AT = "2026-12-31T00:00:00Z";
const EXPIRES_AT =
  Date.now() < Date.parse("2026-12-30T00:00:00Z") ? SEED_EXPIRES_AT : `${new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`;
/** Step 4 of the seed quickstart (../shared/seeds/000_*), verbatim but for the base URL. */
const SEED_STEP_4 = `curl -s -X POST "$BASE/v1/secrets/$SECRET_ID/share" \\
-H "Authorization: Bearer $TOKEN" \\
-H "Content-Type: application/json" \\
-d '{"recipient_type":"creator","expires_at":"2026-12-31T00:00:00Z"}'`.replace(SEED_EXPIRES_AT, EXPIRES_AT);

let sink: SmtpSink;
let server: TestServer;
let base: string;
let call: RestCall;

beforeAll(async () => {
  sink = await startSmtpSink();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await startTestServer({
    env: {
      CLAWKEEP_PORT: String(port),
      CLAWKEEP_PUBLIC_URL: base,
      CLAWKEEP_SMTP_URL: sink.url,
      CLAWKEEP_MAIL_FROM: "Clawkeep <vault@example.com>",
      // Every call of this file comes from 127.0.0.1; the per-address floor is not under test here.
      CLAWKEEP_RATE_LIMIT_PER_SECOND: "10000",
      CLAWKEEP_RATE_LIMIT_BURST: "10000",
    },
  });
  call = restCaller(base);
}, 60_000);
afterAll(async () => {
  await server?.close();
  await sink?.close();
});

interface ShareBody {
  id: string;
  share_url: string;
  recipient_type: string;
  recipient_email?: string;
  expires_at: string;
  max_access_count?: number;
}

interface ListItem {
  id: string;
  secret_path: string;
  recipient_type: string;
  recipient_email?: string;
  access_count: number;
  max_access_count?: number;
  expires_at: string;
  created_at: string;
  is_expired: boolean;
  is_accepted: boolean;
}

interface AuditRow {
  action: string;
  actor_type: string;
  actor_id: string;
  resource_type: string;
  resource_id: string;
  details: Record<string, unknown>;
}

interface OwnedSecret {
  vaultId: string;
  secretId: string;
  path: string;
  value: string;
}

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

const hoursAhead = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();

/** A vault of `person` with one secret at `path`; the secret's id is the one the secret list shows. */
async function ownSecret(person: RestPerson, path: string): Promise<OwnedSecret> {
  const vault = await call("POST", "/v1/vaults", person.token, { name: `vault for ${path}` });
  expect(vault.status).toBe(201);
  const vaultId = (await json<{ id: string }>(vault)).id;
  const value = `value-${randomUUID()}`;
  expect((await call("PUT", `/v1/vaults/${vaultId}/secrets/${path}`, person.token, { value, type: "api_key" })).status).toBe(201);
  const listed = await json<{ secrets: { id: string; path: string }[] }>(await call("GET", `/v1/vaults/${vaultId}/secrets`, person.token));
  const secretId = listed.secrets.find((s) => s.path === path)!.id;
  expect(secretId).toMatch(UUID);
  return { vaultId, secretId, path, value };
}

async function createShare(token: string, secretId: string, body: Record<string, unknown>): Promise<ShareBody> {
  const res = await call("POST", `/v1/secrets/${secretId}/share`, token, body);
  const text = await res.text();
  expect(res.status, text).toBe(201);
  return JSON.parse(text) as ShareBody;
}

/** GET /v1/share/{id}, with a Bearer token and the passphrase header when given. */
function readShare(id: string, options: { token?: string; passphrase?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = options.passphrase === undefined ? {} : { "x-share-passphrase": options.passphrase };
  return call("GET", `/v1/share/${id}`, options.token, undefined, headers);
}

async function listShares(token: string, which: "inbound" | "outbound"): Promise<ListItem[]> {
  const res = await call("GET", `/v1/shares/${which}`, token);
  expect(res.status).toBe(200);
  return (await json<{ shares: ListItem[] }>(res)).shares;
}

async function newAgent(owner: RestPerson, name: string): Promise<{ id: string; apiKey: string }> {
  const res = await call("POST", "/v1/agents", owner.token, { name, scopes: ["vaults:read"] });
  expect(res.status).toBe(201);
  const { agent, api_key } = await json<{ agent: { id: string }; api_key: string }>(res);
  return { id: agent.id, apiKey: api_key };
}

async function agentToken(agent: { id: string; apiKey: string }): Promise<string> {
  const res = await call("POST", "/v1/auth/agent-token", undefined, { agent_id: agent.id, api_key: agent.apiKey });
  expect(res.status).toBe(200);
  return (await json<{ access_token: string }>(res)).access_token;
}

/** The audit events about one share in the organisation of `token`, oldest first; all of resource type "share". */
async function shareAudit(token: string, shareId: string): Promise<AuditRow[]> {
  const res = await call("GET", `/v1/audit/events?resource_id=${shareId}&limit=1000`, token);
  expect(res.status).toBe(200);
  const { events } = await json<{ events: AuditRow[] }>(res);
  for (const event of events) expect(event).toMatchObject({ resource_type: "share", resource_id: shareId });
  return events.reverse();
}

/** [action, actor_type, actor_id, and the refusal reason for share.access_denied]. */
function trail(events: AuditRow[]): string[][] {
  return events.map((e) => [e.action, e.actor_type, e.actor_id, ...(e.action === "share.access_denied" ? [String(e.details.reason)] : [])]);
}

async function expectChainValid(token: string): Promise<void> {
  const res = await call("GET", "/v1/audit/verify", token);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ chain_valid: true, events_checked: expect.any(Number) });
}

/** The share's expiry moved into the past, as if its time had run out. */
async function expireNow(shareId: string): Promise<void> {
  await server.database.dataSource.query(`UPDATE "clawkeep_shares" SET "expires_at" = clock_timestamp() - interval '1 second' WHERE "id" = $1`, [shareId]);
}

async function curlJson(args: string[]): Promise<{ status: number; json: Record<string, unknown> }> {
  const { stdout } = await run("curl", ["-s", "-w", "\n%{http_code}", ...args]);
  return splitStatus(stdout);
}

function splitStatus(stdout: string): { status: number; json: Record<string, unknown> } {
  const cut = stdout.lastIndexOf("\n");
  return { status: Number(stdout.slice(cut + 1)), json: JSON.parse(stdout.slice(0, cut) || "{}") as Record<string, unknown> };
}

describe("an agent shares a secret back to its creator (seed step 4)", () => {
  it.skipIf(!curlTool.available)("with the seed's curl: 201, the human finds, accepts and reads it, and it follows rotation", async () => {
    const human = await restSignup(call);
    const secret = await ownSecret(human, "api-keys/openai");
    const agent = await newAgent(human, "Share Bot");
    const policy = await call("POST", `/v1/vaults/${secret.vaultId}/policies`, human.token, {
      secret_path_pattern: "api-keys/**",
      principal_type: "agent",
      principal_id: agent.id,
      permissions: ["read"],
    });
    expect(policy.status).toBe(201);

    // Steps 1 and 2 with curl: the agent's token, and the id of the secret from the list.
    const exchanged = await curlJson([
      "-X", "POST", `${base}/v1/auth/agent-token`,
      "-H", "Content-Type: application/json",
      "-d", JSON.stringify({ agent_id: agent.id, api_key: agent.apiKey }),
    ]);
    expect(exchanged.status).toBe(200);
    const TOKEN = exchanged.json.access_token as string;
    const listed = await curlJson([`${base}/v1/vaults/${secret.vaultId}/secrets`, "-H", `Authorization: Bearer ${TOKEN}`]);
    expect(listed.status).toBe(200);
    const SECRET_ID = (listed.json.secrets as { id: string; path: string }[]).find((s) => s.path === "api-keys/openai")!.id;
    expect(SECRET_ID).toBe(secret.secretId);

    // Step 4, verbatim (the status code appended for the test to read).
    const { stdout } = await run("bash", ["-c", `${SEED_STEP_4} -w '\\n%{http_code}'`], { env: { ...process.env, BASE: base, SECRET_ID, TOKEN } });
    const shared = splitStatus(stdout);
    expect(shared.status).toBe(201);
    const shareId = shared.json.id as string;
    expect(shareId).toMatch(UUID);
    expect(shared.json).toEqual({
      id: shareId,
      share_url: `${base}/v1/share/${shareId}`,
      recipient_type: "creator",
      recipient_email: human.email,
      expires_at: EXPIRES_AT,
    });

    // The human's inbound list has it, not yet accepted.
    expect(await listShares(human.token, "inbound")).toEqual([
      {
        id: shareId,
        secret_path: "api-keys/openai",
        recipient_type: "creator",
        recipient_email: human.email,
        access_count: 0,
        expires_at: EXPIRES_AT,
        created_at: expect.any(String),
        is_expired: false,
        is_accepted: false,
      },
    ]);

    // Nobody reads it before the human accepts: not the human, not an anonymous caller, not a stranger.
    const early = await readShare(shareId, { token: human.token });
    expect(early.status).toBe(403);
    expect(await early.json()).toMatchObject({ type: "about:blank", status: 403 });
    expect((await readShare(shareId)).status).toBe(403);
    const stranger = await restSignup(call);
    expect((await readShare(shareId, { token: stranger.token })).status).toBe(403);
    // Only the recipient learns that the share exists.
    expect((await call("POST", `/v1/shares/${shareId}/accept`, stranger.token)).status).toBe(404);

    expect((await call("POST", `/v1/shares/${shareId}/accept`, human.token)).status).toBe(204);
    expect((await call("POST", `/v1/shares/${shareId}/accept`, human.token)).status).toBe(204);
    expect((await listShares(human.token, "inbound"))[0]).toMatchObject({ id: shareId, is_accepted: true });

    // The link in the response works with the human's token.
    const read = await fetch(shared.json.share_url as string, { headers: { authorization: `Bearer ${human.token}` } });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ id: SECRET_ID, path: "api-keys/openai", type: "api_key", value: secret.value, access_count: 1 });
    // Still nobody else.
    expect((await readShare(shareId, { token: stranger.token })).status).toBe(403);

    // A new version of the secret: the share serves it.
    expect((await call("PUT", `/v1/vaults/${secret.vaultId}/secrets/api-keys/openai`, human.token, { value: "rotated value", type: "api_key" })).status).toBe(201);
    const rotated = await readShare(shareId, { token: human.token });
    expect(rotated.status).toBe(200);
    expect(await rotated.json()).toMatchObject({ id: SECRET_ID, value: "rotated value", access_count: 2 });

    // The agent sees the share among its outbound shares with its access count; the human made none.
    const outbound = await curlJson([`${base}/v1/shares/outbound`, "-H", `Authorization: Bearer ${TOKEN}`]);
    expect(outbound.status).toBe(200);
    expect(outbound.json.shares).toEqual([expect.objectContaining({ id: shareId, recipient_type: "creator", access_count: 2, is_accepted: true, is_expired: false })]);
    expect(await listShares(human.token, "outbound")).toEqual([]);
    // Agents cannot mail secrets out of the organisation.
    const mailOut = await call("POST", `/v1/secrets/${SECRET_ID}/share`, TOKEN, { recipient_type: "external_email", email: uniqueEmail("elsewhere"), expires_at: hoursAhead(1) });
    expect(mailOut.status).toBe(403);

    // A share never outlives its sender's own access: without the agent's policy it stops working,
    // and that refusal is audited like every other refused access.
    const policyId = (await json<{ id: string }>(policy)).id;
    expect((await call("DELETE", `/v1/vaults/${secret.vaultId}/policies/${policyId}`, human.token)).status).toBe(204);
    const senderLost = await readShare(shareId, { token: human.token });
    expect(senderLost.status).toBe(403);
    expect(await senderLost.json()).toMatchObject({ type: "about:blank", status: 403 });

    const events = await shareAudit(human.token, shareId);
    expect(events[0].details).toMatchObject({ secret_id: SECRET_ID, vault_id: secret.vaultId, path: "api-keys/openai", recipient_type: "creator", recipient_user_id: human.id });
    expect(JSON.stringify(events)).not.toContain(secret.value);
    expect(JSON.stringify(events)).not.toContain("rotated value");
    await expectChainValid(human.token);
    expect(trail(events)).toEqual([
      ["share.create", "agent", agent.id],
      ["share.access_denied", "user", human.id, "not_accepted"],
      ["share.access_denied", "anonymous", "", "not_recipient"],
      ["share.access_denied", "user", stranger.id, "not_recipient"],
      ["share.accept", "user", human.id],
      ["share.access", "user", human.id],
      ["share.access_denied", "user", stranger.id, "not_recipient"],
      ["share.access", "user", human.id],
      // The refusal once the sender lost access (reason left to the implementation).
      ["share.access_denied", "user", human.id, expect.any(String)],
    ]);
  });
});

describe("link shares with a passphrase, an expiry and a maximum of accesses", () => {
  it("over REST: header or body passphrase, never the URL; 403, 410 when exhausted or expired, 404 when revoked or unknown", async () => {
    const human = await restSignup(call);
    const secret = await ownSecret(human, "db/password");
    const link = await createShare(human.token, secret.secretId, { recipient_type: "anyone_with_link", expires_at: hoursAhead(1), max_access_count: 3, passphrase: PASSPHRASE });
    expect(link).toEqual({ id: expect.stringMatching(UUID), share_url: `${base}/v1/share/${link.id}`, recipient_type: "anyone_with_link", expires_at: expect.any(String), max_access_count: 3 });

    // Missing and wrong passphrases.
    const missing = await readShare(link.id);
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ type: "about:blank", status: 403 });
    expect((await readShare(link.id, { passphrase: "not the passphrase" })).status).toBe(403);
    // The passphrase in the URL is refused outright, and nothing is read or counted.
    const inQuery = await call("GET", `/v1/share/${link.id}?passphrase=${encodeURIComponent(PASSPHRASE)}`);
    expect(inQuery.status).toBe(400);
    expect(await inQuery.json()).toMatchObject({ status: 400, detail: expect.stringContaining("passphrase") });

    // The right one, by header on the share URL (no token needed), and in the body of POST .../access.
    const first = await fetch(link.share_url, { headers: { "x-share-passphrase": PASSPHRASE } });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ id: secret.secretId, path: "db/password", type: "api_key", value: secret.value, access_count: 1, max_access_count: 3 });
    const second = await call("POST", `/v1/shares/${link.id}/access`, undefined, { passphrase: PASSPHRASE });
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ value: secret.value, access_count: 2, max_access_count: 3 });
    expect((await call("POST", `/v1/shares/${link.id}/access`, undefined, { passphrase: "wrong again" })).status).toBe(403);
    const third = await readShare(link.id, { passphrase: PASSPHRASE });
    expect(await third.json()).toMatchObject({ access_count: 3 });

    // The fourth read is over the maximum.
    const exhausted = await readShare(link.id, { passphrase: PASSPHRASE });
    expect(exhausted.status).toBe(410);
    expect(await exhausted.json()).toMatchObject({ type: "about:blank", status: 410 });
    expect((await call("POST", `/v1/shares/${link.id}/access`, undefined, { passphrase: PASSPHRASE })).status).toBe(410);
    // Nobody in particular to accept it.
    expect((await call("POST", `/v1/shares/${link.id}/accept`, human.token)).status).toBe(400);

    // Expiry.
    const expiring = await createShare(human.token, secret.secretId, { recipient_type: "anyone_with_link", expires_at: hoursAhead(1) });
    expect(expiring).not.toHaveProperty("max_access_count");
    const fresh = await readShare(expiring.id);
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toEqual({ id: secret.secretId, path: "db/password", type: "api_key", value: secret.value, access_count: 1 });
    await expireNow(expiring.id);
    const expired = await readShare(expiring.id);
    expect(expired.status).toBe(410);
    expect(await expired.json()).toMatchObject({ status: 410 });

    // Revocation, by the creator only; afterwards the share is unknown to everyone.
    const revoked = await createShare(human.token, secret.secretId, { recipient_type: "anyone_with_link", expires_at: hoursAhead(1) });
    // A public route ignores a token it cannot use; it never answers 401.
    expect((await readShare(revoked.id, { token: "not-a-token" })).status).toBe(200);
    const stranger = await restSignup(call);
    expect((await call("DELETE", `/v1/share/${revoked.id}`, stranger.token)).status).toBe(404);
    expect((await call("DELETE", `/v1/share/${revoked.id}`, human.token)).status).toBe(204);
    expect((await readShare(revoked.id)).status).toBe(404);
    expect((await call("DELETE", `/v1/share/${revoked.id}`, human.token)).status).toBe(404);

    // An IP allowlist: this client is 127.0.0.1.
    const elsewhere = await createShare(human.token, secret.secretId, { recipient_type: "anyone_with_link", expires_at: hoursAhead(1), ip_allowlist: ["10.0.0.0/8"] });
    expect((await readShare(elsewhere.id)).status).toBe(403);
    const here = await createShare(human.token, secret.secretId, { recipient_type: "anyone_with_link", expires_at: hoursAhead(1), ip_allowlist: ["127.0.0.1/32", "::1"] });
    expect((await readShare(here.id)).status).toBe(200);

    // Unknown and malformed ids.
    expect((await readShare(randomUUID())).status).toBe(404);
    expect((await readShare("not-a-share")).status).toBe(400);

    // The creator's list: revoked shares are gone, exhausted and expired ones say so.
    const outbound = await listShares(human.token, "outbound");
    expect(outbound.map((s) => s.id)).toEqual([here.id, elsewhere.id, expiring.id, link.id]);
    expect(outbound[2]).toMatchObject({ access_count: 1, is_expired: true, is_accepted: true });
    expect(outbound[3]).toMatchObject({ secret_path: "db/password", recipient_type: "anyone_with_link", access_count: 3, max_access_count: 3, is_expired: true, is_accepted: true });

    expect(trail(await shareAudit(human.token, link.id))).toEqual([
      ["share.create", "user", human.id],
      ["share.access_denied", "anonymous", "", "passphrase_missing"],
      ["share.access_denied", "anonymous", "", "passphrase_wrong"],
      ["share.access", "anonymous", ""],
      ["share.access", "anonymous", ""],
      ["share.access_denied", "anonymous", "", "passphrase_wrong"],
      ["share.access", "anonymous", ""],
    ]);
    const [linkCreate] = await shareAudit(human.token, link.id);
    expect(linkCreate.details).toMatchObject({ recipient_type: "anyone_with_link", max_access_count: 3, has_passphrase: true });
    expect(JSON.stringify(linkCreate)).not.toContain(PASSPHRASE);
    expect(trail(await shareAudit(human.token, expiring.id))).toEqual([
      ["share.create", "user", human.id],
      ["share.access", "anonymous", ""],
    ]);
    expect(trail(await shareAudit(human.token, revoked.id))).toEqual([
      ["share.create", "user", human.id],
      ["share.access", "anonymous", ""],
      ["share.revoke", "user", human.id],
    ]);
    expect(trail(await shareAudit(human.token, elsewhere.id))).toEqual([
      ["share.create", "user", human.id],
      ["share.access_denied", "anonymous", "", "ip_allowlist"],
    ]);

    // Deleting the secret ends every share of it.
    const last = await createShare(human.token, secret.secretId, { recipient_type: "anyone_with_link", expires_at: hoursAhead(1) });
    expect((await call("DELETE", `/v1/vaults/${secret.vaultId}/secrets/db/password`, human.token)).status).toBe(204);
    expect((await readShare(last.id)).status).toBe(410);
    await expectChainValid(human.token);
  });

  it("counts accesses exactly when many readers race for the last ones", async () => {
    const human = await restSignup(call);
    const secret = await ownSecret(human, "race/key");
    const link = await createShare(human.token, secret.secretId, { recipient_type: "anyone_with_link", expires_at: hoursAhead(1), max_access_count: 5 });
    const responses = await Promise.all(Array.from({ length: 12 }, () => readShare(link.id)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array<number>(5).fill(200), ...Array<number>(7).fill(410)]);
    const counts = await Promise.all(responses.filter((r) => r.status === 200).map(async (r) => (await json<{ access_count: number }>(r)).access_count));
    expect(counts.sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await listShares(human.token, "outbound"))[0]).toMatchObject({ id: link.id, access_count: 5, is_expired: true });
    expect(trail(await shareAudit(human.token, link.id)).filter(([action]) => action === "share.access")).toHaveLength(5);
  });

  it("over gRPC (grpc-js): passphrase in the message or as x-share-passphrase metadata", async () => {
    const human = await restSignup(call);
    const secret = await ownSecret(human, "grpc/secret");
    const shares = grpcJsClient(ShareService, server.port);
    const auth = { authorization: `Bearer ${human.token}` };
    const created = await grpcJsUnary<CreateShareResponse>(
      shares,
      "createShare",
      { secretId: secret.secretId, recipientType: "anyone_with_link", expiresAt: timestampFromDate(new Date(Date.now() + 3_600_000)), maxAccessCount: 2, passphrase: PASSPHRASE },
      auth,
    );
    const id = created.share!.id;
    expect(created.share).toMatchObject({ shareUrl: `${base}/v1/share/${id}`, recipientType: "anyone_with_link", maxAccessCount: 2 });
    const failure = (request: Record<string, unknown>, metadata: Record<string, string> = {}) =>
      grpcJsUnary(shares, "accessShare", request, metadata).then(
        () => {
          throw new Error("the call succeeded");
        },
        (error: ServiceError) => error,
      );

    expect((await failure({ shareId: id })).code).toBe(7); // PERMISSION_DENIED
    expect((await failure({ shareId: id, passphrase: "wrong" })).code).toBe(7);
    expect((await failure({ shareId: id }, { "x-share-passphrase": "wrong" })).code).toBe(7);
    const byMetadata = await grpcJsUnary<AccessShareResponse>(shares, "accessShare", { shareId: id }, { "x-share-passphrase": PASSPHRASE });
    expect(byMetadata.sharedSecret).toMatchObject({ id: secret.secretId, path: "grpc/secret", value: secret.value, accessCount: 1, maxAccessCount: 2 });
    const inMessage = await grpcJsUnary<AccessShareResponse>(shares, "accessShare", { shareId: id, passphrase: PASSPHRASE });
    expect(inMessage.sharedSecret).toMatchObject({ value: secret.value, accessCount: 2 });

    // Exhausted: FAILED_PRECONDITION, with the REST status 410 in the error detail.
    const gone = await failure({ shareId: id, passphrase: PASSPHRASE });
    expect(gone.code).toBe(9);
    expect(grpcJsErrorDetail(gone)).toMatchObject({ httpStatus: 410 });

    // Expired: the same.
    const expiring = await grpcJsUnary<CreateShareResponse>(
      shares,
      "createShare",
      { secretId: secret.secretId, recipientType: "anyone_with_link", expiresAt: timestampFromDate(new Date(Date.now() + 3_600_000)) },
      auth,
    );
    await expireNow(expiring.share!.id);
    const expired = await failure({ shareId: expiring.share!.id });
    expect(expired.code).toBe(9);
    expect(grpcJsErrorDetail(expired)).toMatchObject({ httpStatus: 410 });

    // Revoked and unknown: NOT_FOUND.
    await grpcJsUnary(shares, "revokeShare", { shareId: id }, auth);
    expect((await failure({ shareId: id, passphrase: PASSPHRASE })).code).toBe(5);
    expect((await failure({ shareId: randomUUID() })).code).toBe(5);

    expect(trail(await shareAudit(human.token, id))).toEqual([
      ["share.create", "user", human.id],
      ["share.access_denied", "anonymous", "", "passphrase_missing"],
      ["share.access_denied", "anonymous", "", "passphrase_wrong"],
      ["share.access_denied", "anonymous", "", "passphrase_wrong"],
      ["share.access", "anonymous", ""],
      ["share.access", "anonymous", ""],
      ["share.revoke", "user", human.id],
    ]);
    await expectChainValid(human.token);
  });

  it("over Connect: the same codes, and the 410 in the error detail", async () => {
    const human = await restSignup(call);
    const secret = await ownSecret(human, "connect/secret");
    const shares = createClient(ShareService, createConnectTransport({ baseUrl: base, httpVersion: "1.1" }));
    const headers = { authorization: `Bearer ${human.token}` };
    const { share } = await shares.createShare(
      { secretId: secret.secretId, recipientType: "anyone_with_link", expiresAt: timestampFromDate(new Date(Date.now() + 3_600_000)), maxAccessCount: 2, passphrase: PASSPHRASE },
      { headers },
    );
    const id = share!.id;
    const failure = (request: { shareId: string; passphrase?: string }, callHeaders: Record<string, string> = {}) =>
      shares.accessShare(request, { headers: callHeaders }).then(
        () => {
          throw new Error("the call succeeded");
        },
        (error: unknown) => ConnectError.from(error),
      );

    expect((await failure({ shareId: id })).code).toBe(Code.PermissionDenied);
    expect((await failure({ shareId: id, passphrase: "wrong" })).code).toBe(Code.PermissionDenied);
    const byHeader = await shares.accessShare({ shareId: id }, { headers: { "x-share-passphrase": PASSPHRASE } });
    expect(byHeader.sharedSecret).toMatchObject({ path: "connect/secret", value: secret.value, accessCount: 1, maxAccessCount: 2 });
    const inMessage = await shares.accessShare({ shareId: id, passphrase: PASSPHRASE });
    expect(inMessage.sharedSecret).toMatchObject({ value: secret.value, accessCount: 2 });

    const gone = await failure({ shareId: id, passphrase: PASSPHRASE });
    expect(gone.code).toBe(Code.FailedPrecondition);
    expect(gone.findDetails(ErrorDetailSchema)).toEqual([expect.objectContaining({ httpStatus: 410 })]);

    const listed = await shares.listOutboundShares({}, { headers });
    expect(listed.shares).toEqual([expect.objectContaining({ id, secretPath: "connect/secret", accessCount: 2, maxAccessCount: 2, isExpired: true, isAccepted: true })]);

    await shares.revokeShare({ shareId: id }, { headers });
    expect((await failure({ shareId: id, passphrase: PASSPHRASE })).code).toBe(Code.NotFound);
    expect((await failure({ shareId: randomUUID() })).code).toBe(Code.NotFound);
    expect((await shares.listOutboundShares({}, { headers })).shares).toEqual([]);

    expect(trail(await shareAudit(human.token, id)).map(([action]) => action)).toEqual([
      "share.create",
      "share.access_denied",
      "share.access_denied",
      "share.access",
      "share.access",
      "share.revoke",
    ]);
    await expectChainValid(human.token);
  });

  it.skipIf(!python.available)("with the generated Python stubs", async () => {
    const human = await restSignup(call);
    const secret = await ownSecret(human, "python/secret");
    const link = await createShare(human.token, secret.secretId, { recipient_type: "anyone_with_link", expires_at: hoursAhead(1), max_access_count: 2, passphrase: PASSPHRASE });
    const { stdout } = await run(PYTHON, [join(ROOT, "test/e2e/python/share_link.py"), `127.0.0.1:${server.port}`, link.id, PASSPHRASE], {
      env: { ...process.env, PYTHONPATH: join(ROOT, "gen/python"), PYTHONDONTWRITEBYTECODE: "1" },
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      missing: "PERMISSION_DENIED",
      wrong: "PERMISSION_DENIED",
      by_metadata: { path: "python/secret", value: secret.value, access_count: 1 },
      in_request: { value: secret.value, access_count: 2, max_access_count: 2 },
      exhausted: { code: "FAILED_PRECONDITION", http_status: 410 },
    });
    expect(trail(await shareAudit(human.token, link.id)).map(([action]) => action)).toEqual([
      "share.create",
      "share.access_denied",
      "share.access_denied",
      "share.access",
      "share.access",
    ]);
  });
});

describe("the Python SDK's routes under /v1/shares", () => {
  it("creates by vault and path, lists, reads by GET and POST, and revokes", async () => {
    const human = await restSignup(call);
    const secret = await ownSecret(human, "api-keys/stripe");
    const before = Date.now();
    const created = await call("POST", "/v1/shares", human.token, {
      vault_id: secret.vaultId,
      secret_path: secret.path,
      recipient_type: "anyone_with_link",
      expires_in_hours: 2,
      max_views: 3,
      passphrase: PASSPHRASE,
    });
    expect(created.status).toBe(201);
    const share = await json<ShareBody>(created);
    expect(share).toEqual({ id: expect.stringMatching(UUID), share_url: `${base}/v1/share/${share.id}`, recipient_type: "anyone_with_link", expires_at: expect.any(String), max_access_count: 3 });
    const lifetime = Date.parse(share.expires_at) - before;
    expect(lifetime).toBeGreaterThan(2 * 3_600_000 - 1_000);
    expect(lifetime).toBeLessThan(2 * 3_600_000 + 30_000);

    const listed = await call("GET", "/v1/shares", human.token);
    expect(listed.status).toBe(200);
    const { shares } = await json<{ shares: ListItem[] }>(listed);
    expect(shares).toEqual([expect.objectContaining({ id: share.id, secret_path: "api-keys/stripe", recipient_type: "anyone_with_link", access_count: 0, max_access_count: 3, is_accepted: true, is_expired: false })]);
    expect(await listShares(human.token, "outbound")).toEqual(shares);

    const got = await call("GET", `/v1/shares/${share.id}`, undefined, undefined, { "x-share-passphrase": PASSPHRASE });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual({ id: secret.secretId, path: "api-keys/stripe", type: "api_key", value: secret.value, access_count: 1, max_access_count: 3 });
    const posted = await call("POST", `/v1/shares/${share.id}/access`, undefined, { passphrase: PASSPHRASE });
    expect(posted.status).toBe(200);
    expect(await posted.json()).toMatchObject({ value: secret.value, access_count: 2 });
    expect((await call("GET", `/v1/shares/${share.id}`)).status).toBe(403);
    expect((await call("GET", `/v1/shares/${share.id}?passphrase=${encodeURIComponent(PASSPHRASE)}`)).status).toBe(400);
    expect((await listShares(human.token, "outbound"))[0]).toMatchObject({ id: share.id, access_count: 2 });

    expect((await call("DELETE", `/v1/shares/${share.id}`, human.token)).status).toBe(204);
    expect((await call("GET", `/v1/shares/${share.id}`, undefined, undefined, { "x-share-passphrase": PASSPHRASE })).status).toBe(404);
    expect((await call("POST", `/v1/shares/${share.id}/access`, undefined, { passphrase: PASSPHRASE })).status).toBe(404);
    expect((await call("DELETE", `/v1/shares/${share.id}`, human.token)).status).toBe(404);
    expect(await json(await call("GET", "/v1/shares", human.token))).toEqual({ shares: [] });

    // The SDK may leave out the recipient type and the lifetime: a link share for 24 hours.
    const defaults = await call("POST", "/v1/shares", human.token, { vault_id: secret.vaultId, secret_path: secret.path });
    expect(defaults.status).toBe(201);
    const defaulted = await json<ShareBody>(defaults);
    expect(defaulted.recipient_type).toBe("anyone_with_link");
    expect(Math.abs(Date.parse(defaulted.expires_at) - Date.now() - 24 * 3_600_000)).toBeLessThan(60_000);

    expect(trail(await shareAudit(human.token, share.id))).toEqual([
      ["share.create", "user", human.id],
      ["share.access", "anonymous", ""],
      ["share.access", "anonymous", ""],
      ["share.access_denied", "anonymous", "", "passphrase_missing"],
      ["share.revoke", "user", human.id],
    ]);
    await expectChainValid(human.token);
  });
});

describe("sharing with an email address that has no account yet", () => {
  it("mails the link but never the value; the address signs up, finds, accepts and reads it", async () => {
    const human = await restSignup(call);
    const secret = await ownSecret(human, "ops/pagerduty");
    const address = uniqueEmail("outsider");
    const share = await createShare(human.token, secret.secretId, { recipient_type: "external_email", email: address, expires_at: hoursAhead(24) });
    expect(share).toEqual({ id: expect.stringMatching(UUID), share_url: `${base}/v1/share/${share.id}`, recipient_type: "external_email", recipient_email: address, expires_at: expect.any(String) });

    const mail = await sink.waitFor((m) => m.to.includes(address));
    expect(mail.from).toContain("<vault@example.com>");
    expect(mail.subject).toBe(`${human.email} shared "ops/pagerduty" with you`);
    expect(mail.text).toContain(share.share_url);
    expect(mail.html).toContain(share.share_url);
    expect(mail.raw).not.toContain(secret.value);
    expect(mail.text).not.toContain(secret.value);

    // Before the address has an account nobody can read it: not anonymously, not another account.
    expect((await fetch(share.share_url)).status).toBe(403);
    expect((await readShare(share.id)).status).toBe(403);
    const someone = await restSignup(call);
    expect((await readShare(share.id, { token: someone.token })).status).toBe(403);
    expect(await listShares(someone.token, "inbound")).toEqual([]);

    // The address signs up, then logs in.
    const signedUp = await restSignup(call, address);
    const login = await call("POST", "/v1/auth/token", undefined, { email: address, password: PASSWORD });
    expect(login.status).toBe(200);
    const token = (await json<{ access_token: string }>(login)).access_token;
    expect(await listShares(token, "inbound")).toEqual([
      expect.objectContaining({ id: share.id, secret_path: "ops/pagerduty", recipient_type: "external_email", recipient_email: address, access_count: 0, is_accepted: false }),
    ]);
    expect((await readShare(share.id, { token })).status).toBe(403);
    expect((await call("POST", `/v1/shares/${share.id}/accept`, token)).status).toBe(204);
    const read = await fetch(share.share_url, { headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ id: secret.secretId, path: "ops/pagerduty", type: "api_key", value: secret.value, access_count: 1 });
    // Still not for anyone else.
    expect((await readShare(share.id, { token: someone.token })).status).toBe(403);
    expect((await readShare(share.id)).status).toBe(403);

    expect(trail(await shareAudit(human.token, share.id))).toEqual([
      ["share.create", "user", human.id],
      ["share.access_denied", "anonymous", "", "not_recipient"],
      ["share.access_denied", "anonymous", "", "not_recipient"],
      ["share.access_denied", "user", someone.id, "not_recipient"],
      ["share.claim", "user", signedUp.id],
      ["share.access_denied", "user", signedUp.id, "not_accepted"],
      ["share.accept", "user", signedUp.id],
      ["share.access", "user", signedUp.id],
      ["share.access_denied", "user", someone.id, "not_recipient"],
      ["share.access_denied", "anonymous", "", "not_recipient"],
    ]);
    await expectChainValid(human.token);
  });
});

describe("sharing inside the organisation", () => {
  it("with a member: only that member reads it, and only after accepting; declining ends it", async () => {
    const owner = await restSignup(call);
    const invite = async () => {
      const email = uniqueEmail("member");
      expect((await call("POST", "/v1/org/invite", owner.token, { email, role: "member" })).status).toBe(200);
      return restSignup(call, email);
    };
    const member = await invite();
    const colleague = await invite();
    const secret = await ownSecret(owner, "team/wifi");

    const yourself = await call("POST", `/v1/secrets/${secret.secretId}/share`, owner.token, { recipient_type: "user", recipient_id: owner.id, expires_at: hoursAhead(24) });
    expect(yourself.status).toBe(400);
    // "creator" is for agents only.
    const creator = await call("POST", `/v1/secrets/${secret.secretId}/share`, owner.token, { recipient_type: "creator", expires_at: hoursAhead(24) });
    expect(creator.status).toBe(400);

    const share = await createShare(owner.token, secret.secretId, { recipient_type: "user", recipient_id: member.id, expires_at: hoursAhead(24) });
    expect(share).toMatchObject({ recipient_type: "user", recipient_email: member.email });
    expect(await listShares(member.token, "inbound")).toEqual([expect.objectContaining({ id: share.id, recipient_type: "user", is_accepted: false })]);
    expect(await listShares(colleague.token, "inbound")).toEqual([]);

    expect((await readShare(share.id, { token: member.token })).status).toBe(403);
    expect((await call("POST", `/v1/shares/${share.id}/accept`, colleague.token)).status).toBe(404);
    expect((await readShare(share.id, { token: colleague.token })).status).toBe(403);
    expect((await call("POST", `/v1/shares/${share.id}/accept`, member.token)).status).toBe(204);
    const read = await readShare(share.id, { token: member.token });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ path: "team/wifi", value: secret.value, access_count: 1 });
    expect((await readShare(share.id, { token: colleague.token })).status).toBe(403);
    expect((await readShare(share.id)).status).toBe(403);
    expect((await listShares(owner.token, "outbound"))[0]).toMatchObject({ id: share.id, access_count: 1, is_accepted: true });

    // Declined: gone from the member's list and no longer readable.
    expect((await call("POST", `/v1/shares/${share.id}/decline`, member.token)).status).toBe(204);
    expect(await listShares(member.token, "inbound")).toEqual([]);
    expect((await readShare(share.id, { token: member.token })).status).toBe(404);

    expect(trail(await shareAudit(owner.token, share.id))).toEqual([
      ["share.create", "user", owner.id],
      ["share.access_denied", "user", member.id, "not_accepted"],
      ["share.access_denied", "user", colleague.id, "not_recipient"],
      ["share.accept", "user", member.id],
      ["share.access", "user", member.id],
      ["share.access_denied", "user", colleague.id, "not_recipient"],
      ["share.access_denied", "anonymous", "", "not_recipient"],
      ["share.decline", "user", member.id],
    ]);
    await expectChainValid(owner.token);
  });

  it("with an agent: it finds the share inbound, accepts it and reads it with its own token", async () => {
    const owner = await restSignup(call);
    const secret = await ownSecret(owner, "deploy/token");
    const agent = await newAgent(owner, "Deploy Bot");
    const otherAgent = await newAgent(owner, "Other Bot");
    const share = await createShare(owner.token, secret.secretId, { recipient_type: "agent", recipient_id: agent.id, expires_at: hoursAhead(24) });
    expect(share).toEqual({ id: expect.stringMatching(UUID), share_url: `${base}/v1/share/${share.id}`, recipient_type: "agent", expires_at: expect.any(String) });

    const token = await agentToken(agent);
    const otherToken = await agentToken(otherAgent);
    // The agent has no policy: the vault itself is not even visible to it.
    expect((await call("GET", `/v1/vaults/${secret.vaultId}/secrets/deploy/token`, token)).status).toBe(404);

    expect(await listShares(token, "inbound")).toEqual([expect.objectContaining({ id: share.id, secret_path: "deploy/token", recipient_type: "agent", is_accepted: false })]);
    expect(await listShares(otherToken, "inbound")).toEqual([]);
    expect((await readShare(share.id, { token })).status).toBe(403);
    expect((await call("POST", `/v1/shares/${share.id}/accept`, otherToken)).status).toBe(404);
    expect((await call("POST", `/v1/shares/${share.id}/accept`, token)).status).toBe(204);
    const read = await readShare(share.id, { token });
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ id: secret.secretId, path: "deploy/token", type: "api_key", value: secret.value, access_count: 1 });
    expect((await readShare(share.id, { token: otherToken })).status).toBe(403);
    expect((await readShare(share.id, { token: owner.token })).status).toBe(403);
    expect((await listShares(owner.token, "outbound"))[0]).toMatchObject({ id: share.id, recipient_type: "agent", access_count: 1, is_accepted: true });

    expect(trail(await shareAudit(owner.token, share.id))).toEqual([
      ["share.create", "user", owner.id],
      ["share.access_denied", "agent", agent.id, "not_accepted"],
      ["share.accept", "agent", agent.id],
      ["share.access", "agent", agent.id],
      ["share.access_denied", "agent", otherAgent.id, "not_recipient"],
      ["share.access_denied", "user", owner.id, "not_recipient"],
    ]);
    await expectChainValid(owner.token);
  });
});

describe("the share creation limit", () => {
  it("lets an organisation create 10 shares a minute, even when they race; the rest are 429 with Retry-After", async () => {
    const human = await restSignup(call);
    const secret = await ownSecret(human, "limited/key");
    const body = { recipient_type: "anyone_with_link", expires_at: hoursAhead(1) };
    const responses = await Promise.all(Array.from({ length: 13 }, () => call("POST", `/v1/secrets/${secret.secretId}/share`, human.token, body)));
    expect(responses.map((r) => r.status).sort()).toEqual([...Array<number>(10).fill(201), ...Array<number>(3).fill(429)]);
    for (const limited of responses.filter((r) => r.status === 429)) {
      const retryAfter = Number(limited.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await limited.json()).toMatchObject({ status: 429, type: "about:blank" });
    }
    // The refused ones were not created; the 11th in a row is refused too.
    expect(await listShares(human.token, "outbound")).toHaveLength(10);
    const eleventh = await call("POST", `/v1/secrets/${secret.secretId}/share`, human.token, body);
    expect(eleventh.status).toBe(429);
    expect(Number(eleventh.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

    // Another organisation is not held back.
    const other = await restSignup(call);
    const otherSecret = await ownSecret(other, "limited/key");
    expect((await call("POST", `/v1/secrets/${otherSecret.secretId}/share`, other.token, body)).status).toBe(201);
  });
});
