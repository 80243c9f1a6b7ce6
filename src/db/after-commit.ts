// Work that must wait until a transaction has committed (waking readers of what it wrote), and
// must not happen at all when it rolls back. Outside a transaction a statement commits by itself,
// so the work runs at once.
import type { DataSource, EntityManager, EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from "typeorm";

const PENDING = "clawkeepAfterCommit";
const installed = new WeakSet<DataSource>();

type Pending = Map<string, () => void>;

/**
 * Runs `work` once the manager's transaction commits. Work registered under the same `key` in one
 * transaction runs once (a transaction that appends ten audit events wakes the sequencer once).
 */
export function afterCommit(manager: EntityManager, key: string, work: () => void): void {
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) {
    work();
    return;
  }
  install(manager.connection);
  const data = runner.data as Record<string, unknown>;
  const pending = (data[PENDING] ??= new Map()) as Pending;
  pending.set(key, work);
}

function install(dataSource: DataSource): void {
  if (installed.has(dataSource)) return;
  installed.add(dataSource);
  // A savepoint's commit or rollback (a nested transaction) is not the end: only the outermost is.
  // Work kept past a rolled-back savepoint only wakes someone for nothing, which is harmless.
  const take = (event: TransactionCommitEvent | TransactionRollbackEvent): Pending | undefined => {
    if (event.queryRunner.isTransactionActive) return undefined;
    const data = event.queryRunner.data as Record<string, unknown>;
    const pending = data[PENDING] as Pending | undefined;
    delete data[PENDING];
    return pending;
  };
  const subscriber: EntitySubscriberInterface = {
    afterTransactionCommit: (event) => {
      for (const work of take(event)?.values() ?? []) work();
    },
    afterTransactionRollback: (event) => void take(event),
  };
  dataSource.subscribers.push(subscriber);
}
