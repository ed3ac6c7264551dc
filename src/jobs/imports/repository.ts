import type { Db } from '../../platform/database';
import { camelCased } from '../../platform/rows';

/** An agency a vacancy feed added to the directory as 「匯入」. */
export interface ImportedAgency {
  id: number;
  code: string;
  name: string;
  importedAt: Date;
  confirmedAt: Date | null;
  mergedInto: number | null;
  vacancies: number;
}

/** An agency an imported one may be merged into. */
export interface DirectoryAgency {
  id: number;
  code: string;
  name: string;
  address: string;
}

/** The agencies feeds added, and what confirming or merging one writes. */
export function createImportsRepository(db: Db) {
  const counted = (trx: Db) =>
    trx('agency as a')
      .where('a.origin', 'import')
      .select('a.id', 'a.code', 'a.name', 'a.imported_at', 'a.confirmed_at', 'a.merged_into')
      .select(trx.raw('(SELECT count(*)::int FROM jobs_vacancy v WHERE v.agency_id = a.id AND v.deleted_at IS NULL) AS vacancies'));
  return {
    /** Added by a feed, neither confirmed nor merged yet: oldest first. */
    async pending(): Promise<ImportedAgency[]> {
      const rows = await counted(db).whereNull('a.confirmed_at').whereNull('a.merged_into').orderBy([{ column: 'a.imported_at' }, { column: 'a.id' }]);
      return rows.map((r: Record<string, unknown>) => camelCased<ImportedAgency>(r));
    },
    async byId(id: number, trx: Db = db, opts: { lock?: boolean } = {}): Promise<ImportedAgency | undefined> {
      const q = counted(trx).where('a.id', id);
      const row = await (opts.lock ? q.forUpdate('a') : q).first();
      return row ? camelCased<ImportedAgency>(row) : undefined;
    },
    /** Agencies of the directory (not merged away, not awaiting confirmation) whose names are like `name`. */
    async similar(name: string, excludeId: number, limit = 5): Promise<DirectoryAgency[]> {
      return db('agency')
        .select('id', 'code', 'name', 'address')
        .whereNull('merged_into')
        .where('active', true)
        .whereNot('id', excludeId)
        .where((w) => w.where('origin', 'directory').orWhereNotNull('confirmed_at'))
        .orderByRaw('similarity(name, ?) DESC, id', [name])
        .limit(limit);
    },
    /** The agency of a code, if it may receive a merge (of the directory, or confirmed). */
    async mergeTarget(trx: Db, code: string): Promise<DirectoryAgency | undefined> {
      return trx('agency')
        .select('id', 'code', 'name', 'address')
        .where({ code, active: true })
        .whereNull('merged_into')
        .where((w) => w.where('origin', 'directory').orWhereNotNull('confirmed_at'))
        .first();
    },
    async confirm(trx: Db, id: number, now: Date): Promise<void> {
      await trx('agency').where({ id }).update({ confirmed_at: now });
    },
    /** Moves the agency's vacancies to `into`, and leaves it (inactive) pointing there; how many moved. */
    async merge(trx: Db, id: number, into: DirectoryAgency, now: Date): Promise<number> {
      const moved = await trx('jobs_vacancy').where({ agency_id: id }).update({ agency_id: into.id, org_id: into.code, agency_address: into.address, updated_at: now });
      await trx('agency').where({ id }).update({ merged_into: into.id, active: false });
      return moved;
    },
  };
}

export type ImportsRepository = ReturnType<typeof createImportsRepository>;
