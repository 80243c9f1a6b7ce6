// What counts as one email address here: a bare local@domain with nothing a header could be
// split on (no spaces, brackets, quotes, commas, semicolons or line breaks), so one value can
// never become two recipients or an extra header.
const BARE_ADDRESS = /^[^\s@<>()[\],;:"\\]+@[^\s@<>(),;:"\\]+$/;

export function isBareAddress(value: string): boolean {
  return BARE_ADDRESS.test(value);
}

/** The address inside `Name <address>`, or the value itself when it is bare; undefined otherwise. */
export function addressOf(mailbox: string): string | undefined {
  if (/[\r\n]/.test(mailbox)) return undefined;
  const named = /^([^<>]*)<([^<>]*)>$/.exec(mailbox.trim());
  const address = named ? named[2].trim() : mailbox.trim();
  return isBareAddress(address) ? address : undefined;
}
