// `clawkeep mail outbox [--limit N]`: prints the mail kept in the development outbox (no SMTP
// server configured), newest first, with the plain-text body opened; that body may hold an agent
// API key, which the server's log line hides. It runs beside serving instances, on the embedded
// database too (it uses the running server's).
import type { Logger } from "pino";
import type { Config } from "../config.js";
import { Keyring } from "../crypto/keyring.js";
import { loadMasterKey } from "../crypto/master-key.js";
import { openDatabase } from "../db/database.js";
import { Mailer } from "../mail/mailer.js";

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 1000;

/** The options of `mail outbox`, or a message saying what is wrong with them. */
export function parseOutboxArgs(args: string[]): { limit: number } | { error: string } {
  let limit = DEFAULT_LIMIT;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let raw: string | undefined;
    if (arg === "--limit") raw = args[++i];
    else if (arg.startsWith("--limit=")) raw = arg.slice("--limit=".length);
    else return { error: `unknown option "${arg}"; usage: clawkeep mail outbox [--limit N]` };
    if (raw === undefined || !/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_LIMIT) {
      return { error: `--limit must be a whole number from 1 to ${MAX_LIMIT}, got ${raw === undefined ? "nothing" : `"${raw}"`}` };
    }
    limit = Number(raw);
  }
  return { limit };
}

export async function mailOutbox(config: Config, logger: Logger, args: string[]): Promise<number> {
  const parsed = parseOutboxArgs(args);
  if ("error" in parsed) {
    console.error(`clawkeep: ${parsed.error}`);
    return 2;
  }
  const database = await openDatabase(config, logger, { role: "tool" });
  try {
    const masterKey = loadMasterKey({ envValue: config.masterKey, dataDir: config.dataDir, embedded: database.kind === "embedded", logger });
    const keyring = await Keyring.open(database.dataSource, masterKey);
    // Not started: this only reads the outbox, it never sends.
    const mailer = new Mailer({ dataSource: database.dataSource, keyring, logger, smtpUrl: config.smtpUrl, from: config.mailFrom });
    const messages = await mailer.outbox(parsed.limit);
    if (config.smtpUrl) {
      console.log("SMTP is configured (CLAWKEEP_SMTP_URL), so mail is sent, not kept in the development outbox.");
      if (messages.length > 0) console.log("These messages were kept while no SMTP server was configured:\n");
    }
    if (messages.length === 0) {
      if (!config.smtpUrl) console.log("The development outbox is empty: no mail has been kept yet (or what was kept is older than 7 days).");
      return 0;
    }
    if (!config.smtpUrl) {
      console.log(`The development outbox (no SMTP server is configured) holds these messages, newest first:\n`);
    }
    for (const [index, message] of messages.entries()) {
      console.log(`── ${index + 1} of ${messages.length} ──────────────────────────────────────────`);
      console.log(`Mail-Id: ${message.id}`);
      console.log(`Date:    ${message.createdAt.toISOString()}`);
      console.log(`To:      ${message.to}`);
      console.log(`Subject: ${message.subject}`);
      console.log("");
      console.log(message.text.trimEnd());
      console.log("");
    }
    if (messages.length === parsed.limit) console.log(`(showing the newest ${parsed.limit}; use --limit N for more)`);
    return 0;
  } finally {
    await database.close();
  }
}
