import type { ContentKind } from '../platform/content';
import { announcementSchema } from './schemas';
import { ANNOUNCEMENT_CATEGORIES } from './catalog';

/** The portal's 最新公告, kept by the 人事服務網管理者 at /admin/announcements. */
export const PORTAL_ANNOUNCEMENTS: ContentKind = {
  id: 'portal.announcements',
  site: 'portal',
  slug: 'announcements',
  editorRole: 'portal_admin',
  auditPrefix: 'announcement',
  auditType: 'announcement',
  label: '公告',
  noun: '公告',
  intro: '公告日期起至下架日期止公開於首頁及最新公告。',
  fields: [
    { name: 'title', label: '標題', column: 'title', input: 'text', max: 200 },
    { name: 'category', label: '類別', column: 'category', input: 'select', max: 20, options: ANNOUNCEMENT_CATEGORIES },
    { name: 'body', label: '內容', column: 'body', input: 'textarea', max: 20000, rows: 8 },
    { name: 'publishOn', label: '公告日期', column: 'publish_on', input: 'date', max: 20, hint: '例如 115/11/22 或 2026-11-22' },
    { name: 'unpublishOn', label: '下架日期', column: 'unpublish_on', input: 'date', max: 20, optional: true, hint: '留空表示不下架' },
  ],
  list: [
    { field: 'publishOn', label: '公告日期', format: 'date' },
    { field: 'unpublishOn', label: '下架日期', format: 'date' },
    { field: 'category', label: '類別' },
    { field: 'title', label: '標題' },
  ],
  titleField: 'title',
  orderBy: [
    { column: 'publish_on', order: 'desc' },
    { column: 'id', order: 'desc' },
  ],
  visible: 'window',
  searchFields: ['title', 'body'],
  publicUrl: '/announcements',
  schema: announcementSchema,
  recordsAuthor: true,
};

export const PORTAL_KINDS: ContentKind[] = [PORTAL_ANNOUNCEMENTS];
