import type { Knex } from 'knex';
import { prng } from './demo';
import { seedJobsCodes } from '../src/reference/repository';
import { COUNTIES, PERSON_KINDS, SERIES, TITLES, rankText } from '../src/jobs/codes';
import { taipeiToday } from '../src/platform/dates';

const QUALITIES = [
  '具公務人員任用資格，並具{series}職系任用資格者。',
  '公務人員高等考試三級考試或普通考試{series}類科及格。',
  '具{series}相關工作經驗二年以上者優先；熟悉文書處理及資訊系統操作。',
  '大學以上畢業，具{series}專長，並具良好溝通協調能力。',
];
const ITEMS = [
  '辦理{series}業務之規劃、執行及考核。',
  '承辦{series}相關計畫、預算編列及經費核銷等事項。',
  '辦理人事服務網與資訊系統之維護及{series}行政支援。',
  '協助辦理為民服務、公文收發及其他臨時交辦事項。',
];

const addDays = (iso: string, n: number) => new Date(Date.parse(iso) + n * 86_400_000).toISOString().slice(0, 10);

/** Demo data of the area: code lists, a few hundred vacancies in every state, a subscriber. */

export async function seedJobsDemo(db: Knex): Promise<Record<string, number> | null> {
  await seedJobsCodes(db);
  if (await db('jobs_vacancy').first('id')) return null;
  const agencies: { id: number; code: string; name: string; address: string; phone: string; email_domain: string | null }[] = await db('agency').orderBy('id');
  if (!agencies.length) return null;
  const r = prng(20261125);
  const today = taipeiToday();
  const rows: Record<string, unknown>[] = [];
  const N = 320;
  for (let i = 0; i < N; i++) {
    // The first rows are fixed: current approved vacancies of 國立臺北護理健康大學 for the demos.
    const agency = i < 3 ? agencies.find((a) => a.code === 'A096C0000Q') ?? agencies[0]! : r.pick(agencies);
    const series = r.pick(SERIES);
    const title = r.pick(TITLES.slice(0, 16));
    const low = r.int(1, 12);
    const high = Math.min(14, low + r.int(0, 2));
    const start = i < 3 ? addDays(today, -i) : addDays(today, -r.int(0, 120));
    const end = addDays(start, i < 3 ? 45 : r.int(14, 60));
    const roll = r.next();
    const status = i < 3 ? 'approved' : roll < 0.75 ? 'approved' : roll < 0.88 ? 'pending' : 'returned';
    const places = [r.pick(COUNTIES.slice(0, 22)).code];
    if (r.next() < 0.15) places.push(r.pick(COUNTIES).code);
    const fill = (s: string) => s.replace('{series}', series.name);
    const gender = r.next() < 0.05 ? r.pick(['M', 'F']) : 'A';
    const kind = r.next() < 0.7 ? '1' : r.pick(PERSON_KINDS).code;
    const created = new Date(Date.parse(`${start}T09:00:00+08:00`) - r.int(0, 3) * 86_400_000);
    rows.push({
      work_id: db.raw("document_counter_next('jobs.vacancy')"),
      agency_id: agency.id,
      org_id: agency.code,
      org_name: agency.name,
      agency_address: agency.address,
      filler_name: r.pick(['林淑芬', '張志豪', '陳怡君', '黃建宏', '王雅婷']),
      filler_phone: agency.phone,
      filler_ext: String(r.int(100, 899)),
      filler_email: `hr@${agency.email_domain ?? 'example.gov.tw'}`,
      person_kind: kind,
      rank_from: kind === '1' ? low : null,
      rank_to: kind === '1' ? high : null,
      rank_text: kind === '1' ? rankText(low, high) : '',
      title_code: title.code,
      title: title.name,
      series_code: series.code,
      series_name: series.name,
      number_of: r.next() < 0.1 ? null : r.int(1, 3),
      reserve_num: r.int(0, 2),
      gender,
      gender_reason: gender === 'A' ? '' : '工作須輪值女性宿舍夜間管理，僅適合特定性別。',
      work_places: places.sort(),
      date_from: start,
      date_to: end,
      work_quality: fill(r.pick(QUALITIES)),
      work_item: fill(r.pick(ITEMS)) + '\n' + fill(r.pick(ITEMS)),
      work_address: agency.address,
      contact_method: `請將履歷寄至 hr@${agency.email_domain ?? 'example.gov.tw'}，或電洽 ${agency.phone}。`,
      url_link: r.next() < 0.3 ? `https://www.example.gov.tw/jobs/${i + 1}` : '',
      is_handicap: r.next() < 0.4,
      is_original: r.next() < 0.4,
      transfer_only: r.next() < 0.5,
      needs_consent: i === 1 || r.next() < 0.2,
      hide_contact: r.next() < 0.1,
      status,
      review_reason: status === 'returned' ? '資格條件未載明職系任用資格，請修正後再送。' : '',
      reviewed_at: status === 'pending' ? null : created,
      approved_at: status === 'approved' ? created : null,
      created_at: created,
      updated_at: created,
    });
  }
  await db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += 200) await trx('jobs_vacancy').insert(rows.slice(i, i + 200));
    await trx('jobs_subscription').insert({
      email: 'jobseeker@example.com',
      keyword: '行政',
      county: '10',
      confirmed_at: new Date(Date.parse(`${addDays(today, -30)}T00:00:00+08:00`)),
      last_digest_at: new Date(Date.parse(`${addDays(today, -1)}T07:00:00+08:00`)),
    });
  });
  return { vacancies: rows.length, subscriptions: 1 };
}
