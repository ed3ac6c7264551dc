import type { z } from 'zod';

/** The sites whose editors keep content here. */
export type ContentSite = 'pics' | 'cloud' | 'portal' | 'mydata';

/** A form field of a content kind: how it is typed, shown and stored. */
export interface ContentField {
  name: string;
  label: string;
  /** Its column of content_item. */
  column: string;
  input: 'text' | 'textarea' | 'date' | 'sort' | 'select';
  max: number;
  hint?: string;
  optional?: boolean;
  rows?: number;
  /** The choices of a 'select'. */
  options?: readonly string[];
  /** What a new entry's form starts with (otherwise today for a date, the next step of ten for 排序). */
  initial?: string;
}

/** A column of the management list. */
export interface ContentListColumn {
  field: string;
  label: string;
  /** 'publishDate': a date that keeps the entry from the public until it comes. */
  format?: 'date' | 'publishDate';
}

/**
 * One kind of content an editor maintains, as data: the list and form views, the
 * repository, the service and the admin routes (src/platform/content) are driven by it, so
 * every kind of every site shares one implementation. Each area declares its own kinds
 * (src/pics/content/contentKinds.ts, src/cloud/site/contentKinds.ts, src/portal/contentKinds.ts).
 */
export interface ContentKind {
  /** content_item.kind: '<site>.<slug>'. */
  id: string;
  site: ContentSite;
  /** In the URL: <base>/<slug>. */
  slug: string;
  /** Who may add, change and delete entries. */
  editorRole: string;
  /** Audit actions are <auditPrefix>.create|update|delete|not_found. */
  auditPrefix: string;
  /** The audit entries' target type (the name of the table the kind once had). */
  auditType: string;
  /** 公告事項 (the section), 公告 (one of them). */
  label: string;
  noun: string;
  intro: string;
  fields: ContentField[];
  list: ContentListColumn[];
  /** The field that names an entry (links, audit details, hidden labels of buttons). */
  titleField: string;
  /** Columns of content_item, in order. */
  orderBy: { column: string; order: 'asc' | 'desc' }[];
  /** Which entries the public sees: all, from the publish date on, or between publish and unpublish dates. */
  visible: 'always' | 'published' | 'window';
  /** The fields a search looks in. */
  searchFields: string[];
  /** Where the public (or the desk) sees it. */
  publicUrl: string;
  schema: z.ZodType<Record<string, unknown>>;
  /** Further columns read with every entry, not typed in its form (e.g. 'author', 'stored_name as storedName'). */
  columns?: string[];
  /** Fixed columns of a new entry (e.g. the cloud site's author). */
  defaults?: Record<string, string | number>;
  /** A new entry records the editor's account in author_account_id. */
  recordsAuthor?: boolean;
}

/** The kinds of one site, by slug. */
export function kindBySlug(kinds: readonly ContentKind[], slug: string): ContentKind | undefined {
  return kinds.find((k) => k.slug === slug);
}
