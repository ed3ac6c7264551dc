import { insertReturningId, type Db } from '../../platform/database';

export type PollStatus = 'draft' | 'open' | 'closed';

export interface Poll {
  id: number;
  title: string;
  description: string;
  openFrom: string;
  openTo: string;
  status: PollStatus;
  closedAt: Date | null;
  options: { id: number; label: string; votes: number }[];
}

export interface PollFields {
  title: string;
  description: string;
  openFrom: string;
  openTo: string;
}

const HEAD = ['id', 'title', 'description', 'open_from as openFrom', 'open_to as openTo', 'status', 'closed_at as closedAt'];

/** 主題投票: polls, their options and the votes. */
export function createPollRepository(db: Db) {
  async function load(q: Db, id: number, lock: 'update' | 'share' | null) {
    const head = q('poll').where({ id }).first(HEAD);
    if (lock === 'update') head.forUpdate();
    if (lock === 'share') head.forShare();
    const poll = (await head) as Omit<Poll, 'options'> | undefined;
    if (!poll) return undefined;
    const options = await q('poll_option as o')
      .leftJoin('poll_vote as v', 'v.option_id', 'o.id')
      .where('o.poll_id', id)
      .groupBy('o.id')
      .orderBy(['o.sort_order', 'o.id'])
      .select('o.id', 'o.label', q.raw('count(v.account_id)::int as votes'));
    return { ...poll, options: options as Poll['options'] } as Poll;
  }

  return {
    transaction: <T>(fn: (trx: Db) => Promise<T>) => db.transaction(fn),
    find: (id: number) => load(db, id, null),
    lock: (trx: Db, id: number, mode: 'update' | 'share' = 'update') => load(trx, id, mode),
    /** Every poll (the administrators' list) or only those not in draft (the public one). */
    async list(includeDrafts: boolean) {
      const q = db('poll as p')
        .select('p.id', 'p.title', 'p.status', 'p.open_from as openFrom', 'p.open_to as openTo', db.raw('(SELECT count(*) FROM poll_vote v WHERE v.poll_id = p.id)::int AS votes'))
        .orderBy([{ column: 'p.open_from', order: 'desc' }, { column: 'p.id', order: 'desc' }]);
      if (!includeDrafts) q.whereNot('p.status', 'draft');
      return q as Promise<{ id: number; title: string; status: PollStatus; openFrom: string; openTo: string; votes: number }[]>;
    },
    async insert(trx: Db, f: PollFields, options: string[], createdBy: number): Promise<number> {
      const id = await insertReturningId(trx, 'poll', { title: f.title, description: f.description, open_from: f.openFrom, open_to: f.openTo, status: 'draft', created_by_account_id: createdBy });
      await trx('poll_option').insert(options.map((label, i) => ({ poll_id: id, label, sort_order: i })));
      return id;
    },
    /** A draft's fields and options (it has no votes: options are replaced). */
    async update(trx: Db, id: number, f: PollFields, options: string[]): Promise<void> {
      await trx('poll').where({ id }).update({ title: f.title, description: f.description, open_from: f.openFrom, open_to: f.openTo });
      await trx('poll_option').where({ poll_id: id }).delete();
      await trx('poll_option').insert(options.map((label, i) => ({ poll_id: id, label, sort_order: i })));
    },
    async setStatus(trx: Db, id: number, status: PollStatus, at: Date): Promise<void> {
      await trx('poll').where({ id }).update({ status, ...(status === 'closed' ? { closed_at: at } : {}) });
    },
    async myVote(pollId: number, accountId: number): Promise<number | null> {
      const row = await db('poll_vote').where({ poll_id: pollId, account_id: accountId }).first('option_id');
      return row ? (row.option_id as number) : null;
    },
    /** One vote per person: the primary key refuses a second one. */
    async vote(trx: Db, pollId: number, accountId: number, optionId: number): Promise<boolean> {
      const rows = await trx('poll_vote').insert({ poll_id: pollId, account_id: accountId, option_id: optionId }).onConflict(['poll_id', 'account_id']).ignore().returning('poll_id');
      return rows.length === 1;
    },
  };
}

export type PollRepository = ReturnType<typeof createPollRepository>;
