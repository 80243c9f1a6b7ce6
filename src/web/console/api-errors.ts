// How an API error reads in the console: the API's own sentence, with the HTTP status a page
// answers with. Pages that show a form put the sentence above it; anything else gets a page.
import { Code, ConnectError } from "@connectrpc/connect";

const STATUS: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.Aborted]: 409,
  [Code.FailedPrecondition]: 412,
  [Code.ResourceExhausted]: 429,
  [Code.Unavailable]: 503,
  [Code.DeadlineExceeded]: 504,
  [Code.Unimplemented]: 501,
};

const TITLES: Partial<Record<Code, string>> = {
  [Code.InvalidArgument]: "Not accepted",
  [Code.PermissionDenied]: "Not allowed",
  [Code.NotFound]: "Not found",
  [Code.AlreadyExists]: "Already exists",
  [Code.Aborted]: "Changed meanwhile",
  [Code.FailedPrecondition]: "Not possible now",
  [Code.ResourceExhausted]: "Slow down",
  [Code.Unavailable]: "Unavailable",
};

export interface ApiFailure {
  code: Code;
  status: number;
  title: string;
  /** The API's sentence, as a REST caller would read it in problem details. */
  message: string;
}

/** An API failure, or undefined for anything that is not one (a bug: let it surface). */
export function apiFailure(error: unknown): ApiFailure | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  if (error.code === Code.Internal || error.code === Code.Unknown) return undefined;
  const message = error.rawMessage.length > 0 ? error.rawMessage : "the request was refused";
  return { code: error.code, status: STATUS[error.code] ?? 500, title: TITLES[error.code] ?? "Something went wrong", message: capitalise(message) };
}

/**
 * Runs an API call whose failure belongs on the page (a form's error): returns the value, or the
 * failure's sentence with the status the page answers with (403 for a refusal, 400 for bad input).
 * A missing resource and an ended session still become their own pages.
 */
export async function attempt<T>(call: () => Promise<T>, options: { signingIn?: boolean } = {}): Promise<{ ok: true; value: T } | { ok: false; error: string; status: number }> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    const failure = apiFailure(error);
    // While signing in, "unauthenticated" is the answer to show (a wrong password), not an ended session.
    if (!failure || (failure.code === Code.Unauthenticated && !options.signingIn) || failure.code === Code.NotFound) throw error;
    return { ok: false, error: failure.message, status: failure.status };
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
