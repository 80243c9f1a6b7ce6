// A real SMTP server for tests (smtp-server on 127.0.0.1, no TLS, no auth needed) that keeps
// every message it accepts, parsed with mailparser. It can refuse the next messages with a reply
// of your choice (451, a temporary failure, by default) and can hold each message a while before
// answering, to catch a sender in the middle of a delivery.
import type { AddressInfo } from "node:net";
import { simpleParser, type AddressObject } from "mailparser";
import { SMTPServer, type SMTPServerError } from "smtp-server";

export interface ReceivedMail {
  /** Addresses of the To header. */
  to: string[];
  /** The From header as written, e.g. "Clawkeep <clawkeep@localhost>". */
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The Message-ID header, angle brackets included. */
  messageId: string;
  /** Recipients of the SMTP envelope (RCPT TO). */
  envelopeTo: string[];
  /** The whole message as received. */
  raw: string;
}

export interface SmtpSinkOptions {
  /** Listen on this port (default: a free one). */
  port?: number;
  /** Wait this long after receiving a message before answering it. */
  acceptDelayMs?: number;
}

export interface SmtpSink {
  /** smtp://127.0.0.1:PORT, for CLAWKEEP_SMTP_URL. */
  url: string;
  port: number;
  /** Accepted messages, oldest first. */
  messages: ReceivedMail[];
  /** How many messages were refused so far (by `rejectNext`). */
  rejectedCount(): number;
  /** Resolves with the first accepted message (already received or still to come) the predicate likes. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Refuses the next `count` messages after their data arrives: 451 (temporary) unless `code` says otherwise. */
  rejectNext(count: number, reply?: { code?: number; message?: string }): void;
  close(): Promise<void>;
}

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let toReject = 0;
  let rejected = 0;
  let rejectReply = { code: 451, message: "4.3.0 Try again later (test sink)" };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", (error) => callback(error));
      stream.on("end", () => {
        const answer = async () => {
          if (options.acceptDelayMs) await new Promise((resolve) => setTimeout(resolve, options.acceptDelayMs));
          if (toReject > 0) {
            toReject--;
            rejected++;
            const error: SMTPServerError = new Error(rejectReply.message);
            error.responseCode = rejectReply.code;
            callback(error);
            return;
          }
          const raw = Buffer.concat(chunks);
          const parsed = await simpleParser(raw);
          messages.push({
            to: addresses(parsed.to),
            from: parsed.from?.text ?? "",
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            messageId: parsed.messageId ?? "",
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            raw: raw.toString("utf8"),
          });
          callback(null, "2.0.0 Kept by the test sink");
          for (const wake of [...waiters]) wake();
        };
        answer().catch((error: Error) => callback(error));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Connection-level errors (a client hanging up) must not crash the test process.
  server.on("error", () => undefined);
  const port = (server.server.address() as AddressInfo).port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    rejectedCount: () => rejected,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = messages.map((m) => `"${m.subject}" to ${m.to.join(", ")}`).join("; ") || "none";
          reject(new Error(`no matching mail arrived at the SMTP sink within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
    rejectNext(count, reply = {}) {
      toReject = count;
      rejectReply = { code: reply.code ?? 451, message: reply.message ?? (reply.code && reply.code >= 500 ? "5.7.1 Refused (test sink)" : "4.3.0 Try again later (test sink)") };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function addresses(header: AddressObject | AddressObject[] | undefined): string[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return objects.flatMap((object) => object.value.flatMap((entry) => (entry.group ?? [entry]).map((e) => e.address ?? "")));
}
