// Following one bus topic for the life of the server: every event from now on is handed to
// `onEvent`, across instances; a failed subscription is retried, and `onGap` runs first so the
// caller can drop whatever it could not keep current meanwhile. Ends when the bus closes.
import type { Logger } from "pino";
import type { BusEvent, EventBus } from "./bus.js";

const RESUBSCRIBE_DELAY_MS = 1000;

export async function followTopic(parts: { bus: EventBus; logger: Logger; topic: string; onEvent: (event: BusEvent) => void; onGap: () => void }): Promise<void> {
  const { bus, logger, topic, onEvent, onGap } = parts;
  let after = await bus.latestCursor();
  const never = new AbortController().signal;
  void (async () => {
    for (;;) {
      try {
        for await (const event of bus.subscribe({ topics: [topic], after, signal: never })) {
          after = event.cursor;
          onEvent(event);
        }
        return; // the bus closed
      } catch (error) {
        onGap();
        logger.warn({ err: error, topic }, "following the events bus failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_DELAY_MS));
      }
    }
  })();
}
