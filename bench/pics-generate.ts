/**
 * Benchmark-scale PICS tickets: `DATABASE_URL=postgres://… npx tsx bench/pics-generate.ts [count]`
 * fills the (migrated, seeded) database up to `count` generated tickets (default 1,000,000)
 * with one INSERT … SELECT generate_series per batch; running it again adds only what is
 * missing. Tickets fall in 2019–2025 (before the demo data), spread over the four channels and
 * the people of the master; 1 % belong to the demo civil servant wang.xiaoming (A123456789), so
 * his 掛號查詢 grows with the table. Receipt numbers stay unique and the month/channel
 * counters are raised to match.
 */
import { fileURLToPath } from 'node:url';
import knex, { type Knex } from 'knex';

export const BENCH_SUBJECT = 'bench 人事資訊系統問題';
const BATCH = 100_000;
// 84 months (2019-01 … 2025-12) × 4 channels; at most 99,999 a month and channel.
const START = '2019-01-01T00:00:00+08:00';
const SPAN_SECONDS = 7 * 365 * 86_400;

export async function generatedCount(db: Knex): Promise<number> {
  const r = await db.raw('SELECT coalesce(max(seq), 0)::int AS n FROM pics_bench_seq');
  return r.rows[0].n;
}

/** Adds generated tickets until there are `total`; returns how many were added. */
export async function generateTickets(db: Knex, total: number, log: (s: string) => void = () => {}): Promise<number> {
  // Which rows are generated, without scanning pics_ticket: a side table of the sequence used.
  await db.raw('CREATE TABLE IF NOT EXISTS pics_bench_seq (seq int PRIMARY KEY, ticket_id int NOT NULL)');
  let have = await generatedCount(db);
  const start = have;
  const wang = (await db.raw("SELECT id FROM person WHERE national_id = 'A123456789'")).rows[0]?.id;
  if (!wang) throw new Error('the demo data is missing (no wang.xiaoming)');
  const people = (await db.raw("SELECT min(id) AS lo, max(id) AS hi FROM person ")).rows[0];
  while (have < total) {
    const upto = Math.min(total, have + BATCH);
    // g spreads evenly over the 7 years; g % 4 picks the channel. The receipt's sequence is
    // g's rank within its month and channel, which is stable because g only grows: the
    // tickets of a batch continue the numbers of the earlier ones in the same bucket.
    await db.raw(
      `WITH src AS (
         SELECT g,
                (timestamptz '${START}' + make_interval(secs => ((g::bigint * 7919) % ${SPAN_SECONDS}))) AS at,
                (ARRAY['M','C','W','H'])[1 + g % 4] AS channel,
                CASE WHEN g % 100 = 0 THEN ?::int ELSE ?::int + ((g::bigint * 48271) % (?::int - ?::int + 1))::int END AS person_id
           FROM generate_series(?::int, ?::int) AS g
       ), numbered AS (
         SELECT s.*, to_char(s.at AT TIME ZONE 'Asia/Taipei', 'YYYYMM') AS period,
                coalesce(c.last_value, 0) + row_number() OVER (PARTITION BY to_char(s.at AT TIME ZONE 'Asia/Taipei', 'YYYYMM'), s.channel ORDER BY s.g) AS no
           FROM src s
           LEFT JOIN document_counter c ON c.name = 'pics.receipt:' || to_char(s.at AT TIME ZONE 'Asia/Taipei', 'YYYYMM') || s.channel
       ), ins AS (
         INSERT INTO pics_ticket (receipt_no, channel, kind, app_code, subject, description, person_id, phone, email, status,
                                  due_on, resolution, created_at, closed_at, updated_at)
         SELECT period || channel || lpad(no::text, 5, '0'), channel, CASE WHEN g % 10 = 0 THEN '建議' ELSE '問題' END,
                (ARRAY['A1','B7','DD','B5','A5'])[1 + g % 5], '${BENCH_SUBJECT} ' || g, '問題說明 ' || g, person_id,
                '02-23979108', 'bench' || person_id || '@example.gov.tw',
                CASE WHEN g % 7 = 0 THEN 'open' ELSE 'closed' END,
                (at AT TIME ZONE 'Asia/Taipei')::date + 5,
                CASE WHEN g % 7 = 0 THEN NULL ELSE '已處理完成。' END,
                at, CASE WHEN g % 7 = 0 THEN NULL ELSE at + interval '1 day' END, at
           FROM numbered
         RETURNING id, subject
       ), seq AS (
         INSERT INTO pics_bench_seq (seq, ticket_id)
         SELECT substring(subject from '[0-9]+$')::int, id FROM ins
       )
       INSERT INTO document_counter (name, last_value)
       SELECT 'pics.receipt:' || period || channel, max(no) FROM numbered GROUP BY period, channel
       ON CONFLICT (name) DO UPDATE SET last_value = greatest(document_counter.last_value, excluded.last_value)`,
      [wang, people.lo, people.hi, people.lo, have + 1, upto],
    );
    have = upto;
    log(`  ${have.toLocaleString('en')} generated tickets`);
  }
  if (have > start) await db.raw('ANALYZE pics_ticket');
  return have - start;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL is required (a migrated and seeded database)\n');
    process.exit(2);
  }
  const total = Number(process.argv[2] ?? 1_000_000);
  const db = knex({ client: 'pg', connection: url });
  const t0 = performance.now();
  generateTickets(db, total, (s) => process.stdout.write(`${s}\n`))
    .then((n) => process.stdout.write(`added ${n} tickets in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`))
    .finally(() => db.destroy())
    .catch((err) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
