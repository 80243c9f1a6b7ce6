// Structured JSON logs. Redaction is a second line of defence: nothing should log credentials
// in the first place, but if an object with such a field is ever logged, its value is censored.
import { pino, type Logger } from "pino";

const REDACT = ["password", "api_key", "apiKey", "access_token", "refresh_token", "token", "value", "private_key", "authorization", "passphrase", "claim_token"];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "clawkeep" },
    redact: { paths: [...REDACT, ...REDACT.map((k) => `*.${k}`)], censor: "[redacted]" },
  });
}
