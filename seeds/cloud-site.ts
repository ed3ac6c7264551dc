import type { Knex } from 'knex';
import { prng } from './demo';
import { seedCloudCatalog } from '../src/reference/repository';
import { SERVICES } from '../src/cloud/site/catalog';

const NEWS: Array<[string, string, string]> = [
  ['2013-04-16', '人事雲端服務平台開放機關申請', '銓敘部人事雲端服務平台即日起開放各機關以機關憑證IC卡登入，申請人事資料交換服務。'],
  ['2013-06-18', '資料交換服務申請流程說明', '申請機關於線上完成申請後，請下載介接申請書，用印後發文至銓敘部。'],
  ['2013-08-01', '新增[銓審資料]服務公告', '新增「SQ_TA_001 銓審資料」服務，歡迎各機關申請。'],
  ['2013-09-04', '新增[考績資料]服務公告', '新增「SQ_TA_002 考績資料」服務。'],
  ['2013-09-30', '目前系統進行維護中,請暫時勿使用各類報表列印作業功能。', '系統維護期間，報表列印作業暫停使用，造成不便敬請見諒。'],
  ['2013-09-30', '目前系統進行維護中,請暫時勿使用各類報表列印作業,及檔案上傳、下載功能。', '系統維護期間，檔案上傳及下載功能暫停使用。'],
  ['2013-11-12', '民國102年第6期查驗系統查驗結果目前已全部更新完畢', '第6期查驗結果已全部更新，請各機關人事單位上網查詢。'],
  ['2013-11-19', '解密程式更新公告', '資料交換檔案之解密程式已更新，請至安裝說明下載新版讀卡機元件。'],
  ['2013-11-29', '銓敘業務網路作業系統暫停服務公告 ( 12月7日下午3時至8日17時30分 )', '因機房電力檢修，系統於12月7日下午3時至8日17時30分暫停服務。'],
  ['2013-12-20', '「人力資源管理資訊系統主要功能介紹」教育訓練講義', '教育訓練講義已置於檔案下載區，歡迎下載參考。'],
  ['2013-12-23', '雲端人事平台測試', '人事雲端服務平台測試公告。'],
  ['2013-12-26', '新增[退休資料]服務公告', '新增「SQ_MA_001 退休資料」服務，提供退休基本資料之資料交換。'],
  ['2026-10-01', '新增[聘用資料]、[模範公務人員]及[勳獎章資料]服務', '新增 SQ_TA_006 聘用資料、SQ_TA_007 模範公務人員、SQ_TA_008 勳獎章資料三項服務。'],
  ['2026-11-02', '即時Web Service連線服務改以雙向TLS用戶端憑證介接', '核准之Web Service申請，請於進度查詢下載介接模組（用戶端憑證、CA憑證、介面說明及範例）。'],
];

const FAQ: Array<[string, string]> = [
  ['憑證登入或憑證上傳時出現"找不到可使用的憑證"、"簽章錯誤(-909)"或"簽章錯誤(-932)"。', '請確認讀卡機已連接、機關憑證IC卡已插入，並已安裝讀卡機驅動程式及本平台之憑證元件；可至「元件下載區及環境檢測」檢查環境。'],
  ['憑證登入或憑證上傳時出現"請放入IC卡"。', '請將機關憑證IC卡正確插入讀卡機（晶片朝上），等待讀卡機燈號穩定後再重新操作。'],
  ['憑證 登入時出現"此憑證尚未分配權限，請洽系統管理員"。', '表示貴機關尚未取得本平台之使用權限，請洽銓敘部系統管理員開通權限後再登入。'],
  ['上傳憑證時出現"查無系統帳號，請將IE設定開啟可寫入COOKIE"。', '請確認瀏覽器允許本網站寫入 Cookie，並關閉瀏覽器後重新登入。'],
  ['如何開啟下載的資料交換檔案？', '資料交換檔案以貴機關憑證加密，請使用「解密程式」（讀卡機元件之 decrypt 指令）並插入申請時使用的機關憑證IC卡解密。'],
  ['Web Service 介接模組的密碼遺失怎麼辦？', '介接模組的 PKCS#12 密碼僅於產生時顯示一次；遺失時請於進度查詢重新產生介接模組，舊憑證即失效。'],
  ['申請送出後可以修改嗎？', '提出申請後不得變更，若需異動請重新提出申請。'],
];

const LINKS: Array<[string, string]> = [
  ['我的E政府', 'https://www.gov.tw/'],
  ['公務人員保障暨培訓委員會', 'https://www.csptc.gov.tw/'],
  ['考選部全球資訊網', 'https://wwwc.moex.gov.tw/'],
  ['行政院人事行政總處', 'https://www.dgpa.gov.tw/'],
  ['公務人員退休撫卹基金', 'https://www.fund.gov.tw/'],
  ['考試院全球資訊網', 'https://www.exam.gov.tw/'],
];

const FILES: Array<[string, string, string, string]> = [
  ['2026-11-02', '讀卡機元件（含解密程式）', '人事服務網讀卡機元件，含資料交換檔案之解密程式（decrypt 指令）。', '/help/components'],
  ['2026-11-02', '元件安裝及環境檢測說明', '讀卡機驅動程式、讀卡機元件之安裝步驟與環境檢測。', '/help/components'],
  ['2013-12-20', '資料交換服務申請流程', '線上申請、下載介接申請書、發文及審核之流程說明。', '/cloud/services'],
];


const iso = (d: Date) => d.toISOString().slice(0, 10);
const day = (r: ReturnType<typeof prng>, fromYear: number, toYear: number) => iso(new Date(Date.UTC(r.int(fromYear, toYear), r.int(0, 11), r.int(1, 28))));


/** Demo data of the cloud site (news, FAQ, links, files, HR tables) after the catalog; does nothing when already seeded. */
export async function seedCloudSiteDemo(db: Knex): Promise<Record<string, number> | null> {
  if (await db('content_item').where({ kind: 'cloud.news' }).first('id')) return null;
  const r = prng(2002);
  const counts: Record<string, number> = {};
  await seedCloudCatalog(db);
  counts.services = SERVICES.length;
  await db.transaction(async (trx) => {
    // 最新消息, 常見問題 and 檔案下載: kinds of src/platform/content, one table.
    await trx('content_item').insert(NEWS.map(([on, title, body]) => ({ kind: 'cloud.news', publish_on: on, title, body, author: '銓敘部' })));
    await trx('content_item').insert(FAQ.map(([question, answer], i) => ({ kind: 'cloud.faq', question, answer, sort_order: (i + 1) * 10 })));
    await trx('cloud_link').insert(LINKS.map(([title, url], i) => ({ title, url, sort_order: (i + 1) * 10 })));
    await trx('content_item').insert(FILES.map(([on, title, description, url]) => ({ kind: 'cloud.files', publish_on: on, title, description, url })));
    counts.news = NEWS.length;

    // The HR tables.
    const agencies: Array<{ id: number }> = await trx('agency').select('id').orderBy('id');
    const people: Array<{ agency_id: number; national_id: string; name: string; title: string; rank: string; series: string; unit: string; personnel_kind: string }> = await trx('person')
      .select('agency_id', 'national_id', 'name', 'title', 'rank', 'series', 'unit', 'personnel_kind')
      .orderBy('id');
    const sample = (n: number) => Array.from({ length: n }, () => r.pick(people));
    const P = (p: (typeof people)[number]) => ({ agency_id: p.agency_id, national_id: p.national_id, name: p.name });
    const rows: Record<string, object[]> = {
      hr_retirement: sample(240).map((p) => ({ ...P(p), retire_kind: r.pick(['自願退休', '屆齡退休', '命令退休']), retire_on: day(r, 2015, 2026), service_years: (r.int(1500, 4200) / 100).toFixed(2), pension_kind: r.pick(['月退休金', '一次退休金', '兼領']), last_rank: p.rank })),
      hr_survivor_pension: sample(80).map((p) => ({ ...P(p), death_on: day(r, 2012, 2026), cause: r.pick(['病故', '意外死亡', '因公死亡']), pension_kind: r.pick(['一次撫卹金', '年撫卹金']), beneficiaries: r.int(1, 4), approved_on: day(r, 2013, 2026) })),
      hr_establishment: agencies.flatMap((a) => ['人事室', '秘書室', '會計室', '資訊室', '綜合規劃科'].map((unit) => ({ agency_id: a.id, unit, title: r.pick(['科員', '專員', '科長', '技士', '秘書']), rank_range: r.pick(['委任第五職等或薦任第六職等至第七職等', '薦任第七職等至第八職等', '薦任第九職等']), series: r.pick(['一般行政', '人事行政', '會計', '資訊處理']), authorized: r.int(3, 20), filled: r.int(1, 18) }))),
      hr_job_series: agencies.flatMap((a) => ['科員', '專員', '科長', '技正', '秘書', '組員'].map((title) => ({ agency_id: a.id, title, series_code: r.pick(['0101', '0102', '0301', '0801']), series_name: r.pick(['一般行政', '人事行政', '會計', '資訊處理']), rank_range: r.pick(['委任第五職等', '薦任第六職等至第七職等', '薦任第八職等至第九職等']), effective_on: day(r, 2005, 2026) }))),
      hr_appointment_review: sample(400).map((p) => ({ ...P(p), title: p.title, rank: p.rank, review_kind: r.pick(['初任', '升任', '調任']), result: r.pick(['合格實授', '准予權理', '准予試用']), doc_no: `部銓字第${r.int(1120000000, 1159999999)}號`, approved_on: day(r, 2018, 2026) })),
      hr_performance: sample(500).map((p) => {
        const grade = r.pick(['甲', '甲', '乙', '乙', '丙']);
        return { ...P(p), rating_year: r.int(108, 114), grade, score: grade === '甲' ? r.int(80, 95) : grade === '乙' ? r.int(70, 79) : r.int(60, 69), approved_on: day(r, 2019, 2026) };
      }),
      hr_reward: sample(400).map((p) => ({ ...P(p), kind: r.pick(['嘉獎', '記功', '記大功', '申誡', '記過']), times: r.int(1, 2), reason: r.pick(['辦理業務績效優良', '協助專案如期完成', '督導不周', '公文逾期未辦', '推動數位轉型成效卓著']), effective_on: day(r, 2019, 2026) })),
      hr_separation: sample(200).map((p) => ({ ...P(p), reason: r.pick(['退休', '辭職', '調職', '資遣']), left_on: day(r, 2016, 2026), last_title: p.title })),
      hr_name_change: sample(60).map((p) => ({ agency_id: p.agency_id, national_id: p.national_id, old_name: p.name.slice(0, 1) + r.pick(['美', '淑', '志', '建']) + r.pick(['華', '玲', '明', '宏']), new_name: p.name, changed_on: day(r, 2010, 2026) })),
      hr_contract_staff: sample(200).map((p) => ({ ...P(p), title: r.pick(['約聘研究員', '約聘管理師', '約僱辦事員', '約聘工程師']), contract_kind: r.pick(['聘用', '約僱']), pay_point: r.pick([230, 280, 328, 370, 430, 520]), start_on: '2026-01-01', end_on: '2026-12-31' })),
      hr_model_servant: sample(40).map((p) => ({ ...P(p), award_year: r.int(108, 114), title: p.title, deed: r.pick(['推動業務資訊化，節省人力與經費', '熱心服務，深獲民眾肯定', '研提創新措施，提升行政效能']) })),
      hr_medal: sample(150).map((p) => ({ ...P(p), medal: r.pick(['功績獎章', '楷模獎章', '服務獎章', '專業獎章']), grade: r.pick(['一等', '二等', '三等']), awarded_on: day(r, 2010, 2026) })),
    };
    for (const [table, list] of Object.entries(rows)) {
      for (let i = 0; i < list.length; i += 500) await trx(table).insert(list.slice(i, i + 500));
      counts[table] = list.length;
    }
  });
  return counts;
}
