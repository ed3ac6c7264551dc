import type { Db } from '../database';
import type { ContentKind } from './kinds';
import { keptRead } from '../readCache';

/** Every kind's entries are rows of this table. */
const CONTENT_TABLES = ['content_item'];

/** An entry as its kind's fields name them (camelCase), dates as 'YYYY-MM-DD' strings. */
export type ContentRow = Record<string, unknown> & { id: number };

export interface ContentPage {
  rows: ContentRow[];
  total: number;
  page: number;
  pages: number;
}

/** Which entries a read returns: all of them (the editors) or what the public may see on `today`. */
export interface ContentFilter {
  today?: string;
  q?: string;
}

/** A page number past the last gives the last page (clamp) or an empty page. */
export interface PageRequest {
  page: number;
  size: number;
  clamp?: boolean;
}

/** Uploaded file columns (the cloud site's 檔案下載), camelCase. */
export interface ContentFile {
  storedName: string;
  originalName: string;
  mime: string;
  size: number;
  sha256: string;
}

const likeOf = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The SQL of every content kind: one table, content_item, read and written by the kind's description. */
export function createContentRepository(db: Db) {
  const columnOf = (kind: ContentKind, name: string) => kind.fields.find((f) => f.name === name)?.column ?? name;
  const columnsOf = (kind: ContentKind, extra: string[] = []) => ['id', ...kind.fields.map((f) => `${f.column} as ${f.name}`), ...(kind.columns ?? []), ...extra];
  const rowOf = (kind: ContentKind, input: Record<string, unknown>) => Object.fromEntries(kind.fields.map((f) => [f.column, input[f.name] ?? (f.optional && f.input !== 'date' ? '' : null)]));

  function query(kind: ContentKind, f: ContentFilter, q: Db = db) {
    const b = q('content_item').where({ kind: kind.id });
    if (f.today !== undefined && kind.visible !== 'always') {
      b.where('publish_on', '<=', f.today);
      if (kind.visible === 'window') b.andWhere((w) => w.whereNull('unpublish_on').orWhere('unpublish_on', '>=', f.today!));
    }
    if (f.q) {
      const like = likeOf(f.q);
      b.where((w) => {
        for (const name of kind.searchFields) w.orWhereRaw(`${columnOf(kind, name)} ILIKE ? ESCAPE '\\'`, [like]);
      });
    }
    return b;
  }

  async function readPage(kind: ContentKind, f: ContentFilter & PageRequest, extra: string[]): Promise<ContentPage> {
    const total = Number((await query(kind, f).count<{ n: number }[]>({ n: '*' }))[0]?.n ?? 0);
    const pages = Math.max(1, Math.ceil(total / f.size));
    const p = f.clamp ? Math.min(f.page, pages) : f.page;
    const rows: ContentRow[] = await query(kind, f)
      .select(columnsOf(kind, extra))
      .orderBy(kind.orderBy)
      .limit(f.size)
      .offset((p - 1) * f.size);
    return { rows, total, page: p, pages };
  }

  async function readRows(kind: ContentKind, f: ContentFilter & { limit?: number }, extra: string[]): Promise<ContentRow[]> {
    const b = query(kind, f).select(columnsOf(kind, extra)).orderBy(kind.orderBy);
    if (f.limit) b.limit(f.limit);
    return b;
  }

  return {
    /**
     * One page of entries in the kind's order; a page past the last gives the last. Kept
     * between requests until an entry changes, unless it is a search.
     */
    page(kind: ContentKind, f: ContentFilter & PageRequest, extra: string[] = []): Promise<ContentPage> {
      if (f.q) return readPage(kind, f, extra);
      return keptRead(db, `content.page:${kind.id}:${JSON.stringify([f.today, f.page, f.size, f.clamp, extra])}`, CONTENT_TABLES, () => readPage(kind, f, extra));
    },

    /** The first `limit` entries (all when no limit) in the kind's order; kept like `page`. */
    rows(kind: ContentKind, f: ContentFilter & { limit?: number }, extra: string[] = []): Promise<readonly ContentRow[]> {
      if (f.q) return readRows(kind, f, extra);
      return keptRead(db, `content.rows:${kind.id}:${JSON.stringify([f.today, f.limit, extra])}`, CONTENT_TABLES, () => readRows(kind, f, extra));
    },

    async find(kind: ContentKind, id: number, f: ContentFilter = {}, extra: string[] = []): Promise<ContentRow | undefined> {
      return query(kind, f).where({ id }).first(columnsOf(kind, extra));
    },

    /** The next free step of ten for a new entry's 排序 (at most 9999). */
    async nextSortOrder(kind: ContentKind): Promise<number> {
      const r = await db('content_item').where({ kind: kind.id }).max<{ max: number | null }[]>('sort_order as max');
      return Math.min(9999, Math.floor(Number(r[0]?.max ?? -10) / 10) * 10 + 10);
    },

    async insert(trx: Db, kind: ContentKind, input: Record<string, unknown>, extra: { authorAccountId?: number | null; file?: ContentFile } = {}): Promise<number> {
      const file = extra.file ? { stored_name: extra.file.storedName, original_name: extra.file.originalName, mime: extra.file.mime, size: extra.file.size, sha256: extra.file.sha256 } : {};
      const author = kind.recordsAuthor ? { author_account_id: extra.authorAccountId ?? null } : {};
      const [r] = await trx('content_item')
        .insert({ kind: kind.id, ...kind.defaults, ...rowOf(kind, input), ...author, ...file })
        .returning('id');
      return (r as { id: number }).id;
    },

    /** The row before the change, or undefined when there is none (the row stays locked until the transaction ends). */
    async update(trx: Db, kind: ContentKind, id: number, input: Record<string, unknown>): Promise<ContentRow | undefined> {
      const before = await trx('content_item').where({ kind: kind.id, id }).forUpdate().first(columnsOf(kind));
      if (before) await trx('content_item').where({ kind: kind.id, id }).update({ ...rowOf(kind, input), updated_at: trx.fn.now() });
      return before;
    },

    /** The row removed (with its stored file's name), or undefined. */
    async delete(trx: Db, kind: ContentKind, id: number): Promise<(ContentRow & { storedName: string | null }) | undefined> {
      const [gone] = await trx('content_item').where({ kind: kind.id, id }).delete().returning([...columnsOf(kind), 'stored_name as storedName']);
      return gone as (ContentRow & { storedName: string | null }) | undefined;
    },
  };
}

export type ContentRepository = ReturnType<typeof createContentRepository>;
