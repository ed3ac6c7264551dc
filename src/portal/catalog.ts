export const APP_CATEGORIES = [
  { code: 'A', label: 'A. 人事資料填報及考核' },
  { code: 'B', label: 'B. 人事資料服務' },
  { code: 'C', label: 'C. 機關設定及申請' },
  { code: 'D', label: 'D. 其他人事總處業務' },
  { code: 'X', label: '非人事總處機關及系統' },
] as const;

export const ROLE_LABELS: Record<string, string> = {
  hr_staff: '人事人員',
  hr_supervisor: '人事主管',
  hr_password_reset: '經授權之人事人員（協助設定密碼）',
  cs_agent: '客服人員',
  cs_supervisor: '客服主管',
  portal_admin: '人事服務網管理者',
  platform_admin: '銓敘部管理者',
  jobs_reviewer: '事求人審核人員',
};

export const ANNOUNCEMENT_CATEGORIES = ['系統公告', '業務公告', '活動訊息', '法規異動'] as const;

export const PAGE_SIZE = 10;
