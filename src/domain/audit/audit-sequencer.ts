// Links appended audit events into their organisation's chain: seq, prev_event_id and
// integrity_hash, in batches, right after they commit. One sequencer per organisation works at a
// time, on any instance (a transaction-scoped advisory lock on the organisation), so the chain
// never forks; requests never take that lock, so they never wait for it.
//
// It is asked to run by the transaction that appended (after its commit), and a sweep every
// second catches events whose instance died before it chained them. Readers that must see every
// committed event chained (the audit query, verify) call `flush` first.
import { AsyncResource } from "node:async_hooks";
import type { Logger } from "pino";
import type { DataSource, EntityManager } from "typeorm";
import type { EventBus } from "../../events/bus.js";
import type { ChainKicker } from "./audit-log.js";
import { chainedFieldsOf, type AuditEventRow } from "./audit-query.js";
import { GENESIS_HASH, integrityHash } from "./chain.js";

/** Published (one per batch) when events were chained: WatchAuditEvents wakes on it. */
export const AUDIT_CHAINED_TOPIC = "audit.chained";

const BATCH = 500;
/** Another instance holds the organisation's chain: look again this much later. */
const BUSY_RETRY_MS = 20;
/** Organisations chained in one transaction. */
const ORGS_PER_BATCH = 50;
const SWEEP_INTERVAL_MS = 1000;
/**
 * A kick waits this long before chaining, so that the events of many requests make one batch (one
 * transaction) instead of one each: a busy organisation costs a few chain transactions a second.
 */
const BATCH_DELAY_MS = 10;
/** The sweep leaves younger events to the instance that appended them. */
const SWEEP_MIN_AGE_MS = 2000;

type PendingRow = Pick<AuditEventRow, "id" | "org_id" | "actor_type" | "actor_id" | "action" | "resource_type" | "resource_id" | "details" | "created_at">;

export interface AuditSequencerParts {
  dataSource: DataSource;
  bus: EventBus;
  hmacKey: Buffer;
  logger: Logger;
}

export class AuditSequencer implements ChainKicker {
  private readonly dirty = new Set<string>();
  private draining: Promise<void> | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private closed = false;
  /** Chaining is background work: it runs in the sequencer's own context, not the request's that kicked it. */
  private readonly scope = new AsyncResource("clawkeep.audit-sequencer");

  constructor(private readonly parts: AuditSequencerParts) {}

  start(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    void this.sweep();
  }

  /** Stops sweeping and finishes the chaining already asked for. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    await this.draining;
  }

  /** Chains the organisation's pending events soon; many kicks before then make one batch. */
  kick(orgId: string): void {
    this.dirty.add(orgId);
    this.draining ??= this.scope.runInAsyncScope(() => new Promise<void>((resolve) => setTimeout(resolve, BATCH_DELAY_MS)).then(() => this.drain()));
  }

  /**
   * Chains every event of the organisation that committed before this call, waiting for another
   * instance's sequencer if it holds the chain.
   */
  async flush(orgId: string): Promise<void> {
    const [pending]: { any: boolean }[] = await this.parts.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM "clawkeep_audit_events" WHERE "org_id" = $1 AND "seq" IS NULL) AS "any"`,
      [orgId],
    );
    if (!pending.any) return;
    while ((await this.chainBatch([orgId], "wait")).full.length > 0);
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const orgs = [...this.dirty];
        this.dirty.clear();
        for (let i = 0; i < orgs.length; i += ORGS_PER_BATCH) await this.chainSome(orgs.slice(i, i + ORGS_PER_BATCH));
        if (this.dirty.size === 0) return;
        await new Promise((resolve) => setTimeout(resolve, BATCH_DELAY_MS));
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async chainSome(orgIds: string[]): Promise<void> {
    try {
      const { busy, full } = await this.chainBatch(orgIds, "try");
      // A busy chain's holder may have read its batch before our events committed: look again.
      // A full batch may have more behind it.
      if (!this.closed) for (const orgId of busy) setTimeout(() => this.kick(orgId), BUSY_RETRY_MS).unref();
      for (const orgId of full) this.dirty.add(orgId);
    } catch (error) {
      this.parts.logger.warn({ err: error, org_ids: orgIds }, "chaining audit events failed; the sweep will retry");
    }
  }

  /**
   * Links up to BATCH pending events of each organisation, in one transaction for all of them.
   * Returns the organisations another sequencer held ("busy"), and those with a full batch.
   */
  private chainBatch(orgIds: string[], mode: "try" | "wait"): Promise<{ busy: string[]; full: string[] }> {
    return this.parts.dataSource.transaction(async (manager) => {
      const lock =
        mode === "try"
          ? `SELECT "org"::text AS "org", pg_try_advisory_xact_lock(hashtextextended('clawkeep-audit-chain:' || "org", 0)) AS "locked" FROM unnest($1::uuid[]) AS "org"`
          : `SELECT "org"::text AS "org", true AS "locked" FROM unnest($1::uuid[]) AS "org", LATERAL (SELECT pg_advisory_xact_lock(hashtextextended('clawkeep-audit-chain:' || "org", 0))) AS "waited"`;
      const locks: { org: string; locked: boolean }[] = await manager.query(lock, [orgIds]);
      const busy = locks.filter((l) => !l.locked).map((l) => l.org);
      const held = locks.filter((l) => l.locked).map((l) => l.org);
      if (held.length === 0) return { busy, full: [] };
      const pending: (PendingRow & { n: string })[] = await manager.query(
        `SELECT * FROM (
           SELECT "id", "org_id", "actor_type", "actor_id", "action", "resource_type", "resource_id", "details", "created_at", "pos",
                  row_number() OVER (PARTITION BY "org_id" ORDER BY "pos") AS "n"
           FROM "clawkeep_audit_events" WHERE "org_id" = ANY($1::uuid[]) AND "seq" IS NULL
         ) AS "p" WHERE "n" <= ${BATCH} ORDER BY "org_id", "pos"`,
        [held],
      );
      if (pending.length === 0) return { busy, full: [] };
      const linked = await this.link(manager, pending);
      return { busy, full: [...linked].filter(([, count]) => count === BATCH).map(([orgId]) => orgId) };
    });
  }

  /** Links the pending events (ordered by organisation, then position); returns how many per organisation. */
  private async link(manager: EntityManager, pending: PendingRow[]): Promise<Map<string, number>> {
    const orgIds = [...new Set(pending.map((row) => row.org_id))];
    const heads: { org_id: string; seq: string; last_event_id: string | null; last_hash: string }[] = await manager.query(
      `SELECT "org_id", "seq"::text AS "seq", "last_event_id", "last_hash" FROM "clawkeep_audit_heads" WHERE "org_id" = ANY($1::uuid[])`,
      [orgIds],
    );
    const chains = new Map(orgIds.map((orgId) => [orgId, { seq: 0, prevId: null as string | null, prevHash: GENESIS_HASH, count: 0 }]));
    for (const head of heads) Object.assign(chains.get(head.org_id)!, { seq: Number(head.seq), prevId: head.last_event_id, prevHash: head.last_hash });
    const ids: string[] = [];
    const seqs: number[] = [];
    const prevIds: (string | null)[] = [];
    const hashes: string[] = [];
    for (const row of pending) {
      const chain = chains.get(row.org_id)!;
      chain.seq++;
      chain.count++;
      const hash = integrityHash(this.parts.hmacKey, chain.prevHash, chainedFieldsOf(row));
      ids.push(row.id);
      seqs.push(chain.seq);
      prevIds.push(chain.prevId);
      hashes.push(hash);
      chain.prevId = row.id;
      chain.prevHash = hash;
    }
    await manager.query(
      `UPDATE "clawkeep_audit_events" AS e SET "seq" = u."seq", "prev_event_id" = u."prev", "integrity_hash" = u."hash"
       FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[]) AS u("id", "seq", "prev", "hash") WHERE e."id" = u."id"`,
      [ids, seqs, prevIds, hashes],
    );
    const heads2 = [...chains.entries()];
    await manager.query(
      `INSERT INTO "clawkeep_audit_heads" ("org_id", "seq", "last_event_id", "last_hash")
       SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::uuid[], $4::text[])
       ON CONFLICT ("org_id") DO UPDATE SET "seq" = EXCLUDED."seq", "last_event_id" = EXCLUDED."last_event_id", "last_hash" = EXCLUDED."last_hash"`,
      [heads2.map(([orgId]) => orgId), heads2.map(([, c]) => c.seq), heads2.map(([, c]) => c.prevId), heads2.map(([, c]) => c.prevHash)],
    );
    await this.parts.bus.publishMany(
      manager,
      AUDIT_CHAINED_TOPIC,
      heads2.map(([orgId, c]) => ({ orgId, payload: { seq: c.seq } })),
    );
    return new Map(heads2.map(([orgId, c]) => [orgId, c.count]));
  }

  /** Kicks every organisation with events left pending by an instance that stopped or failed. */
  private async sweep(): Promise<void> {
    if (this.closed) return;
    try {
      const rows: { org_id: string }[] = await this.parts.dataSource.query(
        `SELECT DISTINCT "org_id" FROM "clawkeep_audit_events" WHERE "seq" IS NULL AND "created_at" < now() - make_interval(secs => $1)`,
        [SWEEP_MIN_AGE_MS / 1000],
      );
      for (const row of rows) this.kick(row.org_id);
    } catch (error) {
      this.parts.logger.warn({ err: error }, "looking for unchained audit events failed");
    }
  }
}
