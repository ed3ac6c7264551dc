import type { Knex } from 'knex';

type Kind = 'single' | 'multiple' | 'short' | 'long' | 'scale';
interface DemoQuestion {
  kind: Kind;
  text: string;
  required?: boolean;
  options?: string[];
}

async function questionnaire(
  trx: Knex,
  q: { title: string; intro: string; openFrom: string; openTo: string; status: 'draft' | 'published' | 'closed'; anonymous?: boolean; adminId: number | null; questions: DemoQuestion[] },
) {
  const [row] = await trx('questionnaire')
    .insert({
      title: q.title,
      intro: q.intro,
      open_from: q.openFrom,
      open_to: q.openTo,
      status: q.status,
      anonymous: q.anonymous ?? false,
      created_by_account_id: q.adminId,
      published_at: q.status === 'draft' ? null : `${q.openFrom}T00:00:00+08:00`,
    })
    .returning('id');
  const id = (row as { id: number }).id;
  await trx('questionnaire_question').insert(
    q.questions.map((x, i) => ({ questionnaire_id: id, position: i + 1, kind: x.kind, text: x.text, required: x.required ?? true, options: JSON.stringify(x.options ?? []) })),
  );
  return id;
}

/** 問卷 of the demo (seed 004 待辦事項): the WebHR survey everyone sees, an anonymous one for HR staff, a draft. */
export async function seedSurveysDemo(db: Knex) {
  return db.transaction(async (trx) => {
    const admin = (await trx('account').where({ username: 'portal.admin' }).first('id')) as { id: number } | undefined;
    const adminId = admin?.id ?? null;
    const webhr = await questionnaire(trx, {
      title: '本(115)年系統服務情形-網際網路版「人力資源管理資訊系統」(WebHR)意見調查表',
      intro: '為瞭解各機關使用 WebHR 之情形，請撥冗填答，謝謝。',
      openFrom: '2026-01-01',
      openTo: '2030-12-31',
      status: 'published',
      adminId,
      questions: [
        { kind: 'single', text: '您對 WebHR 系統整體操作之滿意度', options: ['非常滿意', '滿意', '普通', '不滿意', '非常不滿意'] },
        { kind: 'single', text: '您使用 WebHR 的頻率', options: ['每天', '每週', '每月', '很少使用'] },
      ],
    });
    const hrSurvey = await questionnaire(trx, {
      title: '人事服務網人事人員使用經驗調查（匿名）',
      intro: '本問卷採匿名方式，管理者看不到填答人。',
      openFrom: '2026-01-01',
      openTo: '2030-12-31',
      status: 'published',
      anonymous: true,
      adminId,
      questions: [
        { kind: 'scale', text: '整體而言，您對人事服務網的滿意程度（1 最低，5 最高）' },
        { kind: 'multiple', text: '您最常使用的功能（可複選）', options: ['應用系統', '最新公告', '密碼重設', 'MyData'] },
        { kind: 'long', text: '其他建議', required: false },
      ],
    });
    for (const role of ['hr_staff']) await trx('questionnaire_audience_role').insert({ questionnaire_id: hrSurvey, role });
    const draft = await questionnaire(trx, {
      title: '116 年度人事業務研習需求調查',
      intro: '草稿，尚未發布。',
      openFrom: '2027-01-01',
      openTo: '2027-03-31',
      status: 'draft',
      adminId,
      questions: [{ kind: 'short', text: '您希望的研習主題' }],
    });
    return { questionnaires: [webhr, hrSurvey, draft] };
  });
}
