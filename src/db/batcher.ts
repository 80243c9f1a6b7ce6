// Group commit for the hot reads: calls that arrive while the database is busy leave together, as
// one statement (one round trip, one commit, one WAL flush) instead of one each. Nothing waits on a
// timer: while fewer than `maxInFlight` batches are out, a call goes at once, alone; only when
// that many are out do calls queue, and the queue leaves as one batch when any of them returns.
// So an idle server answers as fast as before, and a busy one does less work per call, which is
// when it matters.
import { AsyncResource } from "node:async_hooks";

export interface BatcherOptions {
  /** Batches out at once; more calls than this wait and go together. */
  maxInFlight: number;
  /** Calls in one batch at most. */
  maxBatch: number;
  /**
   * Whether a failed batch's calls are worth trying again one by one (by default, always): not
   * when the failure is everyone's, such as a database that is away.
   */
  retryAlone?: (error: unknown) => boolean;
}

interface Waiting<In, Out> {
  input: In;
  resolve(output: Out): void;
  reject(error: unknown): void;
}

export class Batcher<In, Out> {
  private readonly queue: Waiting<In, Out>[] = [];
  private inFlight = 0;
  /** A batch of calls that queued runs in the batcher's own context, not in that of whichever call returned last. */
  private readonly scope = new AsyncResource("clawkeep.batcher");

  /** `runBatch` answers each input, in order; when it fails, each input of the batch is retried alone (see `retryAlone`). */
  constructor(
    private readonly runBatch: (inputs: In[]) => Promise<Out[]>,
    private readonly options: BatcherOptions,
  ) {}

  run(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      const call = { input, resolve, reject };
      // Below the limit nothing is queued (the queue leaves whenever a batch returns), so this call goes alone, now.
      if (this.inFlight < this.options.maxInFlight) this.send([call]);
      else this.queue.push(call);
    });
  }

  private send(batch: Waiting<In, Out>[]): void {
    this.inFlight++;
    this.answer(batch).finally(() => {
      this.inFlight--;
      if (this.queue.length > 0) this.scope.runInAsyncScope(() => this.send(this.queue.splice(0, this.options.maxBatch)));
    });
  }

  private async answer(batch: Waiting<In, Out>[]): Promise<void> {
    try {
      const outputs = await this.runBatch(batch.map((call) => call.input));
      batch.forEach((call, i) => call.resolve(outputs[i]));
    } catch (error) {
      if (batch.length === 1 || this.options.retryAlone?.(error) === false) {
        for (const call of batch) call.reject(error);
        return;
      }
      // One call's input must never fail the others': each goes again alone. A statement that
      // failed committed nothing, so running its parts again is safe (should the connection have
      // dropped after its commit, the retries' audit event ids collide: they fail, not record twice).
      await Promise.all(batch.map((call) => this.answer([call])));
    }
  }
}
