// Another instance learns of a change when PostgreSQL delivers its NOTIFY, a few milliseconds
// after the commit; tests of that bound ask again until the answer changes, for a bounded time,
// so a cache that never learns fails and one that learns a moment later does not.

/** Asks `probe` every 25 ms until `done(answer)` or `ms` have passed; returns the last answer. */
export async function answerWithin<T>(ms: number, probe: () => Promise<T>, done: (answer: T) => boolean): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await probe();
    if (done(answer) || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Asks until the HTTP status is `wanted`, for at most `ms`; returns the last status seen. */
export async function statusWithin(ms: number, wanted: number, ask: () => Promise<Response>): Promise<number> {
  return answerWithin(ms, async () => (await ask()).status, (status) => status === wanted);
}
