import { z } from 'zod';
import { dateText, text } from '../platform/validation';

/** 公告 of 公務人員個人資料服務網 (a kind of the platform's content module). */
export const announcementSchema = z.object({
  title: text('標題', { max: 200 }),
  body: text('內容', { max: 20000, multiline: true, optional: true }),
  publishOn: dateText('公告日期', '2026-11-22'),
});
