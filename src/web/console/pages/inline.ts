// Like attempt() (api-errors.ts), for actions on things that may vanish meanwhile (a share revoked,
// an invitation accepted, a rule deleted by someone else): their not-found is the form's error, in
// place, with the status it stands for, not a page of its own. An ended session still signs out.
import { Code } from "@connectrpc/connect";
import { apiFailure } from "../api-errors.js";

/** An API call whose refusal belongs on the page, a share that is gone included (it was revoked meanwhile). */
export async function tryInline<T>(call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string; status: number }> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    const failure = apiFailure(error);
    if (!failure || failure.code === Code.Unauthenticated) throw error;
    return { ok: false, error: failure.message, status: failure.status };
  }
}
