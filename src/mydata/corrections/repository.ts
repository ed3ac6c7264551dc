import type { Db } from '../../platform/database';
import { SECTIONS, type SectionKey } from '../sections';
import { normalize } from '../record/repository';

export type CorrectionStatus = 'submitted' | 'processing' | 'corrected' | 'rejected';

export interface Correction {
  id: number;
  personId: number;
  agencyId: number;
  section: SectionKey;
  recordId: number | null;
  field: string;
  reason: string;
  proposed: string;
  status: CorrectionStatus;
  decisionNote: string | null;
  beforeValue: string | null;
  afterValue: string | null;
  handledByAccountId: number | null;
  createdAt: Date;
  updatedAt: Date;
  personName?: string;
}

export interface Attachment {
  id: number;
  correctionId: number;
  storedName: string;
  originalName: string;
  mime: string;
  size: number;
  sha256: string;
}

const CORRECTION_COLUMNS = [
  'c.id', 'c.person_id as personId', 'c.agency_id as agencyId', 'c.section', 'c.record_id as recordId', 'c.field', 'c.reason', 'c.proposed', 'c.status',
  'c.decision_note as decisionNote', 'c.before_value as beforeValue', 'c.after_value as afterValue', 'c.handled_by_account_id as handledByAccountId',
  'c.created_at as createdAt', 'c.updated_at as updatedAt',
];
const ATTACHMENT_COLUMNS = ['id', 'correction_id as correctionId', 'stored_name as storedName', 'original_name as originalName', 'mime', 'size', 'sha256'];

/** What handling a correction changes. */
export interface CorrectionPatch {
  status: CorrectionStatus;
  decisionNote?: string;
  beforeValue?: string;
  afterValue?: string;
  handledByAccountId: number | null;
  updatedAt: Date;
}

/** 更正申請 (mydata_correction), their proof, and the master-record row a correction changes. */
export function createCorrectionsRepository(db: Db) {
  return {
    async insertCorrection(trx: Db, c: { personId: number; agencyId: number; section: SectionKey; recordId: number | null; field: string; reason: string; proposed: string; createdAt: Date }) {
      const [r] = await trx('mydata_correction')
        .insert({
          person_id: c.personId, agency_id: c.agencyId, section: c.section, record_id: c.recordId, field: c.field, reason: c.reason, proposed: c.proposed,
          created_at: c.createdAt, updated_at: c.createdAt,
        })
        .returning('id');
      return (r as { id: number }).id;
    },
    async insertAttachments(trx: Db, rows: Omit<Attachment, 'id'>[]) {
      if (rows.length) {
        await trx('mydata_correction_attachment').insert(
          rows.map((a) => ({ correction_id: a.correctionId, stored_name: a.storedName, original_name: a.originalName, mime: a.mime, size: a.size, sha256: a.sha256 })),
        );
      }
    },
    async correction(id: number, trx: Db = db): Promise<Correction | null> {
      const row = await trx('mydata_correction as c').join('person as p', 'p.id', 'c.person_id').where('c.id', id).first([...CORRECTION_COLUMNS, 'p.name as personName']);
      return (row as Correction) ?? null;
    },
    async lockCorrection(trx: Db, id: number): Promise<Correction | null> {
      return ((await trx('mydata_correction as c').where('c.id', id).forUpdate().first(CORRECTION_COLUMNS)) as Correction) ?? null;
    },
    async updateCorrection(trx: Db, id: number, patch: CorrectionPatch) {
      await trx('mydata_correction')
        .where({ id })
        .update({
          status: patch.status, decision_note: patch.decisionNote, before_value: patch.beforeValue, after_value: patch.afterValue,
          handled_by_account_id: patch.handledByAccountId, updated_at: patch.updatedAt,
        });
    },
    attachments(correctionId: number): Promise<Attachment[]> {
      return db('mydata_correction_attachment').where({ correction_id: correctionId }).select(ATTACHMENT_COLUMNS).orderBy('id');
    },
    async attachment(id: number): Promise<Attachment | null> {
      return (await db('mydata_correction_attachment').where({ id }).first(ATTACHMENT_COLUMNS)) ?? null;
    },
    correctionsOf(personId: number): Promise<Correction[]> {
      return db('mydata_correction as c').where('c.person_id', personId).select(CORRECTION_COLUMNS).orderBy('c.id', 'desc');
    },
    async correctionQueue(agencyIds: number[], status: string | null, limit: number, offset: number) {
      const base = db('mydata_correction as c').join('person as p', 'p.id', 'c.person_id').whereIn('c.agency_id', agencyIds);
      if (status) base.where('c.status', status);
      const [{ count }] = (await base.clone().count({ count: '*' })) as [{ count: string }];
      const list = await base
        .select([...CORRECTION_COLUMNS, 'p.name as personName'])
        .orderByRaw("CASE c.status WHEN 'submitted' THEN 0 WHEN 'processing' THEN 1 ELSE 2 END")
        .orderBy('c.id', 'desc')
        .limit(limit)
        .offset(offset);
      return { total: Number(count), list: list as Correction[] };
    },

    /** The row a correction targets, locked for the update (keyed by column, like the section's fields). */
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
  };
}

export type CorrectionsRepository = ReturnType<typeof createCorrectionsRepository>;
