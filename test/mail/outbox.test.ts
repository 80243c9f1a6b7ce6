// The development outbox (no SMTP server configured): messages are kept sealed, one log line
// per message hides its secrets, `outbox()` opens them, old ones are pruned, and the real
// `clawkeep mail outbox` command prints them.
import { execFile } from "node:child_process";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { pino, type Logger } from "pino";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HIDDEN_MARKER, Mailer, hideSecrets, type MailMessage } from "../../src/mail/mailer.js";
import { databaseEnv, openTestApp, type TestApp } from "../support/app.js";
import { freshDatabase, usingPostgres, type FreshDatabase } from "../support/database.js";

const run = promisify(execFile);
const lines: string[] = [];
let fresh: FreshDatabase;
let testApp: TestApp | undefined;
let dataSource: DataSource;
let mailer: Mailer;

function capturingLogger(into: string[]): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      into.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  return pino({ level: "info" }, stream);
}

const SECRET = "ocv_Zx9qTHISISTHEAGENTKEYdoNotLogIt_abc123";
const welcome: MailMessage = {
  to: "owner@example.com",
  subject: "Your new agent's API key",
  text: `Hello,\n\nyour agent "builder" was approved. Its API key is:\n\n  ${SECRET}\n\nKeep it safe.`,
  html: `<p>Your agent's API key is <code>${SECRET}</code></p>`,
  secrets: [SECRET],
};

beforeAll(async () => {
  fresh = await freshDatabase();
  testApp = await openTestApp({ database: fresh, logger: capturingLogger(lines) });
  dataSource = testApp.database.dataSource;
  mailer = testApp.app.mailer;
});
afterAll(async () => {
  await testApp?.close();
  await fresh?.drop();
});

function enqueue(mail: MailMessage): Promise<string> {
  return dataSource.transaction((manager) => mailer.enqueue(manager, mail));
}

function logged(): Record<string, unknown>[] {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("development outbox", () => {
  it("keeps the message sealed and logs one line without its secrets", async () => {
    expect(mailer.mode).toBe("outbox");
    const before = lines.length;
    const id = await enqueue(welcome);
    const newLines = logged().slice(before);
    expect(newLines).toHaveLength(1);
    expect(newLines[0]).toMatchObject({ level: 30, mail_id: id, to: welcome.to, subject: welcome.subject, msg: "mail kept in the development outbox" });
    expect(newLines[0].text).toBe(welcome.text.replace(SECRET, HIDDEN_MARKER));
    expect(String(newLines[0].hint)).toContain("npm run clawkeep -- mail outbox");
    expect(lines.join("\n")).not.toContain(SECRET);

    // At rest: every column of the row, bytea included, holds neither body nor secret.
    const rows: { status: string; whole: string; ciphertext: Buffer; wrapped_dek: Buffer; kek_version: number }[] = await dataSource.query(
      `SELECT "status", "clawkeep_mail"::text AS "whole", "ciphertext", "wrapped_dek", "kek_version" FROM "clawkeep_mail" WHERE "id" = $1`,
      [id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].status).toBe("outbox");
    expect(rows[0].kek_version).toBe(testApp!.app.keyring.currentVersion());
    for (const plain of [SECRET, "Keep it safe", "<code>"]) {
      expect(rows[0].whole).not.toContain(plain);
      expect(rows[0].whole).not.toContain(Buffer.from(plain).toString("hex"));
      expect(rows[0].ciphertext.includes(Buffer.from(plain))).toBe(false);
    }
  });

  it("hands back kept messages newest first, bodies opened, up to the limit", async () => {
    const second = await enqueue({ to: "second@example.com", subject: "Second", text: "second text", html: "<p>second</p>" });
    const third = await enqueue({ to: "third@example.com", subject: "Third", text: "third text", html: "<p>third</p>" });
    const all = await mailer.outbox(10);
    expect(all.map((m) => m.subject)).toEqual(["Third", "Second", welcome.subject]);
    expect(all[0]).toMatchObject({ id: third, to: "third@example.com", text: "third text", html: "<p>third</p>" });
    expect(all[1].id).toBe(second);
    expect(all[2]).toMatchObject({ to: welcome.to, text: welcome.text, html: welcome.html });
    expect(all[0].createdAt.getTime()).toBeGreaterThanOrEqual(all[1].createdAt.getTime());
    expect((await mailer.outbox(2)).map((m) => m.subject)).toEqual(["Third", "Second"]);
    await expect(mailer.outbox(0)).rejects.toThrow(RangeError);
  });

  it("orders messages queued in one transaction by when they were queued", async () => {
    await dataSource.transaction(async (manager) => {
      await mailer.enqueue(manager, { to: "a@example.com", subject: "Same tx 1", text: "1", html: "1" });
      await mailer.enqueue(manager, { to: "a@example.com", subject: "Same tx 2", text: "2", html: "2" });
    });
    expect((await mailer.outbox(2)).map((m) => m.subject)).toEqual(["Same tx 2", "Same tx 1"]);
  });

  it("logs and keeps nothing for a rolled-back transaction", async () => {
    const before = lines.length;
    const count = async () => ((await dataSource.query(`SELECT count(*)::int AS "n" FROM "clawkeep_mail"`)) as { n: number }[])[0].n;
    const rowsBefore = await count();
    await expect(
      dataSource.transaction(async (manager) => {
        await mailer.enqueue(manager, { to: "ghost@example.com", subject: "Never", text: "never", html: "never" });
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(lines.slice(before).filter((l) => l.includes("ghost@example.com"))).toEqual([]);
    expect(await count()).toBe(rowsBefore);
  });

  it("binds each body to its row: a body moved to another row does not open", async () => {
    const victim = await enqueue({ to: "victim@example.com", subject: "Victim", text: "victim text", html: "" });
    const source = await enqueue({ to: "source@example.com", subject: "Source", text: "source text", html: "" });
    await dataSource.query(
      `UPDATE "clawkeep_mail" AS "v" SET "ciphertext" = "s"."ciphertext", "wrapped_dek" = "s"."wrapped_dek"
       FROM "clawkeep_mail" AS "s" WHERE "v"."id" = $1 AND "s"."id" = $2`,
      [victim, source],
    );
    const shown = (await mailer.outbox(50)).find((m) => m.id === victim)!;
    expect(shown.text).toMatch(/cannot be opened/);
    expect(shown.text).not.toContain("source text");
    await dataSource.query(`DELETE FROM "clawkeep_mail" WHERE "id" IN ($1, $2)`, [victim, source]);
  });

  it("prunes outbox messages older than a week", async () => {
    const old = await enqueue({ to: "old@example.com", subject: "Old", text: "old", html: "" });
    await dataSource.query(`UPDATE "clawkeep_mail" SET "created_at" = now() - interval '8 days' WHERE "id" = $1`, [old]);
    const kept = (await mailer.outbox(100)).length;
    expect(await mailer.pruneOutbox()).toBe(1);
    const after = await mailer.outbox(100);
    expect(after.map((m) => m.id)).not.toContain(old);
    expect(after).toHaveLength(kept - 1);
  });

  it("hides every secret, longest first, and nothing else", () => {
    expect(hideSecrets("a KEY and KEY2 and KEY", ["KEY", "KEY2", ""])).toBe(`a ${HIDDEN_MARKER} and ${HIDDEN_MARKER} and ${HIDDEN_MARKER}`);
    expect(hideSecrets("nothing secret here", ["absent"])).toBe("nothing secret here");
    expect(hideSecrets("no list", undefined)).toBe("no list");
  });
});

describe("clawkeep mail outbox", () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    run(process.execPath, ["--import", "tsx", "src/cli/clawkeep.ts", ...args], {
      env: { ...process.env, DATABASE_URL: "", CLAWKEEP_SMTP_URL: "", ...databaseEnv(fresh), CLAWKEEP_LOG_LEVEL: "error", ...env },
      timeout: 60_000,
    });

  it("prints the kept messages newest first, with their text bodies", async () => {
    // The embedded database belongs to one process: stop the server's side first.
    if (!usingPostgres) {
      await testApp!.close();
      testApp = undefined;
    }
    const { stdout } = await cli(["mail", "outbox", "--limit", "2"]);
    expect(stdout).toContain("The development outbox (no SMTP server is configured) holds these messages, newest first");
    expect(stdout).toMatch(/To: +a@example\.com\nSubject: Same tx 2[\s\S]*To: +a@example\.com\nSubject: Same tx 1/);
    expect(stdout).not.toContain("Third");
    expect(stdout).toContain("(showing the newest 2; use --limit N for more)");

    const all = await cli(["mail", "outbox", "--limit=50"]);
    // The whole plain-text body, API key included: this is where a developer reads it.
    expect(all.stdout).toContain(welcome.text);
    expect(all.stdout).toMatch(/Date: +\d{4}-\d\d-\d\dT/);
    expect(all.stdout.indexOf("Subject: Third")).toBeLessThan(all.stdout.indexOf(`Subject: ${welcome.subject}`));
  }, 90_000);

  it("says when SMTP is configured, and when the outbox is empty", async () => {
    const smtp = await cli(["mail", "outbox"], { CLAWKEEP_SMTP_URL: "smtp://127.0.0.1:2525" });
    expect(smtp.stdout).toContain("SMTP is configured (CLAWKEEP_SMTP_URL), so mail is sent, not kept in the development outbox.");
    expect(smtp.stdout).toContain("These messages were kept while no SMTP server was configured");

    const empty = await freshDatabase();
    try {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "src/cli/clawkeep.ts", "mail", "outbox"], {
        env: { ...process.env, DATABASE_URL: "", CLAWKEEP_SMTP_URL: "", ...databaseEnv(empty), CLAWKEEP_LOG_LEVEL: "error" },
        timeout: 60_000,
      });
      expect(stdout.trim()).toBe("The development outbox is empty: no mail has been kept yet (or what was kept is older than 7 days).");
    } finally {
      await empty.drop();
    }
  }, 90_000);

  it("refuses a bad --limit before touching the database, and is listed in the help", async () => {
    const bad = await cli(["mail", "outbox", "--limit", "0"]).catch((error: { code: number; stderr: string }) => error);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("--limit must be a whole number from 1 to 1000") });
    const unknown = await cli(["mail", "outbox", "--all"]).catch((error: { code: number; stderr: string }) => error);
    expect(unknown).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option "--all"') });
    const extra = await cli(["migrate", "--limit", "2"]).catch((error: { code: number; stderr: string }) => error);
    expect(extra).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "migrate --limit 2"') });
    const help = await cli(["--help"]);
    expect(help.stdout).toContain("clawkeep mail outbox [--limit N]");
  }, 60_000);
});
