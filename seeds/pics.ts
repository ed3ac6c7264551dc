import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { prng, DEMO_ACCOUNTS } from './demo';
import { counter } from '../src/platform/counter';
import { seedWorkCalendar } from '../src/reference/repository';
import { WORK_CALENDAR } from '../src/reference/workCalendar';


/** The WebHR system's demo API key (development and tests only; production issues its own). */
export const WEBHR_DEMO_KEY = 'pics_d3b0c0de_WebHR-demo-key-2026-do-not-use-in-production';

const CANNED = [
  ['已收到，處理中', '您好，已收到您反應的問題，目前由專人處理中，處理完成後將以 Email 通知您，謝謝。'],
  ['請提供問題畫面', '您好，請提供問題畫面（螢幕截圖）及操作步驟，以利處理問題，謝謝。'],
  ['清除瀏覽器快取', '您好，請於電腦鍵盤按下 Ctrl+F5 重新載入網頁，或清除瀏覽器快取後再試一次；如仍有問題請再與我們聯繫。'],
  ['憑證元件更新', '您好，請至人事服務網「相關元件下載區」下載最新版本之憑證元件，完成環境檢測後再重新登入。'],
  ['密碼重設', '您好，請洽貴機關人事人員協助設定密碼，或使用忘記密碼功能；取得臨時密碼後請於登入時修改密碼。'],
];

const FAQ: [string, string, string][] = [
  ['帳號密碼', '忘記人事服務網密碼怎麼辦？', '請使用登入頁「忘記密碼」，輸入自訂帳號及 Email，系統會寄送臨時密碼；亦可洽機關人事人員協助設定密碼。'],
  ['帳號密碼', '帳號被鎖定了怎麼辦？', '連續輸入錯誤密碼達上限時帳號會暫時鎖定，請稍候 15 分鐘後再試，或使用忘記密碼功能。'],
  ['憑證登入', '自然人憑證登入時顯示找不到讀卡機？', '請確認讀卡機已連接並安裝驅動程式，並至「相關元件下載區」安裝最新版憑證元件後進行環境檢測。'],
  ['憑證登入', '健保卡可以登入 PICS 嗎？', '可以。已註冊之健保卡可於 PICS 登入頁選擇「自然人憑證登入/健保卡登入」。'],
  ['WebHR', 'WebHR 考績清冊無法報送？', '請先執行人事資料報送檢誤，確認無錯誤後再報送；如仍無法報送，請至 PICS 線上掛號並附上錯誤畫面。'],
  ['MyData', '如何下載 MyData 個人履歷表？', '登入公務人員個人資料服務網(MyData)後，點選「履歷表下載」即可下載 PDF。'],
  ['事求人', '事求人職缺如何刊登？', '機關人事人員以憑證登入事求人機關徵才系統，填寫職缺資料後送出，經審核後公告。'],
  ['掛號室', '線上掛號的附件有大小限制嗎？', '單一檔案上傳容量限制為 4MB，總容量為 10MB，接受圖片、PDF、Office 文件、純文字或 ZIP 壓縮檔。'],
  ['掛號室', '如何查詢已掛號案件的處理進度？', '請至「掛號室 > 掛號查詢」輸入收件序號或日期區間查詢，點選檢視可看到回覆內容及回覆附件。'],
  ['文字客服', '文字客服的服務時間？', '上午 09:00-12:00、下午 14:00-17:00（政府行政機關辦公日）；其餘時間請使用線上掛號。'],
];

const ANNOUNCEMENTS: [string, string, string][] = [
  ['2026-11-20', 'PICS 文字客服服務範圍說明', '文字客服上線初期服務範圍暫以「獎勵令電子化」、「公務人員個人資料服務網(My Data)」、「DD：事求人機關徵才系統」及「DK：職缺應徵」為主。'],
  ['2026-11-10', '原人事資訊系統客服信箱停用', '原人事資訊系統客服信箱 (pemis@dgpa.gov.tw) 已停用，如有各項人事資訊系統相關問題，請登入 PICS 後至「掛號室 > 線上掛號」反應問題。'],
  ['2026-10-30', 'WebHR 系統維護公告', 'WebHR 將於 115 年 11 月 29 日（星期日）上午 8 時至 12 時進行系統維護，期間暫停服務。'],
  ['2026-10-05', '115 年度考績作業常見問題', '考績清冊報送相關問題請參閱常見問題，或至線上掛號反應。'],
  ['2026-09-01', 'PICS 人事資訊系統客服網改版上線', '改版新增文字客服功能，並提供線上掛號、掛號查詢等服務。'],
  ['2026-08-15', '自然人憑證元件更新', '請至人事服務網相關元件下載區下載最新版本之憑證元件。'],
];

const DOWNLOADS: [string, string, string, string][] = [
  ['PICS 操作手冊', '線上掛號、掛號查詢及文字客服操作說明', '/help/first-login', '2026-11-01'],
  ['人事服務網相關元件', '憑證元件及環境檢測', '/help/components', '2026-10-20'],
  ['WebHR 介接 API 文件 (OpenAPI)', 'WebHR「業務指引/PICS 問題登錄」介接規格', '/api/pics/openapi.json', '2026-11-15'],
  ['第一次登入說明', '首次以憑證登入人事服務網之步驟', '/help/first-login', '2026-09-10'],
];

const SUBJECTS = [
  ['WEBHR', 'WebHR 考績清冊無法報送'],
  ['WEBHR', 'WebHR 人事資料維護畫面錯誤'],
  ['B7', 'MyData 履歷表下載失敗'],
  ['B7', 'MyData 個人資料與實際不符'],
  ['DD', '事求人職缺刊登後未顯示'],
  ['DD', '事求人職缺審核進度查詢'],
  ['A1', '人事資料報送服務網報送失敗'],
  [null, '自然人憑證登入失敗'],
  [null, '人事服務網帳號被鎖定'],
  ['D6', '終身學習時數未登錄'],
  ['A5', '技工工友資料填報出現錯誤代碼'],
  ['B6', '建議增加掛號查詢條件'],
] as const;

function isWorkday(ymd: string, special: Map<string, string>): boolean {
  const k = special.get(ymd);
  if (k) return k === 'workday';
  const wd = new Date(`${ymd}T00:00:00Z`).getUTCDay();
  return wd !== 0 && wd !== 6;
}

function addWorkdays(ymd: string, n: number, special: Map<string, string>): string {
  let t = Date.parse(`${ymd}T00:00:00Z`);
  while (n > 0) {
    t += 86_400_000;
    if (isWorkday(new Date(t).toISOString().slice(0, 10), special)) n--;
  }
  return new Date(t).toISOString().slice(0, 10);
}

/** Demo data of the area; does nothing when already seeded. */

export async function seedPicsDemo(db: Knex): Promise<Record<string, number> | null> {
  if (await db('content_item').where({ kind: 'pics.faq' }).first('id')) return null;
  await seedWorkCalendar(db);
  const r = prng(4_2026_11);
  return db.transaction(async (trx) => {
    // PICS's content: kinds of src/platform/content, one table.
    await trx('content_item').insert(CANNED.map(([title, body], i) => ({ kind: 'pics.canned', title, body, sort_order: i * 10 })));
    await trx('content_item').insert(FAQ.map(([category, question, answer], i) => ({ kind: 'pics.faq', category, question, answer, sort_order: i * 10 })));
    await trx('content_item').insert(ANNOUNCEMENTS.map(([publish_on, title, body]) => ({ kind: 'pics.announcements', publish_on, title, body })));
    await trx('content_item').insert(DOWNLOADS.map(([title, description, url, updated_on]) => ({ kind: 'pics.downloads', title, description, url, updated_on })));
    await trx('pics_search_term').insert(
      [['WebHR', 12], ['密碼', 9], ['憑證', 7], ['MyData', 5], ['考績', 4], ['事求人', 3]].map(([term, hits]) => ({ term, hits })),
    );
    await trx('pics_api_credential').insert({
      system: 'WebHR',
      key_prefix: WEBHR_DEMO_KEY.split('_')[1],
      key_sha256: crypto.createHash('sha256').update(WEBHR_DEMO_KEY).digest('hex'),
    });

    // Tickets: the demo civil servants and some others, the last 24 weeks, all channels.
    const special = new Map(WORK_CALENDAR.map((d) => [d.day, d.kind]));
    const nid = (login: string) => DEMO_ACCOUNTS.find((d) => d.account === login)!.nationalId;
    const people: { id: number; name: string; email: string | null; phone: string | null }[] = await trx('person as p')
      .leftJoin('account as a', 'a.person_id', 'p.id')
      .whereIn('p.national_id', [nid('wang.xiaoming'), nid('chen.meiling'), nid('hr.chief'), nid('hr.moi')])
      .select('p.id', 'p.name', 'a.email', 'p.office_phone as phone')
      .orderBy('p.id');
    const others = await trx('person as p').join('account as a', 'a.person_id', 'p.id').whereNotNull('a.email').orderBy('p.id').limit(40).select('p.id', 'p.name', 'a.email', 'p.office_phone as phone');
    const askers = [...people, ...others];
    const agents: { id: number; name: string }[] = await trx('account as a')
      .join('person as p', 'p.id', 'a.person_id')
      .whereIn('a.username', ['cs.agent', 'cs.lead'])
      .select('a.id', 'p.name')
      .orderBy('a.id');
    const counters = new Map<string, number>();
    const rows: Record<string, unknown>[] = [];
    const N = 140;
    // Laid out over the 24 weeks up to the hour before the demo is loaded, so the desk's
    // charts (每日掛號件數) and the overdue list show recent work on a fresh start.
    const now = Date.now();
    const end = now - 3600_000;
    const start = end - 24 * 7 * 86_400_000;
    for (let i = 0; i < N; i++) {
      const spread = start + Math.floor(((end - start) * i) / N) + r.int(0, 8) * 3600_000;
      const at = new Date(Math.min(spread, end - (N - i) * 60_000));
      const local = new Date(at.getTime() + 8 * 3600_000).toISOString();
      const period = local.slice(0, 4) + local.slice(5, 7);
      const channel = r.pick(['M', 'M', 'M', 'C', 'W', 'H'] as const);
      const key = period + channel;
      const n = (counters.get(key) ?? 0) + 1;
      counters.set(key, n);
      const who = i < 12 ? people[i % people.length]! : r.pick(askers);
      const [app, subject] = r.pick(SUBJECTS);
      const ageDays = (end - at.getTime()) / 86_400_000;
      const closed = ageDays > 12 ? r.next() < 0.85 : r.next() < 0.3;
      const agent = r.next() < 0.85 ? r.pick(agents) : null;
      rows.push({
        receipt_no: `${key}${String(n).padStart(5, '0')}`,
        channel,
        kind: subject.startsWith('建議') ? '建議' : '問題',
        app_code: app,
        subject,
        description: `${subject}，操作步驟如下：\n1. 登入系統\n2. 點選功能選單\n3. 出現錯誤訊息，請協助處理。`,
        person_id: who.id,
        phone: who.phone ?? '02-23979108',
        email: who.email ?? `person${who.id}@example.gov.tw`,
        status: closed ? 'closed' : 'open',
        assignee_account_id: closed ? (agent ?? agents[0]!).id : agent?.id ?? null,
        entered_by_account_id: channel === 'H' ? agents[0]!.id : null,
        due_on: addWorkdays(local.slice(0, 10), 3, special),
        resolution: closed ? '已協助處理完成，如仍有問題請再與我們聯繫。' : null,
        created_at: at,
        closed_at: closed ? new Date(Math.min(at.getTime() + r.int(1, 72) * 3600_000, now)) : null,
        updated_at: at,
      });
    }
    const inserted: { id: number; status: string; assignee_account_id: number | null; created_at: Date; closed_at: Date | null }[] = await trx('pics_ticket')
      .insert(rows)
      .returning(['id', 'status', 'assignee_account_id', 'created_at', 'closed_at']);
    const nameOf = new Map(agents.map((a) => [a.id, a.name]));
    const events: Record<string, unknown>[] = [];
    for (const t of inserted) {
      const at = new Date(t.created_at).getTime();
      events.push({ ticket_id: t.id, kind: 'filed', body: '掛號', public: false, created_at: new Date(at) });
      if (t.assignee_account_id) {
        const label = nameOf.get(t.assignee_account_id)!;
        events.push({ ticket_id: t.id, kind: 'take', body: `${label} 承辦`, actor_account_id: t.assignee_account_id, actor_label: label, created_at: new Date(at + 1800_000) });
        events.push({ ticket_id: t.id, kind: 'note', body: '已聯繫系統維護廠商確認。', public: false, actor_account_id: t.assignee_account_id, actor_label: label, created_at: new Date(at + 2400_000) });
        events.push({ ticket_id: t.id, kind: 'reply', body: CANNED[0]![1], public: true, actor_account_id: t.assignee_account_id, actor_label: label, created_at: new Date(at + 3600_000) });
        if (t.status === 'closed') {
          events.push({ ticket_id: t.id, kind: 'close', body: '已協助處理完成，如仍有問題請再與我們聯繫。', public: true, actor_account_id: t.assignee_account_id, actor_label: label, created_at: t.closed_at });
        }
      }
    }
    for (let i = 0; i < events.length; i += 500) await trx('pics_ticket_event').insert(events.slice(i, i + 500));
    for (const [key, last] of counters) await counter.raiseTo(trx, 'pics.receipt', key, last);
    return { tickets: inserted.length, events: events.length, calendarDays: WORK_CALENDAR.length, faq: FAQ.length };
  });
}
