// The mailer: a durable mail queue (transactional outbox). `enqueue` inserts the message in the
// caller's transaction, so a mail exists exactly when the change it announces committed. Bodies
// are sealed under the KEK (they may hold an agent's API key) and wiped once sent or failed.
//
// SMTP mode (CLAWKEEP_SMTP_URL): a dispatcher claims queued rows with one UPDATE … FOR UPDATE
// SKIP LOCKED statement that leases them, sends them with no transaction open, and records the
// outcome, so any number of instances can share one PostgreSQL. It is woken right after an
// enqueuing transaction commits on this instance, and polls as a backstop (other instances,
// retries that came due, leases of a crashed sender that ran out). Temporary failures back off
// exponentially; permanent ones (5xx) or too many attempts end the message as 'failed'.
//
// Development outbox (no SMTP): messages are kept sealed with status 'outbox', one log line says
// each was written (secrets hidden), and `clawkeep mail outbox` shows them. Kept a week.
import { randomUUID } from "node:crypto";
import nodemailer, { type NodemailerError, type Transporter } from "nodemailer";
import type { Logger } from "pino";
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from "typeorm";
import { DecryptionError, type Keyring, type SealedBox } from "../crypto/keyring.js";
import { claimMail, finishMail, insertMail, outboxMail, pruneOutboxMail, requeueMail, type SealedMailRow } from "./mail-store.js";
import { DomainError } from "../domain/errors.js";
import { addressOf, isBareAddress } from "./address.js";

export interface MailMessage {
  to: string;
  subject: string;
  /** Plain-text body. */
  text: string;
  /** HTML body (the caller escapes whatever it interpolates). */
  html: string;
  /** Values in the body that must never reach a log line (e.g. an ocv_ API key); replaced by a marker when logged. */
  secrets?: string[];
}

export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  createdAt: Date;
}

export interface MailerParts {
  dataSource: DataSource;
  keyring: Keyring;
  logger: Logger;
  /** smtp:// or smtps:// URL of the relay; absent keeps mail in the development outbox. */
  smtpUrl?: string;
  /** The From header, e.g. "Clawkeep <clawkeep@vault.example.com>". */
  from: string;
  /** How often the dispatcher looks for due mail besides being woken (default 5 s). */
  pollIntervalMs?: number;
  /** Delay before the first retry after a temporary failure; doubles per attempt (default 60 s). */
  retryBaseMs?: number;
}

/** What a logged outbox body shows instead of each secret. */
export const HIDDEN_MARKER = "[hidden: run npm run clawkeep -- mail outbox]";
/** Attempts (sends tried) before a temporarily failing message is given up as 'failed'. */
export const MAX_ATTEMPTS = 8;
/** Development outbox messages older than this are deleted. */
export const OUTBOX_RETENTION_DAYS = 7;

export { SEALED_MAIL } from "./mail-store.js";

const DEFAULT_POLL_MS = 5000;
const DEFAULT_RETRY_BASE_MS = 60_000;
const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;
/** Rows claimed per statement; they are sent concurrently, each on a connection of its own. */
const CLAIM_BATCH = 5;
/**
 * How long a claim holds a row. A send is aborted well before (SEND_TIMEOUT_MS), so a lease only
 * runs out when its instance died mid-send; another instance then sends the message again.
 */
const LEASE_SECONDS = 300;
const SEND_TIMEOUT_MS = 120_000;
/** close() waits this long for in-flight sends, then aborts them (they are retried later). */
const CLOSE_GRACE_MS = 10_000;
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const LAST_ERROR_CHARS = 500;

type ClaimedRow = SealedMailRow;

interface PendingNotice {
  depth: number;
  id: string;
  to: string;
  subject: string;
  /** Text body with the secrets already replaced (outbox mode only). */
  loggedText?: string;
}

/** The AAD that binds a sealed body to its row: a body moved to another row does not open. */
export function mailAad(id: string): string {
  return `clawkeep-mail:${id}`;
}

export class Mailer {
  private readonly dataSource: DataSource;
  private readonly keyring: Keyring;
  private readonly logger: Logger;
  private readonly from: string;
  private readonly messageIdDomain: string;
  private readonly pollIntervalMs: number;
  private readonly retryBaseMs: number;
  private readonly transport: Transporter | undefined;
  /** host:port of the relay, for log lines (the URL itself may hold a password). */
  private readonly relay: string | undefined;
  /** queryRunner.data key for this mailer's after-commit work (several mailers may share a data source). */
  private readonly pendingKey = `clawkeepMail:${randomUUID()}`;
  private subscriber: EntitySubscriberInterface | undefined;
  private poller: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;
  private started = false;
  private closed = false;
  /** The running dispatch loop, if any; `wanted` asks it for one more round. */
  private dispatching: Promise<void> | undefined;
  private wanted = false;
  private readonly abort = new AbortController();

  constructor(parts: MailerParts) {
    this.dataSource = parts.dataSource;
    this.keyring = parts.keyring;
    this.logger = parts.logger;
    const fromAddress = addressOf(parts.from);
    if (!fromAddress) throw new Error(`the mail From "${parts.from}" is not an address`);
    this.from = parts.from;
    this.messageIdDomain = fromAddress.slice(fromAddress.lastIndexOf("@") + 1);
    this.pollIntervalMs = parts.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.retryBaseMs = parts.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
    this.transport = parts.smtpUrl
      ? nodemailer.createTransport({ url: parts.smtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000 })
      : undefined;
    this.relay = parts.smtpUrl ? relayOf(parts.smtpUrl) : undefined;
  }

  /** "smtp" when a relay is configured, else "outbox" (development). */
  get mode(): "smtp" | "outbox" {
    return this.transport ? "smtp" : "outbox";
  }

  /** Hooks the after-commit wake-up, and in SMTP mode starts the dispatcher; prunes the outbox. */
  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event) => this.afterCommit(event.queryRunner),
      afterTransactionRollback: (event) => this.afterRollback(event.queryRunner),
    };
    this.subscriber = subscriber;
    this.dataSource.subscribers.push(subscriber);
    this.pruner = setInterval(() => void this.pruneOutboxLogged(), PRUNE_INTERVAL_MS);
    this.pruner.unref();
    await this.pruneOutboxLogged();
    if (!this.transport) {
      this.logger.info("no SMTP server is configured (CLAWKEEP_SMTP_URL): mail is kept in the development outbox (npm run clawkeep -- mail outbox)");
    } else {
      this.logger.info({ relay: this.relay, from: this.from }, "sending mail through SMTP");
      this.poller = setInterval(() => this.wake(), this.pollIntervalMs);
      this.poller.unref();
      this.wake();
    }
  }

  /** Stops the dispatcher and waits for an in-flight send (aborting it after a grace period). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poller);
    clearInterval(this.pruner);
    if (this.subscriber) {
      const index = this.dataSource.subscribers.indexOf(this.subscriber);
      if (index !== -1) this.dataSource.subscribers.splice(index, 1);
    }
    const running = this.dispatching;
    if (running) {
      const timer = setTimeout(() => this.abort.abort(new Error("the mailer is closing")), CLOSE_GRACE_MS);
      try {
        await running;
      } finally {
        clearTimeout(timer);
      }
    }
    this.transport?.close();
  }

  /**
   * Queues a message inside the caller's transaction (throws if there is none); it is sent (or,
   * without SMTP, kept in the outbox and logged) once that transaction commits. Returns its id.
   */
  async enqueue(manager: EntityManager, message: MailMessage): Promise<string> {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) throw new Error("Mailer.enqueue must run inside a transaction");
    if (!isBareAddress(message.to)) {
      throw new DomainError("invalid_argument", `"${message.to.slice(0, 200)}" is not one email address such as name@example.com`);
    }
    if (/[\r\n]/.test(message.subject)) throw new Error("a mail subject must be one line");
    const id = randomUUID();
    const box = this.keyring.seal(Buffer.from(JSON.stringify({ text: message.text, html: message.html }), "utf8"), mailAad(id));
    const status = this.transport ? "queued" : "outbox";
    await insertMail(manager, { id, to: message.to, subject: message.subject, box, status });
    const notice: PendingNotice = { depth: depthOf(runner), id, to: message.to, subject: hideSecrets(message.subject, message.secrets) };
    if (!this.transport) notice.loggedText = hideSecrets(message.text, message.secrets);
    this.pendingOf(runner, true)!.push(notice);
    return id;
  }

  /** Development outbox: kept messages, newest first, bodies opened. */
  async outbox(limit: number): Promise<OutboxMessage[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new RangeError("the outbox limit must be a whole number from 1 to 1000");
    const rows = await outboxMail(this.dataSource, limit);
    const messages: OutboxMessage[] = [];
    for (const row of rows) {
      let body: { text: string; html: string };
      try {
        body = await this.openBody(row);
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        this.logger.warn({ mail_id: row.id }, "an outbox message cannot be opened with this master key");
        body = { text: "(this message cannot be opened with the current master key)", html: "" };
      }
      messages.push({ id: row.id, to: row.to_address, subject: row.subject, ...body, createdAt: new Date(row.created_at) });
    }
    return messages;
  }

  /** Deletes outbox messages older than the retention; returns how many went. */
  async pruneOutbox(): Promise<number> {
    return pruneOutboxMail(this.dataSource, OUTBOX_RETENTION_DAYS);
  }

  private async pruneOutboxLogged(): Promise<void> {
    try {
      const count = await this.pruneOutbox();
      if (count > 0) this.logger.info({ count, retention_days: OUTBOX_RETENTION_DAYS }, "pruned old development outbox mail");
    } catch (error) {
      this.logger.warn({ err: error }, "pruning the development outbox failed");
    }
  }

  // ── after commit ──────────────────────────────────────────────────────────────────────────

  private pendingOf(runner: QueryRunner, create = false): PendingNotice[] | undefined {
    const data = runner.data as Record<string, PendingNotice[] | undefined>;
    if (!data[this.pendingKey] && create) data[this.pendingKey] = [];
    return data[this.pendingKey];
  }

  private afterCommit(runner: QueryRunner): void {
    // A released savepoint fires this too; only the outermost COMMIT makes the rows real.
    if (runner.isTransactionActive) return;
    const pending = this.pendingOf(runner);
    if (!pending) return;
    delete (runner.data as Record<string, unknown>)[this.pendingKey];
    if (this.transport) {
      this.wake();
      return;
    }
    for (const notice of pending) {
      this.logger.info(
        {
          mail_id: notice.id,
          to: notice.to,
          subject: notice.subject,
          text: notice.loggedText,
          hint:
            "no SMTP server is configured (CLAWKEEP_SMTP_URL), so mail is kept in the development outbox; read it with: npm run clawkeep -- mail outbox " +
            "(with the embedded database, stop the server first)",
        },
        "mail kept in the development outbox",
      );
    }
  }

  private afterRollback(runner: QueryRunner): void {
    const pending = this.pendingOf(runner);
    if (!pending) return;
    // Rolling back to a savepoint undoes only what was queued inside it.
    const depth = runner.isTransactionActive ? depthOf(runner) : 0;
    const kept = pending.filter((notice) => notice.depth <= depth);
    if (kept.length > 0) (runner.data as Record<string, unknown>)[this.pendingKey] = kept;
    else delete (runner.data as Record<string, unknown>)[this.pendingKey];
  }

  // ── dispatcher (SMTP mode) ───────────────────────────────────────────────────────────────

  private wake(): void {
    if (!this.transport || !this.started || this.closed) return;
    this.wanted = true;
    if (this.dispatching) return;
    this.dispatching = this.dispatchLoop()
      .catch((error: unknown) => this.logger.error({ err: error }, "the mail dispatcher failed; it runs again at the next poll"))
      .finally(() => {
        this.dispatching = undefined;
        // A wake-up that arrived while the loop was finishing starts another round.
        if (this.wanted && !this.closed) this.wake();
      });
  }

  private async dispatchLoop(): Promise<void> {
    while (this.wanted && !this.closed) {
      this.wanted = false;
      let claimed: ClaimedRow[];
      try {
        claimed = await this.claim();
      } catch (error) {
        if (!this.closed) this.logger.warn({ err: error }, "could not read the mail queue; retrying at the next poll");
        return;
      }
      await Promise.all(claimed.map((row) => this.deliver(row)));
      if (claimed.length === CLAIM_BATCH) this.wanted = true;
    }
  }

  /** One statement: lease up to CLAIM_BATCH due rows (or rows whose sender's lease ran out). */
  private claim(): Promise<ClaimedRow[]> {
    return claimMail(this.dataSource, LEASE_SECONDS, CLAIM_BATCH);
  }

  private async deliver(row: ClaimedRow): Promise<void> {
    const about = { mail_id: row.id, to: row.to_address, subject: row.subject, attempt: row.attempts };
    try {
      let body: { text: string; html: string };
      try {
        body = await this.openBody(row);
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        await this.finish(row, "failed", "the sealed body cannot be opened with this master key");
        this.logger.error(about, "mail failed: its sealed body cannot be opened with this master key");
        return;
      }
      if (row.attempts > MAX_ATTEMPTS) {
        // Claimed again after its sender's lease ran out once too often.
        await this.finish(row, "failed", "gave up: too many attempts");
        this.logger.error(about, "mail failed: too many attempts");
        return;
      }
      try {
        await this.transport!.sendMail({
          from: this.from,
          to: row.to_address,
          subject: row.subject,
          text: body.text,
          html: body.html,
          messageId: `<${row.id}@${this.messageIdDomain}>`,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
        });
      } catch (error) {
        await this.failed(row, error as NodemailerError, about);
        return;
      }
      await this.finish(row, "sent", null);
      this.logger.info(about, "mail sent");
    } catch (error) {
      // Recording the outcome failed (the database went away?); the lease runs out and another
      // attempt picks the row up again.
      this.logger.error({ ...about, err: error }, "could not record the outcome of a mail delivery");
    }
  }

  private async failed(row: ClaimedRow, error: NodemailerError, about: Record<string, unknown>): Promise<void> {
    const reason = describeSmtpError(error);
    const permanent = isPermanent(error);
    if (permanent || row.attempts >= MAX_ATTEMPTS) {
      await this.finish(row, "failed", reason);
      this.logger.error({ ...about, error: reason }, permanent ? "mail failed: the server refused it for good" : `mail failed after ${row.attempts} attempts`);
      return;
    }
    // Aborted because this instance is closing: let another one (or the next start) retry at once.
    const delayMs = this.abort.signal.aborted ? 0 : Math.min(this.retryBaseMs * 2 ** (row.attempts - 1), MAX_RETRY_DELAY_MS);
    await requeueMail(this.dataSource, row, reason, delayMs / 1000);
    this.logger.warn({ ...about, error: reason, retry_in_ms: delayMs }, "mail not sent yet; will retry");
  }

  /**
   * Records a final outcome and wipes the body. Guarded by the attempt number, so a sender whose
   * lease ran out (and whose row another instance claimed since) changes nothing.
   */
  private finish(row: ClaimedRow, status: "sent" | "failed", lastError: string | null): Promise<void> {
    return finishMail(this.dataSource, row, status, lastError);
  }

  private async openBody(row: Pick<ClaimedRow, "id" | "kek_version" | "wrapped_dek" | "ciphertext">): Promise<{ text: string; html: string }> {
    const box: SealedBox = { kekVersion: row.kek_version, wrappedDek: row.wrapped_dek, ciphertext: row.ciphertext };
    const plain = await this.keyring.openRefreshing(box, mailAad(row.id));
    try {
      const body = JSON.parse(plain.toString("utf8")) as { text: string; html: string };
      return { text: body.text, html: body.html };
    } finally {
      plain.fill(0);
    }
  }
}

/** Replaces every secret in `value` with the marker; longer secrets first, so none is half-hidden. */
export function hideSecrets(value: string, secrets: string[] = []): string {
  let result = value;
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    result = result.split(secret).join(HIDDEN_MARKER);
  }
  return result;
}

/** 5xx replies (except 503, a session-state complaint) refuse the message for good; so does an envelope nodemailer refused to send. */
function isPermanent(error: NodemailerError): boolean {
  if (error.permanent !== undefined) return error.permanent;
  if (typeof error.responseCode === "number") return error.responseCode >= 500 && error.responseCode !== 503;
  return error.code === "EENVELOPE";
}

/** A short, body-free description of a failed send: code, reply code and the server's reply. */
function describeSmtpError(error: NodemailerError): string {
  const parts = [error.code, error.responseCode, error.response ?? error.message].filter((p) => p !== undefined && p !== "");
  return parts.join(" ").replace(/\s+/g, " ").slice(0, LAST_ERROR_CHARS);
}

function relayOf(smtpUrl: string): string {
  try {
    const url = new URL(smtpUrl);
    return `${url.protocol}//${url.host}`;
  } catch {
    return "(unparsable URL)";
  }
}

/** The transaction depth of a query runner (1 = outermost); TypeORM keeps it protected. */
function depthOf(runner: QueryRunner): number {
  const depth = (runner as unknown as { transactionDepth?: number }).transactionDepth;
  return typeof depth === "number" ? depth : 1;
}
