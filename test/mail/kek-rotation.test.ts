// Rotating the master KEK moves the data keys of mail still waiting (queued for SMTP, or kept in
// the development outbox) onto the new KEK; the bodies still open and are still delivered.
import { pino } from "pino";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kekVersionsInUse, rotateMasterKek } from "../../src/domain/keys/kek-rotation.js";
import { Mailer } from "../../src/mail/mailer.js";
import { openTestApp, type TestApp } from "../support/app.js";
import { startSmtpSink, type SmtpSink } from "../support/smtp-sink.js";

let testApp: TestApp;
let dataSource: DataSource;
let sink: SmtpSink;

beforeAll(async () => {
  testApp = await openTestApp();
  dataSource = testApp.database.dataSource;
  sink = await startSmtpSink();
});
afterAll(async () => {
  await sink?.close();
  await testApp?.close();
});

describe("master KEK rotation and mail", () => {
  it("re-wraps queued and outbox mail; both still open afterwards", async () => {
    const { keyring, jwtKeys, mailer: outbox } = testApp.app;
    const logger = pino({ level: "silent" });
    // Not started, so its messages wait in the queue through the rotation.
    const smtp = new Mailer({ dataSource, keyring, logger, smtpUrl: sink.url, from: "clawkeep@clawkeep.test", pollIntervalMs: 100 });
    const queued: string[] = [];
    await dataSource.transaction(async (manager) => {
      for (let i = 0; i < 3; i++) queued.push(await smtp.enqueue(manager, { to: `q${i}@example.com`, subject: `Queued ${i}`, text: `queued body ${i}`, html: `<p>${i}</p>` }));
      await outbox.enqueue(manager, { to: "dev@example.com", subject: "Kept", text: "kept body", html: "<p>kept</p>" });
    });
    // And one that was already sent: its body is gone, so it holds no KEK version.
    await dataSource.query(
      `INSERT INTO "clawkeep_mail" ("to_address", "subject", "status", "sent_at") VALUES ('done@example.com', 'Done', 'sent', now())`,
    );
    const before = keyring.currentVersion();
    expect(await kekVersionsInUse(dataSource)).toEqual([before]);

    const report = await rotateMasterKek({ dataSource, bus: testApp.bus, keyring, jwtKeys });
    expect(report.kekVersion).toBe(before + 1);
    expect(report.mailRewrapped).toBe(4);
    expect(report.versionsInUse).toEqual([report.kekVersion]);
    const versions: { status: string; kek_version: number | null }[] = await dataSource.query(`SELECT "status", "kek_version" FROM "clawkeep_mail" ORDER BY "status"`);
    expect(versions).toEqual([
      { status: "outbox", kek_version: report.kekVersion },
      { status: "queued", kek_version: report.kekVersion },
      { status: "queued", kek_version: report.kekVersion },
      { status: "queued", kek_version: report.kekVersion },
      { status: "sent", kek_version: null },
    ]);

    expect((await outbox.outbox(5)).map((m) => m.text)).toEqual(["kept body"]);
    await smtp.start();
    try {
      for (let i = 0; i < 3; i++) {
        const received = await sink.waitFor((m) => m.subject === `Queued ${i}`);
        expect(received.text.trim()).toBe(`queued body ${i}`);
      }
    } finally {
      await smtp.close();
    }
    expect(await kekVersionsInUse(dataSource)).toEqual([report.kekVersion]);
  }, 60_000);
});
