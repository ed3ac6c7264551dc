import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { hashPassword } from '../src/platform/identity/hashing';
import { AGENCIES } from '../src/reference/agencies';
import { seedAgencies } from '../src/reference/repository';
import { startOfTaipeiDay, taipeiToday } from '../src/platform/dates';

/** Deterministic pseudo-random numbers (mulberry32), so every install gets the same people. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

const LETTERS = 'ABCDEFGHJKLMNPQRSTUVXYWZIO';

/** Completes 9 characters of a national ID with its check digit. */
export function withCheckDigit(first9: string): string {
  const n = LETTERS.indexOf(first9[0]!) + 10;
  const w = [8, 7, 6, 5, 4, 3, 2, 1];
  let sum = Math.floor(n / 10) + (n % 10) * 9;
  for (let i = 0; i < 8; i++) sum += Number(first9[i + 1]) * w[i]!;
  return first9 + String((10 - (sum % 10)) % 10);
}

const SURNAMES = ['陳', '林', '黃', '張', '李', '王', '吳', '劉', '蔡', '楊', '許', '鄭', '謝', '郭', '洪', '曾', '邱', '廖', '賴', '周', '徐', '蘇', '葉', '莊', '呂', '江', '何', '蕭', '羅', '高'];
const GIVEN = ['志', '明', '淑', '芬', '雅', '婷', '怡', '君', '家', '豪', '建', '宏', '俊', '傑', '美', '玲', '宗', '翰', '佩', '珊', '冠', '廷', '欣', '怡', '承', '恩', '柏', '宇', '詩', '涵', '士', '凱', '育', '誠', '慧', '萍'];
const TITLES = ['科員', '專員', '科長', '視察', '技士', '技正', '組員', '秘書', '輔導員', '辦事員', '助理員', '編審', '專門委員'];
const RANKS = ['委任第三職等', '委任第五職等', '薦任第六職等', '薦任第七職等', '薦任第八職等', '薦任第九職等', '簡任第十職等', '簡任第十一職等'];
const SERIES = ['一般行政', '人事行政', '會計', '資訊處理', '一般民政', '社會行政', '土木工程', '經建行政', '法制', '財稅行政'];
const UNITS = ['人事室', '秘書室', '會計室', '資訊室', '總務處', '綜合規劃科', '第一科', '第二科', '企劃處'];
const KINDS = ['簡薦委公務人員', '簡薦委公務人員', '簡薦委公務人員', '約聘僱人員', '教育人員', '警察人員'];

const here = path.dirname(fileURLToPath(import.meta.url));
export interface DemoAccount {
  account: string;
  password: string;
  role: string;
  name: string;
  agencyCode: string;
  roles: string[];
  nationalId: string;
  firstLogin?: boolean;
  retired?: boolean;
}
/**
 * A demo account's sign-ins over the 4 weeks before `now`, newest first: working-day mornings,
 * the newest the day before (so the first demo sign-in shows it as 上次登入時間).
 */
export function recentSignIns(now: number, i: number): Date[] {
  const out: Date[] = [];
  for (let days = 1; days <= 28; days++) {
    const at = new Date(now - days * 86_400_000);
    const weekday = new Date(at.getTime() + 8 * 3600_000).getUTCDay();
    if (days > 1 && (weekday === 0 || weekday === 6)) continue;
    const day = taipeiToday(at);
    out.push(new Date(`${day}T08:${String(10 + ((i * 7 + days) % 45)).padStart(2, '0')}:00+08:00`));
  }
  return out;
}

export const DEMO_ACCOUNTS: DemoAccount[] = JSON.parse(fs.readFileSync(path.join(here, 'demo-accounts.json'), 'utf8'));

const PEOPLE = 3000;

/** Reference data: the agencies (機關代碼) every installation starts from. Existing rows are kept. */

/** Fills an empty database with the demo data; returns null when data is already there. */
export async function seedDemo(db: Knex, opts: { people?: number } = {}) {
  const existing = await db('person').first('id');
  if (existing) return null;
  await seedAgencies(db);
  const r = prng(20261124);
  const people = opts.people ?? PEOPLE;

  return db.transaction(async (trx) => {
    const agencyRows = await trx('agency')
      .whereIn('code', AGENCIES.map((a) => a.code))
      .orderBy('id')
      .select('id', 'code');
    const agencyId = new Map(agencyRows.map((a: { id: number; code: string }) => [a.code, a.id]));
    // Areas each agency certificate may enter: every agency the portal and 事求人; the cloud
    // platform for all but the last few, which have not applied for it.
    await trx('agency_area_grant').insert(
      agencyRows.flatMap((a: { id: number }, i: number) =>
        ['portal', 'jobs', ...(i < agencyRows.length - 4 ? ['cloud'] : [])].map((area) => ({ agency_id: a.id, area })),
      ),
    );
    const domainOf = new Map(AGENCIES.map((a) => [a.code, a.domain]));

    // The personnel master.
    const used = new Set<string>();
    const personRows: Record<string, unknown>[] = [];
    const addPerson = (name: string, agencyCode: string, status: '在職' | '卸職', fixedId?: string) => {
      let id = fixedId;
      while (!id || used.has(id)) {
        const gender = r.int(1, 2);
        id = withCheckDigit(`${r.pick([...'ABCDEFGHJKLMNPQRSTUVXYWZIO'])}${gender}${String(r.int(0, 9999999)).padStart(7, '0')}`);
      }
      used.add(id);
      const appointed = `${r.int(1990, 2025)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`;
      personRows.push({
        national_id: id,
        name,
        agency_id: agencyId.get(agencyCode),
        status,
        title: r.pick(TITLES),
        rank: r.pick(RANKS),
        series: r.pick(SERIES),
        unit: r.pick(UNITS),
        personnel_kind: r.pick(KINDS),
        appointed_on: appointed,
        left_on: status === '卸職' ? `${r.int(2020, 2026)}-0${r.int(1, 9)}-15` : null,
        office_phone: `${AGENCIES.find((a) => a.code === agencyCode)!.phone}#${r.int(100, 899)}`,
        birth_date: `${r.int(1960, 2000)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
        gender: id[1] === '1' ? 'M' : 'F',
      });
      return id;
    };
    const demoIds = DEMO_ACCOUNTS.map((d) => addPerson(d.name, d.agencyCode, d.retired ? '卸職' : '在職', d.nationalId));
    for (let i = personRows.length; i < people; i++) {
      const name = r.pick(SURNAMES) + r.pick(GIVEN) + r.pick(GIVEN);
      addPerson(name, r.pick(AGENCIES).code, r.next() < 0.06 ? '卸職' : '在職');
    }
    const inserted: { id: number; national_id: string }[] = [];
    for (let i = 0; i < personRows.length; i += 500) {
      inserted.push(...(await trx('person').insert(personRows.slice(i, i + 500)).returning(['id', 'national_id'])));
    }
    const personId = new Map(inserted.map((p) => [p.national_id, p.id]));

    // Demo sign-ins.
    const accountIdByLogin = new Map<string, number>();
    for (const [i, d] of DEMO_ACCOUNTS.entries()) {
      const nid = demoIds[i]!;
      const [row] = await trx('account')
        .insert({
          person_id: personId.get(nid),
          username: d.firstLogin ? null : d.account,
          password_hash: await hashPassword(d.password),
          email: d.firstLogin ? null : `${d.account}@${domainOf.get(d.agencyCode)}`,
          phone: d.firstLogin ? null : '0912-345-678',
          egov_opt_in: !d.firstLogin,
          must_change_password: Boolean(d.firstLogin),
          temp_password_expires_at: d.firstLogin ? new Date('2099-12-31T00:00:00Z') : null,
        })
        .returning('id');
      const accountId = (row as { id: number }).id;
      accountIdByLogin.set(d.account, accountId);
      for (const role of d.roles) {
        await trx('role_grant').insert({ account_id: accountId, role, agency_id: role.startsWith('hr_') ? agencyId.get(d.agencyCode) : null });
      }
    }

    // Other people who have activated their account (card users, no password) and their login history.
    const others = inserted.filter((p) => !demoIds.includes(p.national_id)).filter(() => r.next() < 0.4);
    const otherAccounts: { id: number }[] = [];
    for (let i = 0; i < others.length; i += 500) {
      otherAccounts.push(
        ...(await trx('account')
          .insert(others.slice(i, i + 500).map((p) => ({ person_id: p.id, username: `u${p.national_id.toLowerCase()}`, email: `u${p.id}@example.gov.tw` })))
          .returning('id')),
      );
    }
    // Sign-ins laid out up to the moment the demo is loaded: a year of history, some of it
    // today (so 今日上線人數 is not 0), and the demo accounts' own recent sign-ins (so their
    // 上次登入時間 is a real time, not 「首次登入」).
    const base = Date.now();
    const sinceMidnight = Math.max(60, Math.floor((base - startOfTaipeiDay(new Date(base)).getTime()) / 1000));
    const events: Record<string, unknown>[] = [];
    for (const a of otherAccounts) {
      const n = r.int(1, 12);
      for (let k = 0; k < n; k++) {
        events.push({ account_id: a.id, method: r.pick(['moica', 'moica', 'password', 'nhi']), at: new Date(base - r.int(1, 365) * 86_400_000 - r.int(0, 86_399) * 1000) });
      }
    }
    for (const a of otherAccounts.slice(0, 40)) {
      events.push({ account_id: a.id, method: r.pick(['moica', 'password', 'nhi']), at: new Date(base - r.int(30, sinceMidnight) * 1000) });
    }
    for (const [i, d] of DEMO_ACCOUNTS.entries()) {
      if (d.firstLogin || d.retired) continue;
      const accountId = accountIdByLogin.get(d.account)!;
      const times = recentSignIns(base, i);
      for (const at of times) events.push({ account_id: accountId, method: i % 3 === 0 ? 'moica' : 'password', at });
      await trx('account').where({ id: accountId }).update({ last_login_at: times[1], current_login_at: times[0] });
    }
    for (let i = 0; i < events.length; i += 1000) await trx('login_event').insert(events.slice(i, i + 1000));

    await seedPortalContent(trx, accountIdByLogin.get('portal.admin')!);
    return { agencies: agencyRows.length, people: personRows.length, accounts: DEMO_ACCOUNTS.length + otherAccounts.length, loginEvents: events.length };
  });
}

async function seedPortalContent(trx: Knex, adminId: number) {
  const items: [string, string, string, string][] = [
    ['2026-11-20', '系統公告', '人事服務網將於 115 年 11 月 29 日（星期日）上午 8 時至 12 時進行系統維護', '維護期間暫停人事服務網及各應用系統之服務，造成不便敬請見諒。'],
    ['2026-11-18', '業務公告', '115 年度公務人員考績作業相關規定說明', '各機關辦理 115 年度考績作業，請依公務人員考績法及其施行細則規定辦理，並於期限內完成 WebHR 考績清冊報送。'],
    ['2026-11-12', '活動訊息', '「人事資訊系統操作實務」線上課程開放報名', '請至終身學習入口網（D6）報名，完成課程者核給學習時數 3 小時。'],
    ['2026-11-05', '法規異動', '公務人員請假規則部分條文修正', '修正條文自發布日施行，修正重點及對照表請參閱附件。'],
    ['2026-10-28', '系統公告', '自然人憑證元件更新說明', '請使用者至「人事服務網相關元件下載區」下載最新版本之憑證元件，並完成環境檢測。'],
    ['2026-10-20', '業務公告', '公務人員個人資料服務網(MyData)新增履歷表下載功能', '公務同仁可於 MyData 下載個人履歷表 PDF，供事求人職缺應徵使用。'],
    ['2026-10-09', '系統公告', 'PICS 人事資訊系統客服網文字客服服務時間調整', '文字客服服務時間為上午 09:00-12:00、下午 14:00-17:00（國定假日除外）。'],
    ['2026-09-30', '業務公告', '事求人機關徵才系統職缺 Open Data 欄位說明', '職缺開放資料提供 XML、JSON 及 CSV 格式，欄位說明請參閱求職SOP。'],
    ['2026-09-15', '活動訊息', '115 年度人事業務研習會', '研習會將於 10 月份分區辦理，請各機關人事單位踴躍參加。'],
    ['2026-09-01', '法規異動', '公務人員陞遷法施行細則修正', '修正條文已於 115 年 8 月 28 日發布。'],
    ['2026-08-18', '系統公告', '人事服務網首頁版面更新', '若有網站首頁版面異常，請於電腦鍵盤按下 Ctrl+F5，重新載入網站。'],
    ['2026-08-01', '業務公告', '機關代碼查詢功能調整', '機關組織查詢可依機關代碼或名稱查詢，並顯示機關地址及電話。'],
  ];
  await trx('content_item').insert(
    items.map(([date, category, title, body]) => ({ kind: 'portal.announcements', publish_on: date, category, title, body, author_account_id: adminId })),
  );
  const [open] = await trx('poll').insert({ title: '您認為人事服務網最需要優先改善的功能？', description: '請選擇一項，每人限投一次。', open_from: '2026-01-01', open_to: '2030-12-31' }).returning('id');
  await trx('poll_option').insert(
    ['應用系統選單', '憑證登入流程', '最新公告查詢', '客服回應速度'].map((label, i) => ({ poll_id: (open as { id: number }).id, label, sort_order: i })),
  );
  const [closed] = await trx('poll').insert({ title: '114 年度人事服務網滿意度投票', description: '已結束。', open_from: '2025-01-01', open_to: '2025-12-31' }).returning('id');
  await trx('poll_option').insert(['非常滿意', '滿意', '普通', '不滿意'].map((label, i) => ({ poll_id: (closed as { id: number }).id, label, sort_order: i })));
}
