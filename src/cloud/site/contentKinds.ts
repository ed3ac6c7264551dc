import type { ContentKind } from '../../platform/content';
import { faqSchema, fileSchema, newsSchema } from './schemas';

const EDITOR = { site: 'cloud', editorRole: 'platform_admin', visible: 'always' } as const;

/** 最新消息: the platform's home page (/cloud) and /cloud/news/:id. */
export const CLOUD_NEWS: ContentKind = {
  ...EDITOR,
  id: 'cloud.news',
  slug: 'news',
  auditPrefix: 'cloud.admin.news',
  auditType: 'cloud_news',
  label: '最新消息',
  noun: '最新消息',
  intro: '最新消息依公告日期由新到舊顯示於人事雲端服務平台首頁。',
  fields: [
    { name: 'title', label: '公告標題', column: 'title', input: 'text', max: 200 },
    { name: 'publishedOn', label: '公告日期', column: 'publish_on', input: 'date', max: 20, hint: '民國年，例如 115/11/24' },
    { name: 'body', label: '公告內容', column: 'body', input: 'textarea', max: 5000 },
  ],
  list: [
    { field: 'publishedOn', label: '公告日期', format: 'date' },
    { field: 'title', label: '公告標題' },
  ],
  titleField: 'title',
  orderBy: [
    { column: 'publish_on', order: 'desc' },
    { column: 'id', order: 'desc' },
  ],
  searchFields: ['title', 'body'],
  publicUrl: '/cloud',
  schema: newsSchema,
  columns: ['author'],
  defaults: { author: '銓敘部' },
};

/** 常見問題: /cloud/faq. */
export const CLOUD_FAQ: ContentKind = {
  ...EDITOR,
  id: 'cloud.faq',
  slug: 'faq',
  auditPrefix: 'cloud.admin.faq',
  auditType: 'cloud_faq',
  label: '常見問題',
  noun: '常見問題',
  intro: '常見問題依排序數字由小到大顯示於人事雲端服務平台的常見問題。',
  fields: [
    { name: 'question', label: '標題', column: 'question', input: 'text', max: 300 },
    { name: 'answer', label: '內容', column: 'answer', input: 'textarea', max: 5000 },
    { name: 'sortOrder', label: '排序', column: 'sort_order', input: 'sort', max: 6, initial: '100' },
  ],
  list: [
    { field: 'sortOrder', label: '排序' },
    { field: 'question', label: '標題' },
  ],
  titleField: 'question',
  orderBy: [
    { column: 'sort_order', order: 'asc' },
    { column: 'id', order: 'asc' },
  ],
  searchFields: ['question', 'answer'],
  publicUrl: '/cloud/faq',
  schema: faqSchema,
};

/** 檔案下載: /cloud/files (an uploaded file, or a link to a page of the portal). */
export const CLOUD_FILES: ContentKind = {
  ...EDITOR,
  id: 'cloud.files',
  slug: 'files',
  auditPrefix: 'cloud.admin.file',
  auditType: 'cloud_file',
  label: '檔案下載',
  noun: '檔案',
  intro: '檔案依公告日期由新到舊顯示於人事雲端服務平台的檔案下載。',
  fields: [
    { name: 'title', label: '檔案名稱', column: 'title', input: 'text', max: 200 },
    { name: 'description', label: '檔案說明', column: 'description', input: 'textarea', max: 500, optional: true },
    { name: 'publishedOn', label: '公告日期', column: 'publish_on', input: 'date', max: 20, hint: '民國年，例如 115/11/24' },
  ],
  list: [
    { field: 'publishedOn', label: '公告日期', format: 'date' },
    { field: 'title', label: '檔案名稱' },
  ],
  titleField: 'title',
  orderBy: [
    { column: 'publish_on', order: 'desc' },
    { column: 'id', order: 'desc' },
  ],
  searchFields: ['title', 'description'],
  publicUrl: '/cloud/files',
  schema: fileSchema,
  columns: ['stored_name as storedName', 'original_name as originalName', 'mime', 'size', 'url'],
};

/** The kinds kept with the content module's list and form pages (files have their own upload page). */
export const CLOUD_EDITED_KINDS: ContentKind[] = [CLOUD_NEWS, CLOUD_FAQ];

export const CLOUD_CONTENT_KINDS: ContentKind[] = [...CLOUD_EDITED_KINDS, CLOUD_FILES];
