/**
 * Benchmark-scale vacancies for 事求人: `npx tsx bench/jobs-generate.ts [N]` (default 200,000)
 * against DATABASE_URL, or used by bench/jobs-search.ts. Deterministic (row i always has the
 * same content); inserted with one INSERT … SELECT per batch, so 200,000 rows take a few
 * minutes mostly spent building the keyword index. Rows are marked source = 'bench'.
 */
import type { Knex } from 'knex';
import { COUNTIES, SERIES, TITLES } from '../src/jobs/codes';

const WORDS = ['行政', '資訊', '人事', '會計', '法制', '研考', '檔案', '典藏', '採購', '工程', '衛生', '社會', '教育', '文化', '地政', '財稅', '統計', '交通', '環保', '警政', '消防', '觀光', '農業', '水利'];

/** Inserts bench vacancies until there are `n` of them; returns how many were added. */
export async function generateVacancies(db: Knex, n: number, log: (s: string) => void = () => {}): Promise<number> {
  const have = Number((await db('jobs_vacancy').where({ source: 'bench' }).count({ c: '*' }))[0]!.c);
  if (have >= n) return 0;
  const agencies = (await db('agency').orderBy('id').select('id', 'code', 'name', 'address')) as { id: number; code: string; name: string; address: string }[];
  const batch = 20_000;
  const lit = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(',')}]::text[]`;
  const countyCodes = COUNTIES.slice(0, 22).map((c) => c.code);
  for (let start = have; start < n; start += batch) {
    const end = Math.min(n, start + batch) - 1;
    await db.raw(
      `INSERT INTO jobs_vacancy (work_id, agency_id, org_id, org_name, agency_address, filler_name, filler_phone, filler_email, person_kind,
         rank_from, rank_to, rank_text, title_code, title, series_code, series_name, number_of, reserve_num, gender, work_places,
         date_from, date_to, work_quality, work_item, work_address, contact_method, status, approved_at, reviewed_at, source, created_at, updated_at)
       SELECT 10000000 + i, a.id, a.code, a.name, a.address, '林淑芬', '02-23979108', 'hr@example.gov.tw', '1',
         r.lo, LEAST(14, r.lo + (i % 3)),
         CASE WHEN r.lo <= 5 THEN '委任' WHEN r.lo <= 9 THEN '薦任' ELSE '簡任' END || '第' || r.lo || '職等至第' || LEAST(14, r.lo + (i % 3)) || '職等', t.code, t.name, s.code, s.name, 1 + i % 3, i % 2, 'A',
         ARRAY[(${lit(countyCodes)})[1 + i % ${countyCodes.length}]],
         d.f, d.f + (14 + i % 60),
         '具' || s.name || '職系任用資格，熟悉' || (${lit(WORDS)})[1 + (i * 7) % ${WORDS.length}] || '及' || (${lit(WORDS)})[1 + (i * 13) % ${WORDS.length}] || '業務者優先。',
         '辦理' || (${lit(WORDS)})[1 + (i * 3) % ${WORDS.length}] || '相關業務之規劃、執行及考核，並協助' || (${lit(WORDS)})[1 + (i * 5) % ${WORDS.length}] || '行政事項。',
         a.address, '請將履歷寄至 hr@example.gov.tw', CASE WHEN i % 10 = 0 THEN 'pending' ELSE 'approved' END, now(), now(), 'bench', now(), now()
       FROM generate_series(?::int, ?::int) AS i
       CROSS JOIN LATERAL (SELECT (ARRAY[${agencies.map((a) => a.id).join(',')}])[1 + i % ${agencies.length}] AS aid) pick
       JOIN agency a ON a.id = pick.aid
       CROSS JOIN LATERAL (SELECT 1 + (i * 11) % 12 AS lo) r
       CROSS JOIN LATERAL (SELECT (${lit(TITLES.map((x) => x.code))})[1 + i % ${TITLES.length}] AS code, (${lit(TITLES.map((x) => x.name))})[1 + i % ${TITLES.length}] AS name) t
       CROSS JOIN LATERAL (SELECT (${lit(SERIES.map((x) => x.code))})[1 + (i * 7) % ${SERIES.length}] AS code, (${lit(SERIES.map((x) => x.name))})[1 + (i * 7) % ${SERIES.length}] AS name) s
       CROSS JOIN LATERAL (SELECT (current_date - (i % 120))::date AS f) d`,
      [start, end],
    );
    log(`  ${end + 1} / ${n}`);
  }
  // The work-number counter moves past the generated numbers, as the importer's does.
  await db.raw(
    `INSERT INTO document_counter (name, last_value) SELECT 'jobs.vacancy', max(work_id) FROM jobs_vacancy
     ON CONFLICT (name) DO UPDATE SET last_value = greatest(document_counter.last_value, excluded.last_value)`,
  );
  await db.raw('ANALYZE jobs_vacancy');
  return n - have;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { createDb } = await import('../src/platform/database');
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL is required (or run bench/jobs-search.ts, which starts its own database)\n');
    process.exit(2);
  }
  const db = createDb(url);
  const n = Number(process.argv[2] ?? 200_000);
  const added = await generateVacancies(db, n, (s) => process.stdout.write(`${s}\n`));
  process.stdout.write(`added ${added} vacancies\n`);
  await db.destroy();
}
