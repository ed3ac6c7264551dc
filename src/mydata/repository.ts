import type { Db } from '../platform/database';
import { SECTIONS, type SectionKey } from './sections';

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

export interface CorrectionRow {
  id: number;
  person_id: number;
  agency_id: number;
  section: SectionKey;
  record_id: number | null;
  field: string;
  reason: string;
  proposed: string;
  status: 'submitted' | 'processing' | 'corrected' | 'rejected';
  decision_note: string | null;
  before_value: string | null;
  after_value: string | null;
  handled_by_account_id: number | null;
  created_at: Date;
  updated_at: Date;
  person_name?: string;
}

export interface AttachmentRow {
  id: number;
  correction_id: number;
  stored_name: string;
  original_name: string;
  mime: string;
  size: number;
  sha256: string;
}

export interface DocumentRow {
  id: number;
  person_id: number;
  agency_id: number;
  code: string;
  kind: string;
  title: string;
  content: Record<string, string>;
  stored_name: string;
  sha256: string;
  signature: string;
  signer: string;
  delivery: 'online' | 'paper';
  issued_by_account_id: number | null;
  issued_at: Date;
  printed_at: Date | null;
  person_name?: string;
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

function normalize<T>(row: T): T {
  const out: Record<string, unknown> = { ...(row as Record<string, unknown>) };
  for (const k of Object.keys(out)) if (DATE_COLUMNS.has(k)) out[k] = isoDate(out[k]);
  return out as T;
}

export function createMydataRepository(db: Db) {
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

    /** The row a correction targets, locked for the update. */
    async targetRow(trx: Db, section: SectionKey, personId: number, recordId: number | null): Promise<Record<string, unknown> | null> {
      const def = SECTIONS[section];
      const q = trx(def.table).forUpdate();
      const row = def.multi ? await q.where({ id: recordId ?? 0, person_id: personId }).first() : await q.where({ id: personId }).first();
      return row ? normalize(row) : null;
    },

    async updateTarget(trx: Db, section: SectionKey, personId: number, recordId: number | null, field: string, value: unknown) {
      const def = SECTIONS[section];
      const q = trx(def.table);
      if (def.multi) await q.where({ id: recordId!, person_id: personId }).update({ [field]: value });
      else await q.where({ id: personId }).update({ [field]: value });
    },

    // --- self-description ---
    async selfDescription(personId: number) {
      return db('mydata_self_description').where({ person_id: personId }).orderBy('id', 'desc').first();
    },
    async selfDescriptionHistory(personId: number, limit = 20) {
      return db('mydata_self_description').where({ person_id: personId }).orderBy('id', 'desc').limit(limit);
    },
    async saveSelfDescription(trx: Db, personId: number, body: string, accountId: number, at: Date) {
      const [row] = await trx('mydata_self_description').insert({ person_id: personId, body, account_id: accountId || null, saved_at: at }).returning('id');
      return (row as { id: number }).id;
    },

    // --- pay ---
    async payMonths(personId: number): Promise<string[]> {
      const list = await db('mydata_pay_item').where({ person_id: personId }).distinct('month').orderBy('month', 'desc');
      return list.map((r) => r.month as string);
    },
    async payItems(personId: number, month: string) {
      return db('mydata_pay_item').where({ person_id: personId, month }).orderBy('sort_order').orderBy('id');
    },

    // --- consent ---
    async consentEvents(personId: number, trx: Db = db) {
      return trx('mydata_consent_event').where({ person_id: personId }).orderBy('id', 'desc');
    },
    async addConsentEvent(trx: Db, personId: number, action: 'grant' | 'withdraw', accountId: number, at: Date) {
      await trx('mydata_consent_event').insert({ person_id: personId, action, account_id: accountId || null, at });
    },

    // --- corrections ---
    async insertCorrection(trx: Db, row: Omit<CorrectionRow, 'id' | 'status' | 'decision_note' | 'before_value' | 'after_value' | 'handled_by_account_id' | 'updated_at'>) {
      const [r] = await trx('mydata_correction').insert({ ...row, updated_at: row.created_at }).returning('id');
      return (r as { id: number }).id;
    },
    async insertAttachments(trx: Db, rows: Omit<AttachmentRow, 'id'>[]) {
      if (rows.length) await trx('mydata_correction_attachment').insert(rows);
    },
    async correction(id: number, trx: Db = db): Promise<CorrectionRow | null> {
      const row = await trx('mydata_correction as c').join('person as p', 'p.id', 'c.person_id').where('c.id', id).first('c.*', 'p.name as person_name');
      return (row as CorrectionRow) ?? null;
    },
    async lockCorrection(trx: Db, id: number): Promise<CorrectionRow | null> {
      return ((await trx('mydata_correction').where({ id }).forUpdate().first()) as CorrectionRow) ?? null;
    },
    async attachments(correctionId: number): Promise<AttachmentRow[]> {
      return db('mydata_correction_attachment').where({ correction_id: correctionId }).orderBy('id');
    },
    async attachment(id: number): Promise<AttachmentRow | null> {
      return (await db('mydata_correction_attachment').where({ id }).first()) ?? null;
    },
    async correctionsOf(personId: number): Promise<CorrectionRow[]> {
      return db('mydata_correction').where({ person_id: personId }).orderBy('id', 'desc');
    },
    async correctionQueue(agencyIds: number[], status: string | null, limit: number, offset: number) {
      const base = db('mydata_correction as c').join('person as p', 'p.id', 'c.person_id').whereIn('c.agency_id', agencyIds);
      if (status) base.where('c.status', status);
      const [{ count }] = (await base.clone().count({ count: '*' })) as [{ count: string }];
      const list = await base.select('c.*', 'p.name as person_name').orderByRaw("CASE c.status WHEN 'submitted' THEN 0 WHEN 'processing' THEN 1 ELSE 2 END").orderBy('c.id', 'desc').limit(limit).offset(offset);
      return { total: Number(count), list: list as CorrectionRow[] };
    },
    async updateCorrection(trx: Db, id: number, patch: Partial<CorrectionRow>) {
      await trx('mydata_correction').where({ id }).update(patch);
    },

    // --- documents ---
    async insertDocument(trx: Db, row: Omit<DocumentRow, 'id' | 'printed_at' | 'person_name'>) {
      const [r] = await trx('mydata_document').insert({ ...row, content: JSON.stringify(row.content) }).returning('id');
      return (r as { id: number }).id;
    },
    async document(id: number): Promise<DocumentRow | null> {
      const row = await db('mydata_document as d').join('person as p', 'p.id', 'd.person_id').where('d.id', id).first('d.*', 'p.name as person_name');
      return (row as DocumentRow) ?? null;
    },
    async onlineDocumentsOf(personId: number): Promise<DocumentRow[]> {
      return db('mydata_document').where({ person_id: personId, delivery: 'online' }).orderBy('id', 'desc');
    },
    async documentsOfAgencies(agencyIds: number[], limit: number, offset: number) {
      const base = db('mydata_document as d').join('person as p', 'p.id', 'd.person_id').whereIn('d.agency_id', agencyIds);
      const [{ count }] = (await base.clone().count({ count: '*' })) as [{ count: string }];
      const list = await base.select('d.*', 'p.name as person_name').orderBy('d.id', 'desc').limit(limit).offset(offset);
      return { total: Number(count), list: list as DocumentRow[] };
    },
    async markPrinted(trx: Db, id: number, at: Date) {
      await trx('mydata_document').where({ id }).whereNull('printed_at').update({ printed_at: at });
    },

    // --- announcements ---
    async announcements(today: string) {
      return db('mydata_announcement').where('publish_on', '<=', today).orderBy('publish_on', 'desc').orderBy('id', 'desc').limit(10);
    },
  };
}

export type MydataRepository = ReturnType<typeof createMydataRepository>;
