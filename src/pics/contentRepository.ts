import type { Db } from '../platform/database';
import type { CalendarDay } from './calendar';
import type { ContentKind } from './contentKinds';

export type ContentRow = Record<string, unknown> & { id: number };

const LIST_SIZE = 20;

/** The SQL of the desk's content management: the four kinds by their description, and the work calendar. */
export function createContentRepository(db: Db) {
  /** Columns as the kind's field names (camelCase), dates as 'YYYY-MM-DD' strings. */
  const columnsOf = (kind: ContentKind) => ['id', ...kind.fields.map((f) => `${f.column} as ${f.name}`)];
  const rowOf = (kind: ContentKind, input: Record<string, unknown>) => Object.fromEntries(kind.fields.map((f) => [f.column, input[f.name] ?? (f.optional ? '' : null)]));

  return {
    async list(kind: ContentKind, page: number): Promise<{ rows: ContentRow[]; total: number; page: number; pages: number }> {
      const total = Number((await db(kind.table).count<{ n: number }[]>({ n: '*' }))[0]?.n ?? 0);
      const pages = Math.max(1, Math.ceil(total / LIST_SIZE));
      const p = Math.min(page, pages);
      const rows: ContentRow[] = await db(kind.table)
        .select(columnsOf(kind))
        .orderBy(kind.orderBy)
        .limit(LIST_SIZE)
        .offset((p - 1) * LIST_SIZE);
      return { rows, total, page: p, pages };
    },

    async find(kind: ContentKind, id: number, q: Db = db): Promise<ContentRow | undefined> {
      return q(kind.table).where({ id }).first(columnsOf(kind));
    },

    /** The next free step of ten for a new entry's 排序 (at most 9999). */
    async nextSortOrder(kind: ContentKind): Promise<number> {
      const r = await db(kind.table).max<{ max: number | null }[]>('sort_order as max');
      return Math.min(9999, Math.floor(Number(r[0]?.max ?? -10) / 10) * 10 + 10);
    },

    async insert(trx: Db, kind: ContentKind, input: Record<string, unknown>): Promise<number> {
      const [r] = await trx(kind.table).insert(rowOf(kind, input)).returning('id');
      return (r as { id: number }).id;
    },

    /** The row before the change, or undefined when there is none (the row stays locked until the transaction ends). */
    async update(trx: Db, kind: ContentKind, id: number, input: Record<string, unknown>): Promise<ContentRow | undefined> {
      const before = await trx(kind.table).where({ id }).forUpdate().first(columnsOf(kind));
      if (before) await trx(kind.table).where({ id }).update(rowOf(kind, input));
      return before;
    },

    async delete(trx: Db, kind: ContentKind, id: number): Promise<ContentRow | undefined> {
      const [gone] = await trx(kind.table).where({ id }).delete().returning(columnsOf(kind));
      return gone as ContentRow | undefined;
    },

    async calendarDay(day: string, q: Db = db): Promise<CalendarDay | undefined> {
      return q('pics_calendar_day').where({ day }).first(db.raw("to_char(day, 'YYYY-MM-DD') as day"), 'kind', 'name');
    },

    async insertCalendarDay(trx: Db, d: CalendarDay): Promise<void> {
      await trx('pics_calendar_day').insert({ day: d.day, kind: d.kind, name: d.name });
    },

    /** The day removed, or undefined when the table had no such day. */
    async deleteCalendarDay(trx: Db, day: string): Promise<CalendarDay | undefined> {
      const gone: CalendarDay | undefined = await trx('pics_calendar_day').where({ day }).forUpdate().first(db.raw("to_char(day, 'YYYY-MM-DD') as day"), 'kind', 'name');
      if (gone) await trx('pics_calendar_day').where({ day }).delete();
      return gone;
    },
  };
}

export type ContentRepository = ReturnType<typeof createContentRepository>;
