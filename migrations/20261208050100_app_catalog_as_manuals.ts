import type { Knex } from 'knex';

/**
 * Brings an existing installation's 應用系統 catalog to the manuals' codes and names (DML
 * only; a fresh installation gets them from the reference data). Only entries still as the
 * earlier version shipped them are changed, so an administrator's edits are kept: the
 * code-less WebHR entries get codes of their own (favourites and PICS tickets follow the
 * code), entries whose code the manuals give to another system take the manuals' name, and
 * entries the manuals do not show are switched off (kept for the PICS tickets naming them).
 */
const RENAMED: [from: string, to: string, name: string][] = [
  ['A1', 'WEBHR', 'WebHR人力資源管理資訊系統'],
  ['A2', 'WEBHRACC', '主計人員版WebHR系統'],
];

const HIDDEN_CODE = ['WEBHR', 'WEBHRACC', 'B7'];

const RETOLD: [code: string, shippedName: string, row: { name: string; category: string; url: string; description: string; required_role: string | null }][] = [
  ['A4', '公務人員平時考核系統', { name: '調查表系統', category: 'A', url: 'https://survey.dgpa.gov.tw/', description: '人事業務調查表填報', required_role: 'hr_staff' }],
  ['A5', '人事資料報送檢誤系統', { name: '技工工友駕駛及駐衛警線上填報系統', category: 'A', url: 'https://worker.dgpa.gov.tw/', description: '技工、工友、駕駛及駐衛警人員資料填報', required_role: 'hr_staff' }],
  ['B7', '公務人員個人資料服務網(MyData)', { name: '公務人員個人資料服務網(MyData)', category: 'B', url: '/mydata', description: '個人資料查詢及校對、履歷表下載、個人檔案夾', required_role: null }],
  ['C2', '人事服務網權限申請', { name: '人事資訊代碼系統', category: 'C', url: 'https://code.dgpa.gov.tw/', description: '人事資訊代碼查詢及申請', required_role: 'hr_staff' }],
  ['DD', '事求人機關徵才系統', { name: '事求人機關徵才系統', category: 'D', url: '/jobs/manage', description: '機關登錄公開徵才職缺', required_role: 'hr_staff' }],
];

const RETIRED: [code: string, shippedName: string][] = [
  ['A3', '公務人員考績考核系統'],
  ['B1', '公務人力資料庫查詢系統'],
  ['B2', '人事資訊統計查詢系統'],
  ['B5', '待遇資料查詢系統'],
  ['C1', '機關帳號權限設定'],
  ['C3', '協助設定密碼'],
  ['C4', '機關代碼申請及異動'],
  ['D7', '公務人員協會資訊網'],
  ['E1', '銓敘部人事雲端服務平台'],
  ['E2', '銓敘部銓審業務網路作業系統'],
  ['E3', '公教人員保險網路作業'],
  ['E4', '國家文官學院數位學習'],
];

export async function up(knex: Knex): Promise<void> {
  for (const [from, to, name] of RENAMED) {
    const taken = await knex('app_catalog').where({ code: to }).first('code');
    if (!taken) await knex('app_catalog').where({ code: from, name }).update({ code: to });
  }
  await knex('app_catalog').whereIn('code', HIDDEN_CODE).update({ show_code: false });
  for (const [code, shippedName, row] of RETOLD) await knex('app_catalog').where({ code, name: shippedName }).update(row);
  for (const [code, shippedName] of RETIRED) await knex('app_catalog').where({ code, name: shippedName }).update({ active: false });
}

/** Back to the earlier codes; the retold names stay (the earlier version shows them as they are). */
export async function down(knex: Knex): Promise<void> {
  for (const [code, shippedName] of RETIRED) await knex('app_catalog').where({ code, name: shippedName }).update({ active: true });
  for (const [from, to, name] of RENAMED) {
    const taken = await knex('app_catalog').where({ code: from }).first('code');
    if (!taken) await knex('app_catalog').where({ code: to, name }).update({ code: from });
  }
}
