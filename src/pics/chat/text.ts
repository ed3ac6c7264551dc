import { taipeiParts } from '../../platform/dates';

/** Taiwan national ID numbers (and resident numbers) inside free text. */
const NATIONAL_ID_IN_TEXT = /(?<![A-Za-z0-9])([A-Za-z])([1289A-Da-d]\d)(\d{4})(\d{3})(?![A-Za-z0-9])/g;

/** Masks national ID numbers for agents: A123456789 → A12****789. */
export function maskNationalIds(text: string): string {
  return text.replace(NATIONAL_ID_IN_TEXT, (_m, letter: string, next: string, _mid: string, tail: string) => `${letter.toUpperCase()}${next}****${tail}`);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** HH:MM:SS in Taipei, as the chat shows each line. */
export function clockTime(value: Date | string): string {
  const p = taipeiParts(value instanceof Date ? value : new Date(value));
  return `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** Service hours 09:00–12:00 and 14:00–17:00 (Taipei); the work day is checked separately. */
export function withinServiceTime(now: Date): boolean {
  const p = taipeiParts(now);
  const minutes = p.hour * 60 + p.minute;
  return (minutes >= 9 * 60 && minutes < 12 * 60) || (minutes >= 14 * 60 && minutes < 17 * 60);
}

export const SERVICE_HOURS_TEXT = '週一至週五（國定假日除外）上午 09:00–12:00、下午 14:00–17:00';

export const SCOPE_NOTICE =
  '服務範圍：「獎勵令電子化」、「公務人員個人資料服務網(My Data)」、「事求人機關徵才系統」及「職缺應徵」，非前開系統問題，請撥打客服專線(02-23979108)或至PICS首頁「掛號室>線上掛號」。';

export const TEXT = {
  busy: '客服人員忙線中，請選擇繼續等候客服人員或其他。',
  transfer: '已為您轉接專員中，請您稍候，不要離開喔~',
  greeting: '哈囉，您好，很高興為您服務！',
  keepWaiting: '繼續等候客服人員',
  ticketForm: '線上掛號單',
  giveUp: '放棄等候，結束對話',
  endedByAsker: '您已結束對話，感謝您使用文字客服。',
  endedByAgent: '客服專員已結束對話，感謝您使用文字客服。',
  endedIdle: '對話閒置過久，系統已結束對話。',
  receipt: (no: string) => `已為您建立線上掛號單，收件序號：${no}。客服人員將儘速處理並回覆，您可至「掛號室>掛號查詢」查看處理結果。`,
} as const;

/** The nine links of the side panel (seed 000 §三). */
export const SIDE_LINKS: { label: string; href: string }[] = [
  { label: '常見問題', href: '/pics/faq' },
  { label: '檔案下載', href: '/pics/downloads' },
  { label: '智能客服', href: '/pics/assistant' },
  { label: '法規查詢', href: 'https://law.moj.gov.tw/' },
  { label: '釋例查詢', href: 'https://weblaw.exam.gov.tw/' },
  { label: '全球資訊網', href: 'https://www.dgpa.gov.tw/' },
  { label: '人事服務網', href: '/' },
  { label: '事求人', href: '/jobs' },
  { label: '機關代碼查詢', href: '/agencies' },
];
