/** One content module for every site's editors: kinds as data, one table, one service, one set of admin routes. */
export type { ContentField, ContentKind, ContentListColumn, ContentSite } from './kinds';
export { kindBySlug } from './kinds';
export { createContentService, type ContentService, type ContentRow, type ContentPage, type ContentFile } from './service';
export { contentAdminRouter } from './routes';
