import type { Knex } from 'knex';
import { DEMO_ACCOUNTS, prng } from './demo';

type Rng = ReturnType<typeof prng>;

const SCHOOLS = ['國立臺灣大學', '國立政治大學', '國立臺北大學', '國立中興大學', '國立成功大學', '國立中正大學', '國立臺北護理健康大學', '東吳大學', '輔仁大學', '淡江大學', '逢甲大學', '國立高雄大學'];
const DEPARTMENTS = ['公共行政學系', '法律學系', '政治學系', '會計學系', '資訊工程學系', '社會工作學系', '經濟學系', '企業管理學系', '土木工程學系', '護理學系'];
const EXAMS: Array<[string, string]> = [
  ['公務人員高等考試三級考試', '三等'],
  ['公務人員普通考試', '普通'],
  ['公務人員特種考試地方政府公務人員考試', '三等'],
  ['公務人員升官等考試', '薦任'],
  ['公務人員初等考試', '初等'],
];
const CATEGORIES = ['一般行政', '人事行政', '會計', '資訊處理', '一般民政', '社會行政', '土木工程', '經建行政', '法制', '財稅行政'];
const CAREER_AGENCIES = ['臺北市政府', '新北市政府', '內政部', '財政部', '教育部', '衛生福利部', '行政院人事行政總處', '桃園市政府', '臺中市政府', '高雄市政府'];
const CAREER_TITLES: Array<[string, string]> = [
  ['辦事員', '委任第三職等'],
  ['科員', '委任第五職等'],
  ['科員', '薦任第六職等'],
  ['專員', '薦任第七職等'],
  ['科長', '薦任第九職等'],
];
const REWARDS = ['嘉獎一次', '嘉獎二次', '記功一次', '申誡一次'];
const REWARD_REASONS = ['辦理年度預算編列作業，認真負責，績效良好', '協助推動數位服務業務，表現優異', '辦理人事資料清查作業，如期完成', '承辦業務延宕，影響機關聲譽', '辦理防疫相關業務，著有績效'];
const COURSES: Array<[string, string]> = [
  ['公務倫理與廉政', '國家文官學院'],
  ['個人資料保護法實務', '公務人力發展學院'],
  ['政策規劃與溝通', '國家文官學院'],
  ['資通安全通識', '數位發展部'],
  ['性別主流化基礎課程', '公務人力發展學院'],
  ['人事法規實務研習', '行政院人事行政總處'],
];

const pad = (n: number) => String(n).padStart(2, '0');
const date = (r: Rng, from: number, to: number) => `${r.int(from, to)}-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}`;

/** The pay items of a month, derived from a base salary. */
function payItems(base: number, r: Rng) {
  const professional = Math.round(base * 0.75);
  const supervisor = r.next() < 0.2 ? 5_000 + r.int(0, 4) * 1_000 : 0;
  const earnings: Array<[string, number]> = [
    ['本俸', base],
    ['專業加給', professional],
    ...(supervisor ? [['主管職務加給', supervisor] as [string, number]] : []),
  ];
  const gross = base + professional + supervisor;
  const deductions: Array<[string, number]> = [
    ['公保費', Math.round(base * 2 * 0.0827 * 0.35)],
    ['健保費', Math.round(gross * 0.0517 * 0.3)],
    ['退撫基金提撥', Math.round(base * 2 * 0.15 * 0.35)],
    ['所得稅', Math.round(gross * 0.03)],
  ];
  return { earnings, deductions };
}

/** Fills one person's record sections, deterministically from `seed`; returns the row counts. */
export async function fillMydataRecord(db: Knex, personId: number, seed: number, opts: { pay?: boolean; now?: Date } = {}) {
  const rows = buildRecord(personId, prng(seed), opts.pay ?? true, opts.now ?? new Date());
  for (const [table, list] of Object.entries(rows)) if (list.length) await db(table).insert(list);
}

function buildRecord(personId: number, r: Rng, withPay: boolean, now: Date): Record<string, Record<string, unknown>[]> {
  const gradYear = r.int(1985, 2018);
  const education = [
    { person_id: personId, school: r.pick(SCHOOLS), department: r.pick(DEPARTMENTS), degree: '學士', graduated_on: `${gradYear}-06-${pad(r.int(10, 28))}` },
    ...(r.next() < 0.45 ? [{ person_id: personId, school: r.pick(SCHOOLS), department: r.pick(DEPARTMENTS).replace('學系', '研究所'), degree: '碩士', graduated_on: `${gradYear + r.int(2, 6)}-06-${pad(r.int(10, 28))}` }] : []),
  ];
  const [examName, grade] = r.pick(EXAMS);
  const exams = [{ person_id: personId, exam_name: examName, category: r.pick(CATEGORIES), grade, passed_on: `${gradYear + r.int(0, 3)}-${pad(r.int(8, 12))}-${pad(r.int(1, 28))}` }];
  const career: Record<string, unknown>[] = [];
  let start = gradYear + r.int(1, 4);
  const steps = r.int(1, 3);
  for (let i = 0; i < steps; i++) {
    const end = i === steps - 1 ? null : start + r.int(2, 6);
    const [title, rank] = CAREER_TITLES[Math.min(i + r.int(0, 2), CAREER_TITLES.length - 1)]!;
    career.push({ person_id: personId, agency_name: r.pick(CAREER_AGENCIES), title, rank, start_on: `${start}-${pad(r.int(1, 12))}-01`, end_on: end ? `${end}-${pad(r.int(1, 12))}-28` : null });
    if (end) start = end;
  }
  const thisYear = now.getFullYear();
  const ratings = Array.from({ length: r.int(3, 5) }, (_, i) => {
    const g = r.next() < 0.75 ? '甲等' : '乙等';
    return { person_id: personId, year: thisYear - 1 - i, grade: g, score: g === '甲等' ? r.int(80, 90) : r.int(70, 79) };
  });
  const rewards = Array.from({ length: r.int(0, 3) }, () => ({
    person_id: personId,
    decided_on: date(r, thisYear - 5, thisYear - 1),
    kind: r.pick(REWARDS),
    reason: r.pick(REWARD_REASONS),
    order_no: `人字第${r.int(1000000000, 1149999999)}號`,
  }));
  const training = Array.from({ length: r.int(1, 4) }, () => {
    const [course, organizer] = r.pick(COURSES);
    return { person_id: personId, course, organizer, hours: r.pick([3, 6, 12, 18, 24]), finished_on: date(r, thisYear - 4, thisYear - 1) };
  });
  const pay: Record<string, unknown>[] = [];
  if (withPay) {
    const base = 25_000 + r.int(0, 30) * 1_000;
    const { earnings, deductions } = payItems(base, r);
    for (let m = 0; m < 12; m++) {
      const d = new Date(Date.UTC(now.getFullYear(), now.getMonth() - m, 1));
      const month = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
      let order = 0;
      for (const [item, amount] of earnings) pay.push({ person_id: personId, month, item, kind: 'earning', amount, sort_order: order++ });
      // Year-end bonus in January.
      if (d.getUTCMonth() === 0) pay.push({ person_id: personId, month, item: '年終工作獎金', kind: 'earning', amount: Math.round((earnings[0]![1] + earnings[1]![1]) * 1.5), sort_order: order++ });
      for (const [item, amount] of deductions) pay.push({ person_id: personId, month, item, kind: 'deduction', amount, sort_order: order++ });
    }
  }
  return { mydata_education: education, mydata_exam: exams, mydata_career: career, mydata_rating: ratings, mydata_reward: rewards, mydata_training: training, mydata_pay_item: pay };
}

/** Demo data of the area; does nothing when already seeded. */
export async function seedMydataDemo(db: Knex): Promise<Record<string, number> | null> {
  if (await db('content_item').where({ kind: 'mydata.announcements' }).first('id')) return null;
  const r = prng(20261125);
  const now = new Date();
  const demoIds = DEMO_ACCOUNTS.map((d) => d.nationalId);
  const people: { id: number; national_id: string }[] = await db('person').select('id', 'national_id').orderBy('id');
  const demo = people.filter((p) => demoIds.includes(p.national_id));
  // A realistic share of everybody else: one in four has a record in MyData, one in twenty pay data.
  const others = people.filter((p) => !demoIds.includes(p.national_id) && r.next() < 0.25);
  const totals: Record<string, number> = {};
  const batch: Record<string, Record<string, unknown>[]> = {};
  const flush = async (trx: Knex.Transaction, force = false) => {
    for (const [table, list] of Object.entries(batch)) {
      if (list.length >= 4000 || (force && list.length)) {
        for (let i = 0; i < list.length; i += 4000) await trx(table).insert(list.slice(i, i + 4000));
        totals[table] = (totals[table] ?? 0) + list.length;
        batch[table] = [];
      }
    }
  };
  await db.transaction(async (trx) => {
    for (const [i, p] of [...demo, ...others].entries()) {
      const rows = buildRecord(p.id, prng(20261125 + p.id), i < demo.length || i % 5 === 0, now);
      for (const [table, list] of Object.entries(rows)) (batch[table] ??= []).push(...list);
      await flush(trx);
    }
    await flush(trx, true);
    // 王小明 has written a self-description and has agreed to receive documents online.
    const wang = demo.find((p) => p.national_id === 'A123456789');
    if (wang) {
      await trx('mydata_self_description').insert({
        person_id: wang.id,
        body: '本人自公職生涯起即從事人事行政工作，熟悉任免、考績及待遇業務，重視資料正確與便民服務，期能持續精進專業。',
        saved_at: new Date(now.getTime() - 30 * 86_400_000),
      });
      await trx('mydata_consent_event').insert({ person_id: wang.id, action: 'grant', at: new Date(now.getTime() - 60 * 86_400_000) });
      // One request waiting in the HR queue of 國立臺北護理健康大學.
      const agency = await trx('person').where({ id: wang.id }).first('agency_id');
      const training = await trx('mydata_training').where({ person_id: wang.id }).orderBy('id').first('id');
      if (training) {
        await trx('mydata_correction').insert({
          person_id: wang.id,
          agency_id: agency.agency_id,
          section: 'training',
          record_id: training.id,
          field: 'hours',
          reason: '本課程實際研習時數為 12 小時，請依結業證書更正。',
          proposed: '12',
          created_at: new Date(now.getTime() - 2 * 86_400_000),
          updated_at: new Date(now.getTime() - 2 * 86_400_000),
        });
      }
    }
    // 公告 of the MyData home page (kind 'mydata.announcements' of the content module).
    await trx('content_item').insert(
      [
        { publish_on: '2019-11-01', title: '若有網站首頁版面異常，請於電腦鍵盤按下ctrl+fn+f5，重新載入網站。', body: '' },
        { publish_on: '2019-10-25', title: '記功以下獎勵令電子化措施_操作手冊(人事人員)', body: '人事人員核發記功以下獎勵令之操作說明。' },
        { publish_on: '2019-09-30', title: '公務人員個人資料服務網操作手冊(人事人員)', body: '人事人員處理更正申請及核發證明書之操作說明。' },
        { publish_on: '2026-11-01', title: '線上檢視獎勵令及證明書服務上線', body: '同意「線上檢視訊息」後，記功以下獎勵令及在職、離職、服務證明書將送至個人檔案夾，並可於文件驗證頁面查證。' },
      ].map((a) => ({ kind: 'mydata.announcements', ...a })),
    );
  });
  return { people: demo.length + others.length, ...totals };
}
