import type { ContentKind } from '../../platform/content';
import { cannedReplySchema, picsAnnouncementSchema, picsDownloadSchema, picsFaqSchema, SORT_MAX } from './schemas';

const SORT_HINT = `0 至 ${SORT_MAX} 的整數，數字小者排在前面`;
const DATE_HINT = '例如 115/11/25 或 2026-11-25';

/** PICS's content, maintained by the desk supervisors (客服主管) at /pics/desk/content. */
export const CONTENT_KINDS: ContentKind[] = [
  {
    id: 'pics.announcements',
    site: 'pics',
    slug: 'announcements',
    editorRole: 'cs_supervisor',
    auditPrefix: 'pics.content.announcement',
    auditType: 'pics_announcement',
    visible: 'published',
    searchFields: ['title', 'body'],
    label: '公告事項',
    noun: '公告',
    intro: '公告日期未到的公告不會出現在 PICS 的公告事項及首頁，到公告日期起才公開。',
    fields: [
      { name: 'title', label: '標題', column: 'title', input: 'text', max: 200 },
      { name: 'body', label: '內容', column: 'body', input: 'textarea', max: 20000, rows: 10 },
      { name: 'publishOn', label: '公告日期', column: 'publish_on', input: 'date', max: 20, hint: `${DATE_HINT}；日期未到前不公開` },
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
    publicUrl: '/pics/announcements',
    schema: picsAnnouncementSchema,
  },
  {
    id: 'pics.faq',
    site: 'pics',
    slug: 'faq',
    editorRole: 'cs_supervisor',
    auditPrefix: 'pics.content.faq',
    auditType: 'pics_faq',
    visible: 'always',
    searchFields: ['question', 'answer'],
    label: '常見問題',
    noun: '常見問題',
    intro: '常見問題依排序數字由小到大顯示於 PICS 的常見問題及首頁，並可供站內搜尋。',
    fields: [
      { name: 'category', label: '分類', column: 'category', input: 'text', max: 50, hint: '例如 帳號密碼、線上掛號' },
      { name: 'question', label: '問題', column: 'question', input: 'text', max: 300 },
      { name: 'answer', label: '答案', column: 'answer', input: 'textarea', max: 20000, rows: 8 },
      { name: 'sortOrder', label: '排序', column: 'sort_order', input: 'sort', max: 4, hint: SORT_HINT },
    ],
    list: [
      { field: 'sortOrder', label: '排序' },
      { field: 'category', label: '分類' },
      { field: 'question', label: '問題' },
    ],
    titleField: 'question',
    orderBy: [
      { column: 'sort_order', order: 'asc' },
      { column: 'id', order: 'asc' },
    ],
    publicUrl: '/pics/faq',
    schema: picsFaqSchema,
  },
  {
    id: 'pics.downloads',
    site: 'pics',
    slug: 'downloads',
    editorRole: 'cs_supervisor',
    auditPrefix: 'pics.content.download',
    auditType: 'pics_download',
    visible: 'always',
    searchFields: ['title', 'description'],
    label: '檔案下載',
    noun: '下載項目',
    intro: '下載項目依更新日期由新到舊顯示於 PICS 的檔案下載及首頁；連結可為 https:// 網址或以 / 開頭的本站路徑。',
    fields: [
      { name: 'title', label: '名稱', column: 'title', input: 'text', max: 200 },
      { name: 'description', label: '說明', column: 'description', input: 'text', max: 300, optional: true },
      { name: 'url', label: '連結', column: 'url', input: 'text', max: 500, hint: '例如 https://www.dgpa.gov.tw/manual.pdf 或 /public/files/manual.pdf' },
      { name: 'updatedOn', label: '更新日期', column: 'updated_on', input: 'date', max: 20, hint: DATE_HINT },
    ],
    list: [
      { field: 'updatedOn', label: '更新日期', format: 'date' },
      { field: 'title', label: '名稱' },
      { field: 'url', label: '連結' },
    ],
    titleField: 'title',
    orderBy: [
      { column: 'updated_on', order: 'desc' },
      { column: 'id', order: 'asc' },
    ],
    publicUrl: '/pics/downloads',
    schema: picsDownloadSchema,
  },
  {
    id: 'pics.canned',
    site: 'pics',
    slug: 'canned',
    editorRole: 'cs_supervisor',
    auditPrefix: 'pics.content.canned',
    auditType: 'pics_canned_reply',
    visible: 'always',
    searchFields: ['title', 'body'],
    label: '罐頭回覆',
    noun: '罐頭回覆',
    intro: '罐頭回覆依排序數字由小到大列於案件處理頁「公開回覆」的罐頭回覆選單，選用後其內容放在回覆內容之前。',
    fields: [
      { name: 'title', label: '標題', column: 'title', input: 'text', max: 100, hint: '顯示於罐頭回覆選單' },
      { name: 'body', label: '內容', column: 'body', input: 'textarea', max: 5000, rows: 8 },
      { name: 'sortOrder', label: '排序', column: 'sort_order', input: 'sort', max: 4, hint: SORT_HINT },
    ],
    list: [
      { field: 'sortOrder', label: '排序' },
      { field: 'title', label: '標題' },
    ],
    titleField: 'title',
    orderBy: [
      { column: 'sort_order', order: 'asc' },
      { column: 'id', order: 'asc' },
    ],
    publicUrl: '/pics/desk',
    schema: cannedReplySchema,
  },
];

export function contentKind(slug: string): ContentKind | undefined {
  return CONTENT_KINDS.find((k) => k.slug === slug);
}

/** By name, for the PICS pages that show them. */
export const PICS_KINDS = {
  announcements: CONTENT_KINDS[0]!,
  faq: CONTENT_KINDS[1]!,
  downloads: CONTENT_KINDS[2]!,
  canned: CONTENT_KINDS[3]!,
};
