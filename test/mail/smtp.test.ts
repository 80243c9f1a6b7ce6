// The mail queue in SMTP mode, delivering to a real SMTP server (test/support/smtp-sink.ts) from
// a real database: after commit only, both bodies, retries on temporary failures, a final
// 'failed' on permanent ones, bodies wiped afterwards, and no secret in any log line.
import { Writable } from "node:stream";
import { pino, type Logger } from "pino";
import type { DataSource } from "typeorm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Mailer, MAX_ATTEMPTS, type MailMessage } from "../../src/mail/mailer.js";
import { openTestApp, type TestApp } from "../support/app.js";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink.js";

const FROM = "Clawkeep Test <noreply@clawkeep.test>";

interface MailRow {
  id: string;
  to_address: string;
  subject: string;
  kek_version: number | null;
  wrapped_dek: Buffer | null;
  ciphertext: Buffer | null;
  status: string;
  attempts: number;
  lease_until: Date | null;
  last_error: string | null;
  sent_at: Date | null;
}

let testApp: TestApp;
let dataSource: DataSource;
let sink: SmtpSink;
const mailers: Mailer[] = [];
let counter = 0;

beforeAll(async () => {
  testApp = await openTestApp();
  dataSource = testApp.database.dataSource;
  sink = await startSmtpSink();
});
afterEach(async () => {
  for (const mailer of mailers.splice(0)) await mailer.close();
  sink.rejectNext(0);
});
afterAll(async () => {
  for (const mailer of mailers.splice(0)) await mailer.close();
  await sink?.close();
  await testApp?.close();
});

/** A started SMTP mailer on the test database, with fast polling and retries. */
async function smtpMailer(options: { url?: string; logger?: Logger; retryBaseMs?: number; start?: boolean } = {}): Promise<Mailer> {
  const mailer = new Mailer({
    dataSource,
    keyring: testApp.app.keyring,
    logger: options.logger ?? pino({ level: "silent" }),
    smtpUrl: options.url ?? sink.url,
    from: FROM,
    pollIntervalMs: 100,
    retryBaseMs: options.retryBaseMs ?? 50,
  });
  mailers.push(mailer);
  if (options.start !== false) await mailer.start();
  return mailer;
}

function message(overrides: Partial<MailMessage> = {}): MailMessage {
  counter++;
  return {
    to: `person${counter}@example.com`,
    subject: `Test message ${counter} ${Math.random().toString(36).slice(2)}`,
    text: `Hello number ${counter}.\nThis is the plain body.`,
    html: `<p>Hello number <b>${counter}</b>.</p>`,
    ...overrides,
  };
}

function enqueue(mailer: Mailer, mail: MailMessage): Promise<string> {
  return dataSource.transaction((manager) => mailer.enqueue(manager, mail));
}

async function row(id: string): Promise<MailRow | undefined> {
  const rows: MailRow[] = await dataSource.query(`SELECT * FROM "clawkeep_mail" WHERE "id" = $1`, [id]);
  return rows[0];
}

async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function expectWiped(stored: MailRow): void {
  expect(stored.ciphertext).toBeNull();
  expect(stored.wrapped_dek).toBeNull();
  expect(stored.kek_version).toBeNull();
  expect(stored.lease_until).toBeNull();
}

/** A pino logger whose lines land in `lines`. */
function capturingLogger(lines: string[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return pino({ level: "trace" }, stream);
}

describe("mail over SMTP", () => {
  it("delivers plain text and HTML with the right From, To and Subject, then wipes the body", async () => {
    const mailer = await smtpMailer();
    const mail = message({ text: "Line one\nLine two: ünïcödé", html: "<h1>Heading</h1><p>Paragraph &amp; more</p>" });
    const id = await enqueue(mailer, mail);
    const received = await sink.waitFor((m) => m.subject === mail.subject);
    expect(received.to).toEqual([mail.to]);
    expect(received.envelopeTo).toEqual([mail.to]);
    expect(received.from).toBe('"Clawkeep Test" <noreply@clawkeep.test>');
    expect(received.text.trim()).toBe(mail.text);
    expect(received.html).toContain("<h1>Heading</h1><p>Paragraph &amp; more</p>");
    expect(received.raw).toMatch(/Content-Type: multipart\/alternative/i);
    expect(received.messageId).toBe(`<${id}@clawkeep.test>`);
    const stored = await eventually(async () => {
      const r = await row(id);
      return r?.status === "sent" && r;
    }, "the row to be marked sent");
    expect(stored.attempts).toBe(1);
    expect(stored.sent_at).toBeInstanceOf(Date);
    expect(stored.last_error).toBeNull();
    expectWiped(stored);
  });

  it("is sent right after the enqueuing transaction commits, not by the next poll", async () => {
    const mailer = new Mailer({ dataSource, keyring: testApp.app.keyring, logger: pino({ level: "silent" }), smtpUrl: sink.url, from: FROM, pollIntervalMs: 60_000 });
    mailers.push(mailer);
    await mailer.start();
    const mail = message();
    const started = Date.now();
    await enqueue(mailer, mail);
    await sink.waitFor((m) => m.subject === mail.subject, 5000);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses to enqueue outside a transaction, and refuses anything but one address", async () => {
    const mailer = await smtpMailer({ start: false });
    await expect(mailer.enqueue(dataSource.manager, message())).rejects.toThrow(/inside a transaction/);
    for (const to of ["a@example.com, b@example.com", "Name <a@example.com>", "no-at-sign", "a@example.com\r\nBcc: b@example.com"]) {
      await expect(enqueue(mailer, message({ to }))).rejects.toMatchObject({ kind: "invalid_argument" });
    }
    const rows: { n: number }[] = await dataSource.query(`SELECT count(*)::int AS "n" FROM "clawkeep_mail" WHERE "to_address" NOT LIKE 'person%'`);
    expect(rows[0].n).toBe(0);
  });

  it("sends nothing for a rolled-back transaction, or for a rolled-back savepoint", async () => {
    const mailer = await smtpMailer();
    const doomed = message();
    let doomedId = "";
    await expect(
      dataSource.transaction(async (manager) => {
        doomedId = await mailer.enqueue(manager, doomed);
        throw new Error("the change this mail announces failed");
      }),
    ).rejects.toThrow(/announces failed/);
    // A savepoint inside a committed transaction: only the mail queued outside it goes.
    const kept = message();
    const undone = message();
    let undoneId = "";
    await dataSource.transaction(async (manager) => {
      await mailer.enqueue(manager, kept);
      await manager
        .transaction(async (inner) => {
          undoneId = await mailer.enqueue(inner, undone);
          throw new Error("inner step failed");
        })
        .catch(() => undefined);
    });
    await sink.waitFor((m) => m.subject === kept.subject);
    // Give the dispatcher a few more polls to (wrongly) send the others.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sink.messages.map((m) => m.subject)).not.toContain(doomed.subject);
    expect(sink.messages.map((m) => m.subject)).not.toContain(undone.subject);
    expect(await row(doomedId)).toBeUndefined();
    expect(await row(undoneId)).toBeUndefined();
  });

  it("retries a temporary 451 with backoff, then delivers", async () => {
    const lines: string[] = [];
    const mailer = await smtpMailer({ logger: capturingLogger(lines) });
    sink.rejectNext(2);
    const mail = message();
    const id = await enqueue(mailer, mail);
    const received = await sink.waitFor((m) => m.subject === mail.subject);
    expect(received.text.trim()).toBe(mail.text);
    expect(sink.rejectedCount()).toBeGreaterThanOrEqual(2);
    const stored = await eventually(async () => {
      const r = await row(id);
      return r?.status === "sent" && r;
    }, "the row to be marked sent");
    expect(stored.attempts).toBe(3);
    expectWiped(stored);
    const retries = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "mail not sent yet; will retry");
    expect(retries).toHaveLength(2);
    expect(retries[0]).toMatchObject({ mail_id: id, to: mail.to, subject: mail.subject, attempt: 1, retry_in_ms: 50 });
    expect(retries[1]).toMatchObject({ attempt: 2, retry_in_ms: 100 });
    expect(String(retries[0].error)).toMatch(/451/);
  });

  it("retries while the SMTP server is unreachable, and delivers once it is back", async () => {
    const later = await startSmtpSink();
    const port = later.port;
    await later.close();
    const mailer = await smtpMailer({ url: `smtp://127.0.0.1:${port}`, retryBaseMs: 200 });
    const mail = message();
    const id = await enqueue(mailer, mail);
    const waiting = await eventually(async () => {
      const r = await row(id);
      return r?.status === "queued" && r.attempts >= 1 && r;
    }, "a failed first attempt");
    expect(waiting.last_error).toMatch(/ECONNREFUSED|ESOCKET|ECONNECTION/);
    expect(waiting.ciphertext).not.toBeNull();
    const revived = await startSmtpSink({ port });
    try {
      const received = await revived.waitFor((m) => m.subject === mail.subject);
      expect(received.to).toEqual([mail.to]);
      const stored = await eventually(async () => {
        const r = await row(id);
        return r?.status === "sent" && r;
      }, "the row to be marked sent");
      expect(stored.attempts).toBeGreaterThanOrEqual(2);
      expectWiped(stored);
    } finally {
      await mailer.close();
      await revived.close();
    }
  });

  it("ends a message refused for good (550) as failed, wiped, logged without its body", async () => {
    const lines: string[] = [];
    const mailer = await smtpMailer({ logger: capturingLogger(lines) });
    sink.rejectNext(1, { code: 550, message: "5.1.1 No such mailbox here" });
    const mail = message({ text: "permanent-failure-body-text", html: "<p>permanent-failure-body-html</p>" });
    const id = await enqueue(mailer, mail);
    const stored = await eventually(async () => {
      const r = await row(id);
      return r?.status === "failed" && r;
    }, "the row to be marked failed");
    expect(stored.attempts).toBe(1);
    expect(stored.sent_at).toBeNull();
    expect(stored.last_error).toMatch(/550.*No such mailbox/);
    expectWiped(stored);
    const failure = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.mail_id === id && l.level === 50);
    expect(failure).toMatchObject({ to: mail.to, subject: mail.subject, msg: "mail failed: the server refused it for good" });
    expect(lines.join("\n")).not.toContain("permanent-failure-body");
    expect(sink.messages.map((m) => m.subject)).not.toContain(mail.subject);
  });

  it(`gives up after ${MAX_ATTEMPTS} temporary failures`, async () => {
    const mailer = await smtpMailer({ retryBaseMs: 10 });
    sink.rejectNext(1000);
    const mail = message();
    const id = await enqueue(mailer, mail);
    const stored = await eventually(async () => {
      const r = await row(id);
      return r?.status === "failed" && r;
    }, "the row to be marked failed", 25_000);
    expect(stored.attempts).toBe(MAX_ATTEMPTS);
    expect(stored.last_error).toMatch(/451/);
    expectWiped(stored);
  }, 40_000);

  it("never logs a message's secrets, whatever happens to it", async () => {
    const lines: string[] = [];
    const logger = capturingLogger(lines);
    const mailer = await smtpMailer({ logger });
    const secret = `ocv_${"s3cr3t".repeat(6)}`;
    sink.rejectNext(1);
    const ok = message({ text: `Your key: ${secret}`, html: `<code>${secret}</code>`, secrets: [secret] });
    await enqueue(mailer, ok);
    const received = await sink.waitFor((m) => m.subject === ok.subject);
    expect(received.text).toContain(secret);
    sink.rejectNext(1, { code: 554 });
    const refused = message({ text: `Your key: ${secret}`, html: `<code>${secret}</code>`, secrets: [secret] });
    const refusedId = await enqueue(mailer, refused);
    await eventually(async () => (await row(refusedId))?.status === "failed", "the refused message to fail");
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.join("\n")).not.toContain(secret);
    expect(lines.join("\n")).not.toContain("s3cr3t");
  });

  it("lets several dispatchers share the queue: every message is delivered exactly once", async () => {
    const first = await smtpMailer();
    await smtpMailer();
    await smtpMailer();
    const tag = `batch-${Math.random().toString(36).slice(2)}`;
    const subjects = Array.from({ length: 24 }, (_, i) => `${tag} #${i}`);
    await dataSource.transaction(async (manager) => {
      for (const subject of subjects) await first.enqueue(manager, message({ subject }));
    });
    await eventually(async () => sink.messages.filter((m) => m.subject.startsWith(tag)).length >= subjects.length, "every message");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const delivered = sink.messages.filter((m) => m.subject.startsWith(tag)).map((m) => m.subject);
    expect(delivered.sort()).toEqual([...subjects].sort());
    const rows: { status: string; attempts: number }[] = await dataSource.query(
      `SELECT "status", "attempts" FROM "clawkeep_mail" WHERE "subject" LIKE $1`,
      [`${tag}%`],
    );
    expect(rows).toHaveLength(subjects.length);
    expect(rows.every((r) => r.status === "sent" && r.attempts === 1)).toBe(true);
  });

  it("takes over a message whose sender died mid-send once its lease runs out", async () => {
    const mail = message();
    const idle = await smtpMailer({ start: false });
    const id = await enqueue(idle, mail);
    // What a crashed instance leaves behind: claimed, leased, never finished.
    await dataSource.query(`UPDATE "clawkeep_mail" SET "status" = 'sending', "attempts" = 1, "lease_until" = now() + interval '1 second' WHERE "id" = $1`, [id]);
    await smtpMailer();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.messages.map((m) => m.subject)).not.toContain(mail.subject);
    await sink.waitFor((m) => m.subject === mail.subject);
    const stored = await eventually(async () => {
      const r = await row(id);
      return r?.status === "sent" && r;
    }, "the row to be marked sent");
    expect(stored.attempts).toBe(2);
  });

  it("close() waits for a send in flight to finish", async () => {
    const slow = await startSmtpSink({ acceptDelayMs: 800 });
    try {
      const mailer = await smtpMailer({ url: slow.url });
      const mail = message();
      const id = await enqueue(mailer, mail);
      await eventually(async () => (await row(id))?.status === "sending", "the send to start");
      await mailer.close();
      expect(slow.messages.map((m) => m.subject)).toContain(mail.subject);
      expect((await row(id))?.status).toBe("sent");
    } finally {
      await slow.close();
    }
  });
});

describe("the application's mailer", () => {
  it("is built from the configuration: SMTP when CLAWKEEP_SMTP_URL is set", async () => {
    const configured = await openTestApp({ env: { CLAWKEEP_SMTP_URL: sink.url, CLAWKEEP_MAIL_FROM: "Vault <vault@clawkeep.test>" } });
    try {
      expect(configured.app.mailer.mode).toBe("smtp");
      const mail = message();
      await configured.database.dataSource.transaction((manager) => configured.app.mailer.enqueue(manager, mail));
      const received = await sink.waitFor((m) => m.subject === mail.subject);
      expect(received.from).toBe('"Vault" <vault@clawkeep.test>');
    } finally {
      await configured.close();
    }
    expect(testApp.app.mailer.mode).toBe("outbox");
  });
});
