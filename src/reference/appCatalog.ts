import type { AppEntry } from '../portal/repository';

/**
 * Reference data every install needs: the 應用系統 catalog of the manuals.
 * Upserted by code, so admins' later edits of other entries are kept.
 */
export const APP_CATALOG: Omit<AppEntry, 'sortOrder' | 'active'>[] = [
  { code: 'A1', name: 'WebHR人力資源管理資訊系統', category: 'A', url: 'https://webhr.dgpa.gov.tw/', description: '機關人事人員辦理人事資料維護、考核及報送', requiredRole: 'hr_staff' },
  { code: 'A2', name: '主計人員版WebHR系統', category: 'A', url: 'https://webhr-acc.dgpa.gov.tw/', description: '主計人員人事資料維護', requiredRole: 'hr_staff' },
  { code: 'A3', name: '公務人員考績考核系統', category: 'A', url: 'https://appraisal.dgpa.gov.tw/', description: '年終及另予考績清冊填報', requiredRole: 'hr_staff' },
  { code: 'A4', name: '公務人員平時考核系統', category: 'A', url: 'https://review.dgpa.gov.tw/', description: '平時考核紀錄填報', requiredRole: 'hr_staff' },
  { code: 'A5', name: '人事資料報送檢誤系統', category: 'A', url: 'https://nonp2k.dgpa.gov.tw/', description: '人事資料報送前之檢誤 (NonP2K)', requiredRole: 'hr_staff' },
  { code: 'B1', name: '公務人力資料庫查詢系統', category: 'B', url: 'https://cpdb.dgpa.gov.tw/', description: '人事人員查詢所屬人員資料', requiredRole: 'hr_staff' },
  { code: 'B2', name: '人事資訊統計查詢系統', category: 'B', url: 'https://stat.dgpa.gov.tw/', description: '公務人力統計報表', requiredRole: 'hr_staff' },
  { code: 'B5', name: '待遇資料查詢系統', category: 'B', url: 'https://salary.dgpa.gov.tw/', description: '個人待遇資料查詢', requiredRole: null },
  { code: 'B6', name: 'PICS人事資訊系統客服網', category: 'B', url: '/pics', description: '線上掛號、掛號查詢、文字客服', requiredRole: null },
  { code: 'B7', name: '公務人員個人資料服務網(MyData)', category: 'B', url: '/mydata', description: '個人資料查詢及校對、履歷表下載、個人檔案夾', requiredRole: null },
  { code: 'C1', name: '機關帳號權限設定', category: 'C', url: '/admin/apps', description: '設定機關人員使用應用系統之權限', requiredRole: 'portal_admin' },
  { code: 'C2', name: '人事服務網權限申請', category: 'C', url: 'https://apply.dgpa.gov.tw/', description: '機關申請人事服務網各系統權限', requiredRole: 'hr_supervisor' },
  { code: 'C3', name: '協助設定密碼', category: 'C', url: '/my/password-reset', description: '人事主管或經授權人事人員協助所屬人員設定密碼', requiredRole: 'hr_supervisor' },
  { code: 'C4', name: '機關代碼申請及異動', category: 'C', url: 'https://orgcode.dgpa.gov.tw/', description: '機關代碼之新增與異動申請', requiredRole: 'hr_supervisor' },
  { code: 'D0', name: '考試職缺填報及錄取人員分配系統', category: 'D', url: 'https://exam.dgpa.gov.tw/', description: '高普考等考試職缺提報及錄取人員分配', requiredRole: 'hr_staff' },
  { code: 'D5', name: '組織員額管理系統', category: 'D', url: 'https://org.dgpa.gov.tw/', description: '機關組織編制及員額管理', requiredRole: 'hr_staff' },
  { code: 'D6', name: '終身學習入口網', category: 'D', url: 'https://lifelonglearn.dgpa.gov.tw/', description: '公務人員數位學習及學習時數', requiredRole: null },
  { code: 'D7', name: '公務人員協會資訊網', category: 'D', url: 'https://union.dgpa.gov.tw/', description: '公務人員協會相關資訊', requiredRole: null },
  { code: 'DA1', name: '名錄線上查詢系統', category: 'D', url: 'https://directory.dgpa.gov.tw/', description: '機關人事人員名錄查詢', requiredRole: null },
  { code: 'DA2', name: '名錄線上編輯系統', category: 'D', url: 'https://directory-edit.dgpa.gov.tw/', description: '機關人事人員名錄維護', requiredRole: 'hr_staff' },
  { code: 'DD', name: '事求人機關徵才系統', category: 'D', url: '/jobs/manage', description: '機關登錄公開徵才職缺（限憑證登入）', requiredRole: 'hr_staff' },
  { code: 'E1', name: '銓敘部人事雲端服務平台', category: 'X', url: '/cloud', description: '機關申請人事資料介接服務（限機關憑證）', requiredRole: null },
  { code: 'E2', name: '銓敘部銓審業務網路作業系統', category: 'X', url: 'https://web.mocs.gov.tw/', description: '銓敘審定案件線上作業', requiredRole: 'hr_staff' },
  { code: 'E3', name: '公教人員保險網路作業', category: 'X', url: 'https://gpi.bot.com.tw/', description: '公保業務線上作業', requiredRole: 'hr_staff' },
  { code: 'E4', name: '國家文官學院數位學習', category: 'X', url: 'https://ecollege.nacs.gov.tw/', description: '文官培訓數位課程', requiredRole: null },
];
