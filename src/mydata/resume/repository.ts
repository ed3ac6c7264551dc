import type { Db } from '../../platform/database';

export interface SelfDescription {
  id: number;
  body: string;
  savedAt: Date;
}

const COLUMNS = ['id', 'body', 'saved_at as savedAt'];

/** 簡要自述: every saved version is kept (mydata_self_description); the latest is printed. */
export function createResumeRepository(db: Db) {
  return {
    async selfDescription(personId: number): Promise<SelfDescription | undefined> {
      return db('mydata_self_description').where({ person_id: personId }).orderBy('id', 'desc').first(COLUMNS);
    },
    selfDescriptionHistory(personId: number, limit = 20): Promise<SelfDescription[]> {
      return db('mydata_self_description').where({ person_id: personId }).select(COLUMNS).orderBy('id', 'desc').limit(limit);
    },
    async saveSelfDescription(trx: Db, personId: number, body: string, accountId: number, at: Date) {
      const [row] = await trx('mydata_self_description').insert({ person_id: personId, body, account_id: accountId || null, saved_at: at }).returning('id');
      return (row as { id: number }).id;
    },
  };
}
