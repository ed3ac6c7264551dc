import type { AppEntry } from '../portal/repository';

export type CatalogSeedEntry = Omit<AppEntry, 'sortOrder' | 'active' | 'agencies'>;

/**
 * Reference data every install needs: the 應用系統 catalog exactly as the manuals show it
 * (seed 000 PICS 操作手冊 and seed 004 事求人 操作手冊 give the codes and names; seed 001
 * MyData 操作手冊 shows WebHR, 主計人員版WebHR and MyData without a code, so their codes are
 * kept for the URL only and not shown). Categories A–D and 非人事總處機關及系統 as there.
 * Inserted by code when missing, so administrators' later edits are kept.
 */
export const APP_CATALOG: CatalogSeedEntry[] = [
  // A. 人事資料填報及考核
  { code: 'WEBHR', showCode: false, name: 'WebHR人力資源管理資訊系統', category: 'A', url: 'https://webhr.dgpa.gov.tw/', description: '機關人事人員辦理人事資料維護、考核及報送', requiredRole: 'hr_staff' },
  { code: 'WEBHRACC', showCode: false, name: '主計人員版WebHR系統', category: 'A', url: 'https://webhr-acc.dgpa.gov.tw/', description: '主計人員人事資料維護', requiredRole: 'hr_staff' },
  { code: 'A1', showCode: true, name: '人事資料報送服務網', category: 'A', url: 'https://ecpa.dgpa.gov.tw/report/', description: '機關人事資料報送及檢誤', requiredRole: 'hr_staff' },
  { code: 'A4', showCode: true, name: '調查表系統', category: 'A', url: 'https://survey.dgpa.gov.tw/', description: '人事業務調查表填報', requiredRole: 'hr_staff' },
  { code: 'A5', showCode: true, name: '技工工友駕駛及駐衛警線上填報系統', category: 'A', url: 'https://worker.dgpa.gov.tw/', description: '技工、工友、駕駛及駐衛警人員資料填報', requiredRole: 'hr_staff' },
  { code: 'A6', showCode: true, name: '服務獎章線上請領及檢核系統', category: 'A', url: 'https://medal.dgpa.gov.tw/', description: '服務獎章請領及資格檢核', requiredRole: 'hr_staff' },
  { code: 'A7', showCode: true, name: '人事資料考核系統', category: 'A', url: 'https://check.dgpa.gov.tw/', description: '人事資料正確性考核', requiredRole: 'hr_staff' },
  { code: 'AB', showCode: true, name: '人事業務績效考核報送審核管理系統', category: 'A', url: 'https://kpi.dgpa.gov.tw/', description: '人事業務績效考核資料報送及審核', requiredRole: 'hr_staff' },
  { code: 'AC', showCode: true, name: '全國軍公教人員生活津貼申請暨審核系統', category: 'A', url: 'https://allowance.dgpa.gov.tw/', description: '結婚、生育、喪葬及子女教育補助申請', requiredRole: null },
  { code: 'AF', showCode: true, name: '各機關學校用人費用管理資訊系統', category: 'A', url: 'https://personnelcost.dgpa.gov.tw/', description: '用人費用資料填報及管理', requiredRole: 'hr_staff' },
  // B. 人事資料服務
  { code: 'B3', showCode: true, name: '銜審公權人員資料查詢系統', category: 'B', url: 'https://publicright.dgpa.gov.tw/', description: '銓審公權人員資料查詢', requiredRole: 'hr_staff' },
  { code: 'B4', showCode: true, name: '訊息彙整平台', category: 'B', url: 'https://message.dgpa.gov.tw/', description: '人事業務訊息彙整', requiredRole: null },
  { code: 'B6', showCode: true, name: 'PICS人事資訊系統客服網', category: 'B', url: '/pics', description: '線上掛號、掛號查詢、文字客服', requiredRole: null },
  { code: 'B7', showCode: false, name: '公務人員個人資料服務網(MyData)', category: 'B', url: '/mydata', description: '個人資料查詢及校對、履歷表下載、個人檔案夾', requiredRole: null },
  // C. 機關設定及申請
  { code: 'C2', showCode: true, name: '人事資訊代碼系統', category: 'C', url: 'https://code.dgpa.gov.tw/', description: '人事資訊代碼查詢及申請', requiredRole: 'hr_staff' },
  // D. 其他人事總處業務
  { code: 'D0', showCode: true, name: '考試職缺填報及錄取人員分配系統', category: 'D', url: 'https://exam.dgpa.gov.tw/', description: '高普考等考試職缺提報及錄取人員分配', requiredRole: 'hr_staff' },
  { code: 'D5', showCode: true, name: '組織員額管理系統', category: 'D', url: 'https://org.dgpa.gov.tw/', description: '機關組織編制及員額管理', requiredRole: 'hr_staff' },
  { code: 'D6', showCode: true, name: '終身學習入口網', category: 'D', url: 'https://lifelonglearn.dgpa.gov.tw/', description: '公務人員數位學習及學習時數', requiredRole: null },
  { code: 'DA1', showCode: true, name: '名錄線上查詢系統', category: 'D', url: 'https://directory.dgpa.gov.tw/', description: '機關人事人員名錄查詢', requiredRole: null },
  { code: 'DA2', showCode: true, name: '名錄線上編輯系統', category: 'D', url: 'https://directory-edit.dgpa.gov.tw/', description: '機關人事人員名錄維護', requiredRole: 'hr_staff' },
  { code: 'DD', showCode: true, name: '事求人機關徵才系統', category: 'D', url: '/jobs/manage', description: '機關登錄公開徵才職缺', requiredRole: 'hr_staff' },
  { code: 'DK', showCode: true, name: '職缺應徵', category: 'D', url: '/jobs', description: '查詢公開徵才職缺及線上應徵', requiredRole: null },
];
