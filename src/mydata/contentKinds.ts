import type { ContentKind } from '../platform/content';
import { announcementSchema } from './schemas';

/**
 * The 公告 on the home page of 公務人員個人資料服務網: the ten latest whose publish date has
 * come, newest first. Kept in content_item (they once had their own table, mydata_announcement).
 */
export const MYDATA_ANNOUNCEMENTS: ContentKind = {
  id: 'mydata.announcements',
  site: 'mydata',
  slug: 'announcements',
  editorRole: 'portal_admin',
  auditPrefix: 'mydata.announcement',
  auditType: 'mydata_announcement',
  label: '公告',
  noun: '公告',
  intro: '公告日期起公開於公務人員個人資料服務網首頁。',
  fields: [
    { name: 'publishOn', label: '公告日期', column: 'publish_on', input: 'date', max: 20, hint: '例如 115/11/22 或 2026-11-22' },
    { name: 'title', label: '標題', column: 'title', input: 'text', max: 200 },
    { name: 'body', label: '內容', column: 'body', input: 'textarea', max: 20000, rows: 6, optional: true },
  ],
  list: [
    { field: 'publishOn', label: '公告日期', format: 'publishDate' },
    { field: 'title', label: '標題' },
  ],
  titleField: 'title',
  orderBy: [
    { column: 'publish_on', order: 'desc' },
    { column: 'id', order: 'desc' },
  ],
  visible: 'published',
  searchFields: ['title', 'body'],
  publicUrl: '/mydata',
  schema: announcementSchema,
};

/** How many announcements the home page lists. */
export const HOME_ANNOUNCEMENTS = 10;

export const MYDATA_KINDS: ContentKind[] = [MYDATA_ANNOUNCEMENTS];
