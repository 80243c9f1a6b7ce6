// Structured JSON logs. Redaction is a second line of defence: nothing should log credentials in
// the first place, but if an object with such a field is ever logged, at any depth, its value is
// censored. The names come from src/sensitive.ts, the one list every guard derives from.
import { pino, type DestinationStream, type Logger } from "pino";
import { isSensitiveField } from "./sensitive.js";

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
  for (const [key, item] of Object.entries(value)) {
    const redacted = isSensitiveField(key) ? CENSOR : redactSensitive(item, depth + 1);
    if (redacted !== item) (copy ??= sameKindCopy(value))[key] = redacted;
  }
  return copy ?? value;
}

/** A copy with the same prototype and every own property (an error keeps its message and stack). */
function sameKindCopy(value: object): Record<string, unknown> {
  return Object.create(Object.getPrototypeOf(value) as object | null, Object.getOwnPropertyDescriptors(value)) as Record<string, unknown>;
}
