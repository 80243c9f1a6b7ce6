// The one rule for control characters in text a caller sends us, applied at every entry point
// (every string of every RPC request in the validation interceptor, every field of the HTML
// forms): C0 control characters and DEL are refused, except tab, line feed and carriage return.
// PostgreSQL cannot store U+0000 in text at all, and the others have no business in names,
// emails, descriptions, metadata or passwords; they only hide things from people and logs.
import { DomainError } from "./errors.js";

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The index of the first refused control character in `value`, or -1. */
export function controlCharacterAt(value: string): number {
  const match = CONTROL.exec(value);
  return match ? match.index : -1;
}

/** Throws a 400 naming the field and the character when `value` breaks the rule. */
export function assertPlainText(field: string, value: string): void {
  const at = controlCharacterAt(value);
  if (at < 0) return;
  const code = value.charCodeAt(at).toString(16).toUpperCase().padStart(4, "0");
  throw new DomainError("invalid_argument", `${field} must not contain control characters (found U+${code} at position ${at}); only tab, line feed and carriage return are allowed`);
}
