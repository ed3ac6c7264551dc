import type { Db } from '../../platform/database';

export interface PublishingSetting {
  agencyId: number;
  code: string;
  name: string;
  reviewBeforePublish: boolean;
  updatedAt: Date | null;
}

/** jobs_agency_setting: whether an agency's vacancies are reviewed before they are published. */
export function createPublishingRepository(db: Db) {
  return {
    async reviewBeforePublish(agencyId: number, trx: Db = db): Promise<boolean> {
      const row = await trx('jobs_agency_setting').where({ agency_id: agencyId }).first('review_before_publish');
      return Boolean(row?.review_before_publish);
    },
    /** The agencies whose certificates may enter 事求人, and any with a setting, by 機關代碼. */
    async settings(): Promise<PublishingSetting[]> {
      return db('agency as g')
        .leftJoin('jobs_agency_setting as s', 's.agency_id', 'g.id')
        .where((q) => q.whereExists(db('agency_area_grant as r').whereRaw('r.agency_id = g.id').where('r.area', 'jobs')).orWhereNotNull('s.agency_id'))
        .orderBy('g.code')
        .select('g.id as agencyId', 'g.code', 'g.name', db.raw('coalesce(s.review_before_publish, false) as "reviewBeforePublish"'), 's.updated_at as updatedAt');
    },
    async agencyByCode(code: string): Promise<{ id: number; code: string; name: string } | undefined> {
      return db('agency').where({ code }).first('id', 'code', 'name');
    },
    async set(trx: Db, agencyId: number, reviewBeforePublish: boolean, accountId: number | null): Promise<void> {
      await trx('jobs_agency_setting')
        .insert({ agency_id: agencyId, review_before_publish: reviewBeforePublish, updated_by_account_id: accountId, updated_at: trx.fn.now() })
        .onConflict('agency_id')
        .merge();
    },
    transaction: <T>(fn: (trx: Db) => Promise<T>) => db.transaction(fn),
  };
}

export type PublishingRepository = ReturnType<typeof createPublishingRepository>;
