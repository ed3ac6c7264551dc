import type { Db } from './database';
import { createCounterRepository } from './counterRepository';

/**
 * The one counter of every numbered document. A counter is named by its document and the
 * number's prefix (`counterName('pics.receipt', '202612M')`); `next` takes the next number
 * inside the caller's transaction: concurrent callers wait on the counter row, and a
 * transaction that rolls back gives its number back, so the numbers stay consecutive.
 */
export type CounterDocument = 'pics.receipt' | 'cloud.application' | 'cloud.report' | 'jobs.vacancy';

const repo = createCounterRepository();

export function counterName(document: CounterDocument, prefix = ''): string {
  if (!/^[0-9A-Za-z]{0,20}$/.test(prefix)) throw new Error(`counter prefix must be letters and digits: ${prefix}`);
  return prefix ? `${document}:${prefix}` : document;
}

export const counter = {
  /** The next number of the counter (1 for a new one), within `trx` (a transaction). */
  next: (trx: Db, document: CounterDocument, prefix = ''): Promise<number> => {
    if (!trx.isTransaction) throw new Error('counter.next needs the transaction that stores the numbered document');
    return repo.next(trx, counterName(document, prefix));
  },
  /** The last number taken (0 when none yet). */
  last: (db: Db, document: CounterDocument, prefix = ''): Promise<number> => repo.last(db, counterName(document, prefix)),
  /** Raises the counter to at least `value` (data that bring their own numbers: seeds, imports). */
  raiseTo: (db: Db, document: CounterDocument, prefix: string, value: number): Promise<void> => repo.raiseTo(db, counterName(document, prefix), value),
};
