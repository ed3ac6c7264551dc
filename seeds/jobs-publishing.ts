import type { Knex } from 'knex';

/**
 * 刊登方式 of the demo agencies: 送出 publishes at once (seed 004), except 國立臺北護理健康大學,
 * whose vacancies are reviewed first, so the demos and tests show both ways. Rows already
 * there are kept (an administrator may have changed them).
 */
export const REVIEWED_DEMO_AGENCIES = ['A096C0000Q'];

export async function seedJobsPublishingDemo(db: Knex): Promise<number | null> {
  const agencies: { id: number }[] = await db('agency').whereIn('code', REVIEWED_DEMO_AGENCIES).select('id');
  if (!agencies.length) return null;
  const added = await db('jobs_agency_setting')
    .insert(agencies.map((a) => ({ agency_id: a.id, review_before_publish: true })))
    .onConflict('agency_id')
    .ignore()
    .returning('agency_id');
  return added.length || null;
}
