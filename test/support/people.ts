// Test people: a password that meets the policy and email addresses no other test uses.

export const PASSWORD = "correct horse battery staple";

let counter = 0;

/** A fresh address, unique within this process and across runs sharing a database. */
export function uniqueEmail(prefix = "person"): string {
  return `${prefix}${++counter}-${Date.now()}@example.com`;
}
