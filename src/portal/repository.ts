import type { Knex } from 'knex';
import type { Db } from '../platform/database';
import { keptRead } from '../platform/readCache';

/** The tables the catalog is read from: a change to any of them is seen at once on every instance. */
const CATALOG_TABLES = ['app_catalog', 'app_catalog_agency', 'agency'];

export interface AppEntry {
  code: string;
  name: string;
  category: 'A' | 'B' | 'C' | 'D' | 'X';
  url: string;
  description: string;
  requiredRole: string | null;
  sortOrder: number;
  active: boolean;
  /** Whether the menu shows the code (the manuals show WebHR and MyData without one). */
  showCode: boolean;
  /** 機關代碼 of the agencies whose people may see it; empty: every agency. */
  agencies: string[];
}

const appColumns = [
  'code',
  'name',
  'category',
  'url',
  'description',
  'required_role as requiredRole',
  'sort_order as sortOrder',
  'active',
  'show_code as showCode',
];

const appRow = (a: Omit<AppEntry, 'code' | 'agencies'>) => ({
  name: a.name,
  category: a.category,
  url: a.url,
  description: a.description,
  required_role: a.requiredRole,
  sort_order: a.sortOrder,
  active: a.active,
  show_code: a.showCode,
});

async function countOf(q: Knex.QueryBuilder): Promise<number> {
  const row = (await q.clone().count({ count: '*' }).first()) as { count: number | string } | undefined;
  return Number(row?.count ?? 0);
}

export function createPortalRepository(db: Db) {
  // 現職資料 shows the person's national ID, as the page does (never a password hash or a secret).
  const readJob = (personId: number) =>
    db('person as p')
      .join('agency as g', 'g.id', 'p.agency_id')
      .where('p.id', personId)
      .select(
        'p.national_id as nationalId',
        'p.name',
        'p.status',
        'p.title',
        'p.rank',
        'p.series',
        'p.unit',
        'p.personnel_kind as personnelKind',
        'p.appointed_on as appointedOn',
        'p.office_phone as officePhone',
        'g.code as agencyCode',
        'g.name as agencyName',
        'g.address as agencyAddress',
      )
      .first();

  return {
    // --- 應用系統 ---
    apps(includeInactive = false): Promise<readonly AppEntry[]> {
      return keptRead(db, `portal.apps:${includeInactive}`, CATALOG_TABLES, async () => {
        const q = db('app_catalog').select(appColumns).orderBy(['category', 'sort_order', 'code']);
        if (!includeInactive) q.where('active', true);
        const [rows, limits] = await Promise.all([
          q as Promise<Omit<AppEntry, 'agencies'>[]>,
          db('app_catalog_agency as l').join('agency as g', 'g.id', 'l.agency_id').orderBy('g.code').select('l.app_code as appCode', 'g.code as agencyCode') as Promise<{ appCode: string; agencyCode: string }[]>,
        ]);
        return rows.map((r) => ({ ...r, agencies: limits.filter((l) => l.appCode === r.code).map((l) => l.agencyCode) }));
      });
    },
    async app(code: string): Promise<AppEntry | undefined> {
      const row = (await db('app_catalog').select(appColumns).where({ code }).first()) as Omit<AppEntry, 'agencies'> | undefined;
      if (!row) return undefined;
      const limits = await db('app_catalog_agency as l').join('agency as g', 'g.id', 'l.agency_id').where('l.app_code', code).orderBy('g.code').pluck('g.code');
      return { ...row, agencies: limits as string[] };
    },
    /** The ids of these 機關代碼, and the codes not found. */
    async agencyIds(codes: string[]): Promise<{ ids: number[]; unknown: string[] }> {
      const rows = (await db('agency').whereIn('code', codes).select('id', 'code')) as { id: number; code: string }[];
      return { ids: rows.map((r) => r.id), unknown: codes.filter((c) => !rows.some((r) => r.code === c)) };
    },
    /** Adds an entry with its agencies; false when the code is taken (nothing saved). */
    async insertApp(trx: Db, a: AppEntry, agencyIds: number[]): Promise<boolean> {
      const inserted = await trx('app_catalog').insert({ code: a.code, ...appRow(a) }).onConflict('code').ignore().returning('code');
      if (!inserted.length) return false;
      if (agencyIds.length) await trx('app_catalog_agency').insert(agencyIds.map((id) => ({ app_code: a.code, agency_id: id })));
      return true;
    },
    async updateApp(trx: Db, code: string, a: Omit<AppEntry, 'code' | 'agencies'>, agencyIds: number[]): Promise<number> {
      const n = await trx('app_catalog').where({ code }).update(appRow(a));
      if (!n) return 0;
      await trx('app_catalog_agency').where({ app_code: code }).delete();
      if (agencyIds.length) await trx('app_catalog_agency').insert(agencyIds.map((id) => ({ app_code: code, agency_id: id })));
      return n;
    },
    transaction: <T>(fn: (trx: Db) => Promise<T>) => db.transaction(fn),
    async deleteApp(trx: Db, code: string): Promise<number> {
      return trx('app_catalog').where({ code }).delete();
    },
    favorites(accountId: number): Promise<readonly string[]> {
      return keptRead(db, `portal.favorites:${accountId}`, [`favorite_app:${accountId}`], async () => {
        const rows = await db('favorite_app').where({ account_id: accountId }).orderBy('created_at').select('app_code');
        return rows.map((r: { app_code: string }) => r.app_code);
      });
    },
    async addFavorite(accountId: number, code: string): Promise<void> {
      await db('favorite_app').insert({ account_id: accountId, app_code: code }).onConflict(['account_id', 'app_code']).ignore();
    },
    async removeFavorite(accountId: number, code: string): Promise<void> {
      await db('favorite_app').where({ account_id: accountId, app_code: code }).delete();
    },

    // --- 機關組織 ---
    async searchAgencies(q: string, limit: number, offset: number) {
      const base = db('agency').where('active', true);
      if (q) {
        base.andWhere((w) => w.whereILike('code', `${q.replace(/[\\%_]/g, '\\$&')}%`).orWhereILike('name', `%${q.replace(/[\\%_]/g, '\\$&')}%`));
      }
      const total = await countOf(base);
      const rows = await base.select('code', 'name', 'address', 'phone').orderBy('code').limit(limit).offset(offset);
      return { rows, total };
    },

    // --- 現職資料 ---
    /** 現職資料: kept until the person's row or any agency changes (platform/readCache.ts). */
    async currentJob(personId: number) {
      return keptRead(db, `portal.job:${personId}`, [`person:${personId}`, 'agency'], () => readJob(personId));
    },

    // --- 首頁 counters ---
    async counters(since: Date) {
      const { rows } = await db.raw(
        `SELECT
           (SELECT count(*) FROM session WHERE expire > now() AND sess->'passport'->'user' IS NOT NULL)::int AS online,
           (SELECT count(DISTINCT account_id) FROM login_event WHERE at >= ?)::int AS today,
           (SELECT count(*) FROM login_event)::int AS total`,
        [since.toISOString()],
      );
      return rows[0] as { online: number; today: number; total: number };
    },
  };
}

export type PortalRepository = ReturnType<typeof createPortalRepository>;
