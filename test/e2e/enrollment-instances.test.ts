// Self-enrollment across server instances: two servers on one PostgreSQL. A human watches
// WatchEnrollments on B (the Connect client over HTTP) while an agent enrolls naming them, is
// approved and claims its key on A (plain REST); B streams requested, approved and claimed in
// order, each within a few seconds of the call that caused it. And a key approved on A is claimed
// on B, once. (The embedded database belongs to one process, so this needs DATABASE_URL.)
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentService, type WatchEnrollmentsResponse } from "../../gen/ts/clawkeep/v1/agents_pb.js";
import { compareBusCursors } from "../support/cursors.js";
import { usingPostgres } from "../support/database.js";
import { restCaller, restSignup, type RestCall } from "../support/rest.js";
import { startInstancePair, type InstancePair, type TestServer } from "../support/server.js";

const NIL = "00000000-0000-0000-0000-000000000000";
/** How long an event may take from the call on A to the watcher on B. */
const FEW_SECONDS_MS = 3000;

interface Enrolled {
  enrollment_id: string;
  claim_token: string;
  agent_id: string;
}

describe.skipIf(!usingPostgres)("self-enrollment across instances", () => {
  let pair: InstancePair;
  let a: TestServer;
  let b: TestServer;
  let onA: RestCall;
  let onB: RestCall;

  beforeAll(async () => {
    pair = await startInstancePair();
    ({ a, b } = pair);
    onA = restCaller(a.url);
    onB = restCaller(b.url);
  });
  afterAll(async () => {
    await pair?.close();
  });

  /** An agent's enrollment naming `email`, through REST on `call`'s server. */
  async function enroll(call: RestCall, name: string, email: string): Promise<Enrolled> {
    const res = await call("POST", "/v1/agents/enroll", undefined, { name, human_email: email, description: `${name}, enrolled in a test` });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Enrolled;
    expect(body.agent_id).toBe(NIL);
    return body;
  }

  /**
   * A human's WatchEnrollments stream on B, resuming after `cursor`. Each event is kept with the
   * time it arrived; `next` waits for the next one for at most FEW_SECONDS_MS.
   */
  function watchOnB(token: string, cursor: string) {
    const controller = new AbortController();
    const arrived: WatchEnrollmentsResponse[] = [];
    let failure: unknown;
    const client = createClient(AgentService, createConnectTransport({ baseUrl: b.url, httpVersion: "1.1" }));
    const done = (async () => {
      for await (const message of client.watchEnrollments({ cursor }, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal })) arrived.push(message);
    })().catch((error: unknown) => {
      if (!controller.signal.aborted) failure = error;
    });
    let taken = 0;
    return {
      arrived,
      async next(what: string): Promise<WatchEnrollmentsResponse> {
        const deadline = Date.now() + FEW_SECONDS_MS;
        while (arrived.length <= taken) {
          if (failure) throw failure;
          if (Date.now() > deadline) throw new Error(`the watcher on B saw no "${what}" event within ${FEW_SECONDS_MS} ms (it saw ${arrived.map((e) => e.event).join(", ") || "nothing"})`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return arrived[taken++];
      },
      async stop() {
        controller.abort();
        await done;
      },
    };
  }

  it("a human watching on B sees requested, approved and claimed of an enrollment handled on A, in order, each within a few seconds", async () => {
    const human = await restSignup(onA);
    // Resuming after B's newest event: the stream cannot miss what follows, however long it takes to open.
    const watcher = watchOnB(human.token, await b.bus.latestCursor());
    try {
      const enrolled = await enroll(onA, "cross-instance bot", human.email);
      const requested = await watcher.next("requested");
      expect(requested.event).toBe("requested");
      expect(requested.enrollment).toMatchObject({ id: enrolled.enrollment_id, status: "pending", humanEmail: human.email, name: "cross-instance bot", agentId: NIL });

      const approval = await onA("POST", `/v1/enrollments/${enrolled.enrollment_id}/approve`, human.token, {});
      expect(approval.status).toBe(200);
      const { agent } = (await approval.json()) as { agent: { id: string; created_by: string } };
      expect(agent.created_by).toBe(human.id);
      const approved = await watcher.next("approved");
      expect(approved.event).toBe("approved");
      expect(approved.enrollment).toMatchObject({ id: enrolled.enrollment_id, status: "approved", decidedBy: human.id, agentId: agent.id });

      const claim = await onA("POST", `/v1/agents/enroll/${enrolled.enrollment_id}/claim`, undefined, { claim_token: enrolled.claim_token });
      expect(claim.status).toBe(200);
      expect(await claim.json()).toEqual({ agent_id: agent.id, api_key: expect.stringMatching(/^ocv_/) });
      const claimed = await watcher.next("claimed");
      expect(claimed.event).toBe("claimed");
      expect(claimed.enrollment).toMatchObject({ id: enrolled.enrollment_id, status: "claimed", agentId: agent.id });

      const cursors = [requested, approved, claimed].map((e) => e.cursor);
      expect(compareBusCursors(cursors[0], cursors[1]) < 0 && compareBusCursors(cursors[1], cursors[2]) < 0).toBe(true);
      expect(watcher.arrived).toHaveLength(3);
    } finally {
      await watcher.stop();
    }
  });

  it("a key approved on A is claimed on B, exactly once, and works on both", async () => {
    const human = await restSignup(onA);
    const enrolled = await enroll(onA, "claims elsewhere", human.email);
    const claimOn = (call: RestCall) => call("POST", `/v1/agents/enroll/${enrolled.enrollment_id}/claim`, undefined, { claim_token: enrolled.claim_token });

    // B knows the enrollment A took, and that nobody has decided it yet.
    const early = await claimOn(onB);
    expect(early.status).toBe(409);
    expect(((await early.json()) as { detail: string }).detail).toBe("enrollment is pending approval: ask again later, at most every 5 seconds");

    const approval = await onA("POST", `/v1/enrollments/${enrolled.enrollment_id}/approve`, human.token, {});
    expect(approval.status).toBe(200);
    const { agent } = (await approval.json()) as { agent: { id: string } };

    const claim = await claimOn(onB);
    expect(claim.status).toBe(200);
    const { agent_id, api_key } = (await claim.json()) as { agent_id: string; api_key: string };
    expect(agent_id).toBe(agent.id);
    expect(api_key).toMatch(/^ocv_/);
    const again = await claimOn(onA);
    expect(again.status).toBe(410);

    const exchange = await onB("POST", "/v1/auth/agent-token", undefined, { api_key });
    expect(exchange.status).toBe(200);
    const { access_token } = (await exchange.json()) as { access_token: string };
    const self = await onA("GET", "/v1/agents/me", access_token);
    expect(self.status).toBe(200);
    expect(((await self.json()) as { id: string }).id).toBe(agent.id);
    const byHuman = await onB("GET", "/v1/enrollments/" + enrolled.enrollment_id, human.token);
    expect(((await byHuman.json()) as { enrollment: { status: string } }).enrollment.status).toBe("claimed");
  });
});
