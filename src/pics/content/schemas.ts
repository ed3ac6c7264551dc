import { z } from 'zod';
import { dateText as dateField, text } from '../../platform/validation';

/** A field the form may leave out entirely counts as empty (and gets the "請輸入…" message). */
export const field = <S extends z.ZodType>(schema: S) => z.preprocess((v) => v ?? '', schema);

/** A date typed in ROC or ISO form (115/11/25, 2026-11-25, …), as 'YYYY-MM-DD'. */
export const dateText = (label: string) => field(dateField(label, '2026-11-25'));

export const SORT_MAX = 9999;

/** 排序: a whole number 0–9999. */
const sortOrder = field(
  text('排序', { max: 10 })
    .refine((s) => s === '' || (/^\d{1,4}$/.test(s) && Number(s) <= SORT_MAX), { message: `排序須為 0 至 ${SORT_MAX} 的整數` })
    .transform(Number),
);

/** An absolute http(s) URL with a host, or a path of this site ('/…', never '//…'). */
export function isContentLink(s: string): boolean {
  if (/^\/(?![/\\])[^\s<>"]*$/.test(s)) return true;
  if (!/^https?:\/\/[^\s<>"]+$/i.test(s)) return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** 公告事項 */
export const picsAnnouncementSchema = z.object({
  title: field(text('標題', { max: 200 })),
  body: field(text('內容', { max: 20000, multiline: true })),
  publishOn: dateText('公告日期'),
});

/** 常見問題 */
export const picsFaqSchema = z.object({
  category: field(text('分類', { max: 50 })),
  question: field(text('問題', { max: 300 })),
  answer: field(text('答案', { max: 20000, multiline: true })),
  sortOrder,
});

/** 檔案下載 */
export const picsDownloadSchema = z.object({
  title: field(text('名稱', { max: 200 })),
  description: field(text('說明', { max: 300, optional: true })),
  url: field(
    text('連結', { max: 500 }).refine((s) => s === '' || isContentLink(s), {
      message: '連結須為 https:// 或 http:// 開頭的網址，或以 / 開頭的本站路徑',
    }),
  ),
  updatedOn: dateText('更新日期'),
});

/** 罐頭回覆 */
export const cannedReplySchema = z.object({
  title: field(text('標題', { max: 100 })),
  body: field(text('內容', { max: 5000, multiline: true })),
  sortOrder,
});

/** 站內搜尋 */
export const searchSchema = z.object({ q: text('關鍵字', { max: 50 }) });
