// Input rules for people: emails and display names. Each failure is a sentence a caller can fix.
import { DomainError } from "../errors.js";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Emails are compared case-insensitively; we store them trimmed and lowercased. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
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
