// Structured JSON logs. Redaction is a second line of defence: nothing should log credentials in
// the first place, but if an object with such a field is ever logged, at any depth, its value is
// censored, and so are the values a database error carries (its statement's parameters, the row
// PostgreSQL quotes back). The names come from src/sensitive.ts, the one list every guard derives from.
import { pino, type DestinationStream, type Logger } from "pino";
import { isSensitiveField, STATEMENT_VALUE_FIELDS } from "./sensitive.js";

const CENSOR = "[redacted]";
/** Deeper than anything we log; a structure nested beyond it is cut, not walked. */
const MAX_DEPTH = 8;

/** JSON lines on stdout, or on `destination`. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { service: "clawkeep" }, formatters: { log: (object: Record<string, unknown>) => redactSensitive(object) as Record<string, unknown> } };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * A copy of `value` in which every field with a sensitive name holds "[redacted]", at any depth.
 * Objects without such a field come back as they are (logging a line allocates nothing more).
 */
export function redactSensitive(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const redacted = redactSensitive(item, depth + 1);
      if (redacted !== item) (copy ??= [...value])[i] = redacted;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const isError = value instanceof Error;
  for (const [key, item] of Object.entries(value)) {
    const censored = isSensitiveField(key) || (isError && STATEMENT_VALUE_FIELDS.has(key) && item !== undefined && item !== null);
    const redacted = censored ? CENSOR : redactSensitive(item, depth + 1);
    if (redacted !== item) (copy ??= sameKindCopy(value))[key] = redacted;
  }
  // PostgreSQL quotes the offending input in the message of a data exception (SQLSTATE class 22:
  // `invalid input syntax for type uuid: "…"`); that input is a statement's parameter too.
  if (isError && isDataException(value)) {
    const target = (copy ??= sameKindCopy(value));
    for (const key of ["message", "stack"]) {
      if (typeof target[key] === "string") target[key] = (target[key] as string).replace(QUOTED, '"[redacted]"');
    }
  }
  // An error's cause is not enumerable, yet the error serializer writes it out: walk it too.
  if (isError && value.cause !== undefined && !Object.prototype.propertyIsEnumerable.call(value, "cause")) {
    const redacted = redactSensitive(value.cause, depth + 1);
    if (redacted !== value.cause) (copy ??= sameKindCopy(value)).cause = redacted;
  }
  return copy ?? value;
}

const QUOTED = /"(?:[^"\\]|\\.)*"/g;

function isDataException(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && DATA_EXCEPTION.test(code);
}

const DATA_EXCEPTION = /^22[0-9A-Z]{3}$/;

/**
 * A line of PostgreSQL's own log (prefix "%m [%p] %e "), with the input a data exception quotes
 * censored as in a logged database error.
 */
export function censorPostgresLine(line: string): string {
  const sqlstate = /^\S+ \S+ \S+ \[\d+\] ([0-9A-Z]{5}) /.exec(line)?.[1];
  return sqlstate && DATA_EXCEPTION.test(sqlstate) ? line.replace(QUOTED, '"[redacted]"') : line;
}

/** A copy with the same prototype and every own property (an error keeps its message and stack). */
function sameKindCopy(value: object): Record<string, unknown> {
  return Object.create(Object.getPrototypeOf(value) as object | null, Object.getOwnPropertyDescriptors(value)) as Record<string, unknown>;
}
