import type { Db } from '../../platform/database';
import { camelCased } from '../../platform/rows';
import { SELECT_SQL, toColumns, toVacancy, type VacancyData, type VacancyRepository, type VacancyRow } from '../vacancyRepository';
import { standInCode } from './format';

/** An agency of the directory as a feed row finds it (by code or by name). */
export interface FeedAgency {
  id: number;
  code: string;
  name: string;
  address: string;
  /** The agency it was merged into, if any. */
  mergedInto: number | null;
}

/** A vacancy already stored under a feed row's number: where it came from, and what it says. */
export interface StoredVacancy {
  source: string;
  deleted: boolean;
  vacancy: VacancyRow;
}

/** The open-data reads and the legacy feed's upsert. */
export function createOpenDataRepository(db: Db, vacancies: VacancyRepository) {
  return {
    /** Current public vacancies after `afterWorkId`, in work_id order (a keyset batch). */
    async currentBatch(today: string, afterWorkId: number, size: number): Promise<VacancyRow[]> {
      const rows = await vacancies.publicQuery(today).where('v.work_id', '>', afterWorkId).limit(size);
      return rows.map((r: Record<string, unknown>) => toVacancy(r)!);
    },
    /** One page of the vacancies past their 有效期間, newest work_id first. */
    async historyPage(today: string, page: number, size: number): Promise<VacancyRow[]> {
      const rows = await vacancies.publicQuery(today, { history: true }).clearOrder().orderBy('v.work_id', 'desc').limit(size).offset((page - 1) * size);
      return rows.map((r: Record<string, unknown>) => toVacancy(r)!);
    },
    /** Every agency, merged ones included (a feed may still name them). */
    async agencies(trx: Db = db): Promise<FeedAgency[]> {
      const rows = await trx('agency').select('id', 'code', 'name', 'address', 'merged_into').orderBy('id');
      return rows.map((r: Record<string, unknown>) => camelCased<FeedAgency>(r));
    },
    /** Adds an agency a feed named as 「匯入」; one named without a code gets a stand-in code. */
    async addImportedAgency(trx: Db, a: { code: string | null; name: string }, now: Date): Promise<FeedAgency> {
      const { rows } = await trx.raw<{ rows: { id: string }[] }>("SELECT nextval(pg_get_serial_sequence('agency', 'id')) AS id");
      const id = Number(rows[0]!.id);
      const code = a.code ?? standInCode(id);
      await trx('agency').insert({ id, code, name: a.name, address: '', phone: '', origin: 'import', imported_at: now });
      return { id, code, name: a.name, address: '', mergedInto: null };
    },
    /** The vacancies already stored under these numbers. */
    async storedByWorkId(trx: Db, workIds: number[]): Promise<Map<number, StoredVacancy>> {
      const out = new Map<number, StoredVacancy>();
      if (!workIds.length) return out;
      const rows = await trx('jobs_vacancy as v').select(trx.raw(SELECT_SQL), 'v.source as source', trx.raw('v.deleted_at IS NOT NULL AS deleted')).whereIn('v.work_id', workIds);
      for (const r of rows as Record<string, unknown>[]) {
        const vacancy = toVacancy(r)!;
        out.set(vacancy.workId, { source: String(r.source), deleted: r.deleted === true, vacancy });
      }
      return out;
    },
    /** Inserts imported vacancies (approved, with their own work numbers). */
    async insertImported(trx: Db, rows: { workId: number; data: VacancyData }[], now: Date): Promise<void> {
      if (!rows.length) return;
      const values = rows.map((r) => ({ ...toColumns(r.data), work_id: r.workId, status: 'approved', approved_at: now, reviewed_at: now, source: 'import', created_at: now, updated_at: now }));
      for (let i = 0; i < values.length; i += 500) await trx('jobs_vacancy').insert(values.slice(i, i + 500));
    },
    /** Writes the changed fields of an imported vacancy (and brings a deleted one back). */
    async updateImported(trx: Db, workId: number, data: Partial<VacancyData>, now: Date): Promise<void> {
      await trx('jobs_vacancy').where({ work_id: workId, source: 'import' }).update({ ...toColumns(data), deleted_at: null, updated_at: now });
    },
  };
}

export type OpenDataRepository = ReturnType<typeof createOpenDataRepository>;
