// Whether an error means "the database cannot be reached right now" (stopped, restarting, out of
// connections, network gone) rather than "this statement failed". The errors interceptor answers
// those with Unavailable (503, Retry-After) instead of Internal, and the pools reconnect by
// themselves once the database is back.

/** Socket errors of a connection attempt or of a connection that broke. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOENT", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "ECONNABORTED"]);

/** SQLSTATEs of a server that is going away, starting up, or full; and class 08, connection exceptions. */
const UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300", "53400"]);

/** What pg and TypeORM say when a connection dies under them or cannot be made in time. */
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is not established|the database system is (starting up|shutting down|in recovery mode)|terminating connection/i;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== "object" || error === null) return false;
  const { code, syscall, message, driverError, cause } = error as { code?: unknown; syscall?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof code === "string") {
    // ENOENT is a missing Unix socket only when connecting; elsewhere it is a missing file.
    if (SOCKET_CODES.has(code) && (code !== "ENOENT" || syscall === "connect")) return true;
    if (UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof message === "string" && UNAVAILABLE_MESSAGES.test(message)) return true;
  return isDatabaseUnavailable(driverError, depth + 1) || isDatabaseUnavailable(cause, depth + 1);
}
