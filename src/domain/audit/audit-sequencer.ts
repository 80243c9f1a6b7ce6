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
import { chainedFieldsOf, extendChains, hasPendingEvents, lockChains, orgsWithStalePendingEvents, pendingBatch, type AuditEventRow, type AuditHeadRow } from "./audit-store.js";
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
 * transaction of seven statements) instead of one each: a busy organisation costs twenty chain
 * transactions a second at most, not one per few reads. (At 10 ms, reads at 500/s came with
 * almost as many chaining statements as reads.) Nothing waits for the chain but WatchAuditEvents,
 * and the query and verify endpoints chain what they need themselves.
 */
const BATCH_DELAY_MS = 50;
/** The sweep leaves younger events to the instance that appended them. */
const SWEEP_MIN_AGE_MS = 2000;


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
    if (!(await hasPendingEvents(this.parts.dataSource, orgId))) return;
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
      const { held, busy } = await lockChains(manager, orgIds, mode);
      if (held.length === 0) return { busy, full: [] };
      const { pending, heads } = await pendingBatch(manager, held, BATCH);
      if (pending.length === 0) return { busy, full: [] };
      const linked = await this.link(manager, pending, heads);
      return { busy, full: [...linked].filter(([, count]) => count === BATCH).map(([orgId]) => orgId) };
    });
  }

  /**
   * Links the pending events (ordered by organisation, then position) to the heads of their chains;
   * returns how many per organisation.
   */
  private async link(manager: EntityManager, pending: AuditEventRow[], heads: AuditHeadRow[]): Promise<Map<string, number>> {
    const orgIds = [...new Set(pending.map((row) => row.org_id))];
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
    const linked = [...chains.entries()];
    await extendChains(
      manager,
      { ids, seqs, prevIds, hashes },
      linked.map(([orgId, c]) => ({ orgId, seq: c.seq, lastEventId: c.prevId, lastHash: c.prevHash })),
    );
    await this.parts.bus.publishMany(
      manager,
      AUDIT_CHAINED_TOPIC,
      linked.map(([orgId, c]) => ({ orgId, payload: { seq: c.seq } })),
    );
    return new Map(linked.map(([orgId, c]) => [orgId, c.count]));
  }

  /** Kicks every organisation with events left pending by an instance that stopped or failed. */
  private async sweep(): Promise<void> {
    if (this.closed) return;
    try {
      for (const orgId of await orgsWithStalePendingEvents(this.parts.dataSource, SWEEP_MIN_AGE_MS / 1000)) this.kick(orgId);
    } catch (error) {
      this.parts.logger.warn({ err: error }, "looking for unchained audit events failed");
    }
  }
}
