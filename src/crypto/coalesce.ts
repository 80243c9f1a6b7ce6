// Coalesces re-reads of key tables. Callers that ask for a refresh must see the database as it was
// after they asked (a rotation committed a moment ago must be found), yet a flood of requests, for
// instance tokens naming made-up kids, must not become a flood of queries: so at most one read
// runs and at most one more waits, shared by everyone who asked while the first was running.

/** Wraps `task` so each call resolves after a run that started no earlier than the call. */
export function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const run = (): Promise<void> => {
    if (!running) {
      running = task().finally(() => {
        running = undefined;
      });
      return running;
    }
    // The running read may have started before this caller's reason to refresh: queue one more.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return run();
      });
    return queued;
  };
  return run;
}
