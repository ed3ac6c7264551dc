import type { Db } from '../../platform/database';
import { SECTIONS, type SectionKey } from '../sections';

/**
 * A person's row as the record's sections read it: keyed by column, because the correction
 * rules (sections.ts) name fields by column and corrections store those names.
 */
export interface PersonRow {
  id: number;
  national_id: string;
  name: string;
  agency_id: number;
  agency_name: string;
  agency_code: string;
  status: string;
  title: string;
  rank: string;
  series: string;
  unit: string;
  personnel_kind: string;
  appointed_on: string;
  left_on: string | null;
  office_phone: string | null;
  birth_date: string;
  gender: 'M' | 'F';
}

/** A row of a section (education, exams, ...), keyed by column like the section's fields. */
export type Row = Record<string, unknown> & { id: number };

export interface PersonRecord {
  person: PersonRow;
  education: Row[];
  exams: Row[];
  career: Row[];
  ratings: Row[];
  rewards: Row[];
  training: Row[];
}

export interface PayItem {
  item: string;
  kind: 'earning' | 'deduction';
  amount: number;
}

/** Dates come back from pg as Date objects at local midnight; keep them as YYYY-MM-DD. */
function isoDate(d: unknown): string | null {
  if (d == null) return null;
  if (d instanceof Date) {
    const y = d.getFullYear();
    return `${y}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }
  return String(d);
}

const DATE_COLUMNS = new Set(['appointed_on', 'left_on', 'birth_date', 'graduated_on', 'passed_on', 'start_on', 'end_on', 'decided_on', 'finished_on']);

export function normalize<T>(row: T): T {
  const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  for (const k of Object.keys(out)) if (DATE_COLUMNS.has(k)) out[k] = isoDate(out[k]);
  return out as T;
}

/** The master record (公務人力資料庫): the person, the rows of each section and the pay data. */
export function createRecordRepository(db: Db) {
  const person = async (personId: number, trx: Db = db): Promise<PersonRow | null> => {
    const row = await trx('person as p')
      .join('agency as a', 'a.id', 'p.agency_id')
      .where('p.id', personId)
      .first('p.*', 'a.name as agency_name', 'a.code as agency_code');
    return row ? normalize(row as PersonRow) : null;
  };

  const rows = async (section: SectionKey, personId: number): Promise<Row[]> => {
    const def = SECTIONS[section];
    const list = await db(def.table).where({ person_id: personId }).orderBy(def.order ?? 'id', 'desc').orderBy('id', 'desc');
    return list.map((r) => normalize(r as Row));
  };

  return {
    person,
    rows,

    async personByNationalId(nationalId: string): Promise<PersonRow | null> {
      const row = await db('person').where({ national_id: nationalId }).first('id');
      return row ? person(row.id) : null;
    },

    async record(personId: number): Promise<PersonRecord | null> {
      const p = await person(personId);
      if (!p) return null;
      const [education, exams, career, ratings, rewards, training] = await Promise.all(
        (['education', 'exams', 'career', 'ratings', 'rewards', 'training'] as const).map((s) => rows(s, personId)),
      );
      return { person: p, education: education!, exams: exams!, career: career!, ratings: ratings!, rewards: rewards!, training: training! };
    },

    /** Holds the person's row until the transaction ends (one consent change at a time). */
    async lockPerson(trx: Db, personId: number) {
      await trx('person').where({ id: personId }).forUpdate().first('id');
    },

    // --- pay ---
    async payMonths(personId: number): Promise<string[]> {
      const list = await db('mydata_pay_item').where({ person_id: personId }).distinct('month').orderBy('month', 'desc');
      return list.map((r) => r.month as string);
    },
    payItems(personId: number, month: string): Promise<PayItem[]> {
      return db('mydata_pay_item').where({ person_id: personId, month }).select('item', 'kind', 'amount').orderBy('sort_order').orderBy('id');
    },
  };
}

export type RecordRepository = ReturnType<typeof createRecordRepository>;
