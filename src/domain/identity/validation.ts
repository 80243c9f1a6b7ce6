// Input rules for people: emails and display names. Each failure is a sentence a caller can fix.
import { DomainError } from "../errors.js";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails are compared case-insensitively; we store and look them up trimmed and lowercased. */
export function canonicalEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** The canonical form of an email a caller gives us to store, or a 400 saying what is wrong. */
export function normalizeEmail(raw: string): string {
  const email = canonicalEmail(raw);
  if (email === "") throw new DomainError("invalid_argument", "email is required");
  if (email.length > 254) throw new DomainError("invalid_argument", "email must be at most 254 characters");
  if (!EMAIL.test(email)) throw new DomainError("invalid_argument", `"${email.slice(0, 64)}" is not an email address`);
  return email;
}

export function checkDisplayName(raw: string): string {
  const name = raw.trim();
  if (name.length > 100) throw new DomainError("invalid_argument", "display_name must be at most 100 characters");
  if (/[\u0000-\u001f\u007f]/.test(name)) throw new DomainError("invalid_argument", "display_name must not contain control characters");
  return name;
}
