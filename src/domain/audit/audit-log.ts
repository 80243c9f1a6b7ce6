// Appends audit events inside the caller's transaction, so a change and its audit record commit
// together or not at all (and a read whose audit write fails is refused by its caller's error).
//
// Durable first, chained right after: the append is one INSERT that takes no lock, so appends of
// one organisation never queue behind each other. The event is pending (no seq, no hash) until the
// organisation's sequencer links it into the chain, which it is asked to do as soon as the
// transaction commits (see audit-sequencer.ts).
import type { DataSource, EntityManager } from "typeorm";
import { afterCommit } from "../../db/after-commit.js";
import { Batcher, type BatcherOptions } from "../../db/batcher.js";
import { isDatabaseUnavailable } from "../../db/unavailable.js";
import { DomainError } from "../errors.js";
import { isSensitiveField } from "../../sensitive.js";
import { uuidv7 } from "../ids.js";
import type { AuditAction, AuditDetails, AuditDetailsOf } from "./actions.js";
import { appendEvent, runAuditedRead, runAuditedReads, type AppendValues, type AuditedRead, type AuditedReads } from "./audit-store.js";
import type { ChainedFields } from "./chain.js";

export type ActorType = "user" | "agent" | "anonymous" | "system";

interface EntryBase {
  orgId: string;
  actor: { type: ActorType; id: string };
  resource: { type: string; id: string };
  ip?: string;
}

/**
 * An event to append: one of the declared actions, with the details declared for it (context
 * for humans reading the log; never secret values, keys, tokens or passwords).
 */
export type AuditEntry = {
  [A in AuditAction]: EntryBase & { action: A } & (A extends keyof AuditDetailsOf ? { details: AuditDetails<A> } : { details?: AuditDetails<A> });
}[AuditAction];

/** An event as appended: durable, not yet linked into its organisation's chain. */
export interface AppendedAuditEvent extends ChainedFields {
  id: string;
  ipAddress: string | null;
}

/** An event of the chain. */
export interface AuditEvent extends AppendedAuditEvent {
  seq: number;
  prevEventId: string | null;
  integrityHash: string;
}

/** What the log asks of the sequencer: link an organisation's pending events soon. */
export interface ChainKicker {
  kick(orgId: string): void;
}


export { auditedRead, auditedReads, type AuditedRead, type AuditedReads } from "./audit-store.js";

/**
 * Fail closed: runs work that serves a secret only once its audit event is written. When that
 * fails for any reason but a refusal (a DomainError) or a database that is away (answered 503 as
 * such), the read is refused with 503 naming the audit log; the failure itself is logged.
 */
export async function failClosed<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError || isDatabaseUnavailable(error)) throw error;
    throw new DomainError("unavailable", "the secret cannot be served right now: its read could not be recorded in the audit log, and Clawkeep never serves a secret unrecorded", {
      retryAfterSeconds: 5,
      cause: error,
    });
  }
}

/** One read of an `auditedReads` statement: its inputs, and its event (fields the row decides may be left empty). */
export type BatchedReader<T> = (inputs: unknown[], entry: AuditEntry) => Promise<{ row: T; audited: boolean } | undefined>;

/**
 * Hot reads in flight at once before the next ones wait to go together. Two, not four: served in
 * turns with four (bench/results/2026-12-03T02-24-48-engine.md), it made larger batches and so
 * fewer statements and commits (PostgreSQL's CPU per exchange 120 µs against 247, per read of
 * eight organisations 165 against 216), exchanges 2,593/s against 1,772/s, and the 90/10 mix's
 * read p99 10.6 ms against 23.1; reads of one organisation and writes were level. The other
 * eight of the pool's ten connections stay free for other work.
 */
const READ_BATCHES: BatcherOptions = {
  maxInFlight: 2,
  maxBatch: 128,
  // A database that is away fails every read alike (503): asking it again read by read only adds waits.
  retryAlone: (error) => !isDatabaseUnavailable(error),
};

export class AuditLog {
  constructor(private readonly sequencer: ChainKicker) {}

  /**
   * Inserts the event. Inside a transaction it becomes durable with it; outside one (a read that
   * changes nothing else) the statement commits by itself before this returns.
   */
  async append(manager: EntityManager, entry: AuditEntry): Promise<AppendedAuditEvent> {
    const event = eventOf(entry);
    await appendEvent(manager, valuesOf(event));
    afterCommit(manager, `audit.chain:${entry.orgId}`, () => this.sequencer.kick(entry.orgId));
    return event;
  }

  /**
   * A reader for an `auditedReads` statement: each call is one read (its inputs, and its event's
   * entry; fields the row decides may be left empty), and the reads that arrive while the
   * database is busy go together, as one statement that commits by itself (see db/batcher.ts). A
   * read's event is durable when its call returns; the row comes back with whether its event was
   * appended, or undefined when none was found.
   */
  batchedReader<T>(dataSource: DataSource, statement: AuditedReads): BatchedReader<T> {
    const batcher = new Batcher<{ inputs: unknown[]; entry: AuditEntry }, { row: T; audited: boolean } | undefined>(async (reads) => {
      for (const { inputs } of reads) if (inputs.length !== statement.inputCount) throw new Error(`${statement.name} takes ${statement.inputCount} inputs, got ${inputs.length}`);
      const found = await runAuditedReads<T>(dataSource, statement, reads.map(({ inputs, entry }) => ({ inputs, event: valuesOf(eventOf(entry)) })));
      return found.map((one, i) => (one ? this.kickIfAudited(dataSource.manager, statement.orgColumn, one, reads[i].entry) : undefined));
    }, READ_BATCHES);
    return (inputs, entry) => batcher.run({ inputs, entry });
  }

  /**
   * Runs an `auditedRead` statement whose CTEs change a row (an INSERT … RETURNING, perhaps after
   * an UPDATE that only matches a row as the caller expects it): in the manager's transaction, or
   * committing by itself on the data source's manager. The row, with its event appended in the
   * same statement; undefined when nothing matched, and then nothing was written or audited.
   */
  async write<T>(manager: EntityManager, statement: AuditedRead, values: unknown[], entry: AuditEntry): Promise<T | undefined> {
    const found = await this.run<T>(manager, statement, values, entry);
    if (found && !found.audited) throw new Error(`${statement.name} changed a row without auditing it`);
    return found?.row;
  }

  private async run<T>(manager: EntityManager, statement: AuditedRead, readValues: unknown[], entry: AuditEntry): Promise<{ row: T; audited: boolean } | undefined> {
    if (readValues.length !== statement.readParams) throw new Error(`${statement.name} takes ${statement.readParams} read parameters, got ${readValues.length}`);
    const found = await runAuditedRead<T>(manager, statement, readValues, valuesOf(eventOf(entry)));
    return found && this.kickIfAudited(manager, statement.orgColumn, found, entry);
  }

  /** Splits "audited" off the row, and asks for the event to be chained once it has committed. */
  private kickIfAudited<T>(manager: EntityManager, orgColumn: string | undefined, found: T & { audited: boolean }, entry: AuditEntry): { row: T; audited: boolean } {
    const { audited, ...row } = found;
    if (audited) {
      const orgId = orgColumn ? String((row as Record<string, unknown>)[orgColumn]) : entry.orgId;
      afterCommit(manager, `audit.chain:${orgId}`, () => this.sequencer.kick(orgId));
    }
    return { row: row as T, audited };
  }
}

function eventOf(entry: AuditEntry): AppendedAuditEvent {
  const details = (entry.details ?? {}) as Record<string, unknown>;
  assertNoSecretKeys(details);
  const now = new Date();
  return {
    id: uuidv7(now.getTime()),
    orgId: entry.orgId,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    action: entry.action,
    resourceType: entry.resource.type,
    resourceId: entry.resource.id,
    details,
    // Hashed later as stored: timestamptz keeps the millisecond instant exactly.
    createdAt: now.toISOString(),
    ipAddress: entry.ip || null,
  };
}

function valuesOf(event: AppendedAuditEvent): AppendValues {
  return [
    event.id,
    event.orgId,
    event.actorType,
    event.actorId,
    event.action,
    event.resourceType,
    event.resourceId,
    JSON.stringify(event.details),
    event.ipAddress,
    event.createdAt,
  ];
}

function assertNoSecretKeys(details: Record<string, unknown>, path = ""): void {
  for (const [key, value] of Object.entries(details)) {
    // A sensitive name in the details means secret material is about to enter the log: a programming error.
    if (isSensitiveField(key)) throw new Error(`audit details must not carry secret material (key "${path}${key}")`);
    if (value && typeof value === "object" && !Array.isArray(value)) assertNoSecretKeys(value as Record<string, unknown>, `${path}${key}.`);
  }
}
