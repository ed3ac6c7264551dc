import type { Db } from '../../platform/database';
import type { ApplicationStatus, Search } from './schemas';
import type { Answers, WizardState } from './wizard';
import { parseDateInput } from '../../platform/dates';
import { keptRead } from '../../platform/readCache';

export interface CatalogService {
  id: number;
  code: string;
  name: string;
  description: string;
  category: string;
  supportsFile: boolean;
  supportsWs: boolean;
}

export interface DraftFile {
  storedName: string;
  originalName: string;
  mime: string;
  size: number;
  sha256: string;
}

/** A wizard draft: its state (answers, completed steps) as the wizard reads it. */
export interface Draft extends WizardState {
  id: string;
  agencyId: number;
  answers: Answers;
  completed: string[];
  file: DraftFile | null;
  submittedAt: Date | null;
  createdAt: Date;
}

export interface ApplicationLine {
  id: number;
  serviceId: number;
  code: string;
  name: string;
  description: string;
  category: string;
  result: string;
  note: string | null;
}

export interface Application {
  id: number;
  number: string;
  kind: 'file' | 'ws';
  draftId: string | null;
  agencyId: number;
  agencyCode: string;
  agencyName: string;
  contactName: string;
  contactPhone: string;
  contactEmail: string;
  periodFrom: string;
  periodTo: string;
  purpose: string;
  legalBasis: string;
  specificPurpose: string;
  systemName: string;
  os: string;
  language: string;
  databaseName: string;
  computerName: string;
  ipAddresses: string[];
  userScopes: string[];
  conditions: string | null;
  file: DraftFile | null;
  status: ApplicationStatus;
  digest: string;
  cardNumber: string | null;
  certThumbprint: string;
  verificationCode: string;
  submittedAt: Date;
  reviewNote: string | null;
  reviewerName: string | null;
  reviewedAt: Date | null;
}

export interface ApplicationRow {
  id: number;
  number: string;
  kind: 'file' | 'ws';
  agencyName: string;
  agencyCode: string;
  contactName: string;
  serviceNames: string;
  submittedAt: Date;
  periodFrom: string;
  periodTo: string;
  status: ApplicationStatus;
}

const fileOf = (r: Record<string, unknown>): DraftFile | null =>
  r.file_stored_name
    ? { storedName: String(r.file_stored_name), originalName: String(r.file_original_name), mime: String(r.file_mime), size: Number(r.file_size), sha256: String(r.file_sha256) }
    : null;

const fileColumns = (f: DraftFile | null) => ({
  file_stored_name: f?.storedName ?? null,
  file_original_name: f?.originalName ?? null,
  file_mime: f?.mime ?? null,
  file_size: f?.size ?? null,
  file_sha256: f?.sha256 ?? null,
});

const ymd = (d: unknown): string => (d instanceof Date ? `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}` : String(d));

function toDraft(r: Record<string, unknown>): Draft {
  return {
    id: String(r.id),
    agencyId: Number(r.agency_id),
    answers: (r.answers as Draft['answers']) ?? {},
    completed: (r.completed as string[]) ?? [],
    file: fileOf(r),
    submittedAt: (r.submitted_at as Date) ?? null,
    createdAt: r.created_at as Date,
  };
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A signed application as it is filed (its services and uploaded file go in beside it). */
export type NewApplication = Omit<Application, 'id' | 'draftId' | 'agencyCode' | 'agencyName' | 'file' | 'status' | 'reviewNote' | 'reviewerName' | 'reviewedAt'> & {
  draftId: string;
  tbs: string;
  signature: string;
  certb64: string;
  /** The card's encryption certificate (cert2) and its SHA-256 thumbprint; null for a 介接 application read without one. */
  encCertb64: string | null;
  encCertThumbprint: string | null;
};

export function createApplyRepository(db: Db) {
  /** 進度查詢 / 申請審核管理, from the database. */
  async function readSearch(f: Search, agencyId: number | null, page: number, pageSize = 20): Promise<{ rows: ApplicationRow[]; total: number; page: number; pages: number }> {
    const q = db('cloud_application as a').join('agency as g', 'g.id', 'a.agency_id');
    if (agencyId !== null) q.where('a.agency_id', agencyId);
    if (f.agency) q.where((w) => w.whereILike('g.name', `%${escapeLike(f.agency)}%`).orWhereILike('g.code', `${escapeLike(f.agency)}%`));
    if (f.number) q.whereILike('a.number', `${escapeLike(f.number)}%`);
    const from = f.from ? parseDateInput(f.from) : null;
    const to = f.to ? parseDateInput(f.to) : null;
    if (from) q.where('a.submitted_at', '>=', db.raw("(?::date)::timestamp AT TIME ZONE 'Asia/Taipei'", [from]));
    if (to) q.where('a.submitted_at', '<', db.raw("((?::date) + 1)::timestamp AT TIME ZONE 'Asia/Taipei'", [to]));
    if (f.status.length) q.whereIn('a.status', f.status);
    if (f.kind.length) q.whereIn('a.kind', f.kind);
    const counted = (await q.clone().count({ count: '*' })) as Array<{ count: string | number }>;
    const total = Number(counted[0]?.count ?? 0);
    const pages = Math.max(1, Math.ceil(total / pageSize));
    const p = Math.min(page, pages);
    const rows = await q
      .orderBy([{ column: 'a.submitted_at', order: 'desc' }, { column: 'a.id', order: 'desc' }])
      .limit(pageSize)
      .offset((p - 1) * pageSize)
      .select(
        'a.id',
        'a.number',
        'a.kind',
        'g.name as agency_name',
        'g.code as agency_code',
        'a.contact_name',
        'a.submitted_at',
        'a.period_from',
        'a.period_to',
        'a.status',
        db.raw(
          "(SELECT string_agg(s.name, '、' ORDER BY s.sort_order, s.code) FROM cloud_application_service l JOIN cloud_service s ON s.id = l.service_id WHERE l.application_id = a.id) AS service_names",
        ),
      );
    return {
      rows: rows.map((r) => ({
        id: r.id,
        number: r.number,
        kind: r.kind,
        agencyName: r.agency_name,
        agencyCode: r.agency_code,
        contactName: r.contact_name,
        serviceNames: r.service_names ?? '',
        submittedAt: r.submitted_at,
        periodFrom: ymd(r.period_from),
        periodTo: ymd(r.period_to),
        status: r.status,
      })),
      total,
      page: p,
      pages,
    };
  }

  return {
    async catalog(): Promise<CatalogService[]> {
      const rows = await db('cloud_service').where({ active: true }).orderBy([{ column: 'sort_order' }, { column: 'code' }]);
      return rows.map((r) => ({
        id: r.id,
        code: r.code,
        name: r.name,
        description: r.description,
        category: r.category,
        supportsFile: r.supports_file,
        supportsWs: r.supports_ws,
      }));
    },

    async createDraft(agencyId: number, now: Date): Promise<string> {
      const [row] = await db('cloud_application_draft').insert({ agency_id: agencyId, created_at: now, updated_at: now }).returning('id');
      return String(row.id);
    },

    async draft(id: string, trx: Db = db, lock = false): Promise<Draft | null> {
      if (!UUID_RE.test(id)) return null;
      const q = trx('cloud_application_draft').where({ id }).first();
      if (lock) q.forUpdate();
      const r = await q;
      return r ? toDraft(r) : null;
    },

    async saveDraft(id: string, patch: { answers: Draft['answers']; completed: string[]; file?: DraftFile | null }, now: Date, trx: Db = db) {
      await trx('cloud_application_draft')
        .where({ id })
        .whereNull('submitted_at')
        .update({
          answers: JSON.stringify(patch.answers),
          completed: patch.completed,
          ...(patch.file !== undefined ? fileColumns(patch.file) : {}),
          updated_at: now,
        });
    },

    async markSubmitted(id: string, now: Date, trx: Db) {
      await trx('cloud_application_draft').where({ id }).update({ submitted_at: now, updated_at: now });
    },

    /** Drafts left unsubmitted since `before`, with their files, to be removed. */
    async staleDrafts(before: Date): Promise<Draft[]> {
      const rows = await db('cloud_application_draft').whereNull('submitted_at').where('updated_at', '<', before).limit(500);
      return rows.map(toDraft);
    },

    async deleteDraft(id: string) {
      await db('cloud_application_draft').where({ id }).whereNull('submitted_at').del();
    },

    async insertApplication(a: NewApplication, file: DraftFile | null, serviceIds: number[], trx: Db): Promise<number> {
      const [app] = await trx('cloud_application')
        .insert({
          number: a.number, kind: a.kind, draft_id: a.draftId, agency_id: a.agencyId, contact_name: a.contactName, contact_phone: a.contactPhone,
          contact_email: a.contactEmail, period_from: a.periodFrom, period_to: a.periodTo, purpose: a.purpose, legal_basis: a.legalBasis,
          specific_purpose: a.specificPurpose, system_name: a.systemName, os: a.os, language: a.language, database_name: a.databaseName,
          computer_name: a.computerName, ip_addresses: a.ipAddresses, user_scopes: a.userScopes, conditions: a.conditions, digest: a.digest, tbs: a.tbs,
          signature: a.signature, certb64: a.certb64, cert_thumbprint: a.certThumbprint, enc_certb64: a.encCertb64, enc_cert_thumbprint: a.encCertThumbprint, card_number: a.cardNumber, verification_code: a.verificationCode,
          submitted_at: a.submittedAt,
          ...fileColumns(file),
        })
        .returning('id');
      await trx('cloud_application_service').insert(serviceIds.map((service_id) => ({ application_id: app.id, service_id })));
      return Number(app.id);
    },

    async application(id: number, trx: Db = db, lock = false): Promise<Application | null> {
      const q = trx('cloud_application as a')
        .join('agency as g', 'g.id', 'a.agency_id')
        .where('a.id', id)
        .select('a.*', 'g.code as agency_code', 'g.name as agency_name', trx.raw('(SELECT array_agg(host(ip)) FROM unnest(a.ip_addresses) AS ip) AS ips'))
        .first();
      if (lock) q.forUpdate('a');
      const r = await q;
      if (!r) return null;
      return {
        id: r.id,
        number: r.number,
        kind: r.kind,
        draftId: r.draft_id,
        agencyId: r.agency_id,
        agencyCode: r.agency_code,
        agencyName: r.agency_name,
        contactName: r.contact_name,
        contactPhone: r.contact_phone,
        contactEmail: r.contact_email,
        periodFrom: ymd(r.period_from),
        periodTo: ymd(r.period_to),
        purpose: r.purpose,
        legalBasis: r.legal_basis,
        specificPurpose: r.specific_purpose,
        systemName: r.system_name,
        os: r.os,
        language: r.language,
        databaseName: r.database_name,
        computerName: r.computer_name,
        ipAddresses: (r.ips as string[] | null) ?? [],
        userScopes: r.user_scopes,
        conditions: r.conditions,
        file: fileOf(r),
        status: r.status,
        digest: r.digest,
        cardNumber: r.card_number,
        certThumbprint: r.cert_thumbprint,
        verificationCode: r.verification_code,
        submittedAt: r.submitted_at,
        reviewNote: r.review_note,
        reviewerName: r.reviewer_name,
        reviewedAt: r.reviewed_at,
      };
    },

    async applicationIdByDraft(draftId: string): Promise<number | null> {
      const r = await db('cloud_application').where({ draft_id: draftId }).first('id');
      return r ? Number(r.id) : null;
    },

    async lines(applicationId: number, trx: Db = db): Promise<ApplicationLine[]> {
      const rows = await trx('cloud_application_service as l')
        .join('cloud_service as s', 's.id', 'l.service_id')
        .where('l.application_id', applicationId)
        .orderBy([{ column: 's.sort_order' }, { column: 's.code' }])
        .select('l.id', 'l.service_id', 's.code', 's.name', 's.description', 's.category', 'l.result', 'l.note');
      return rows.map((r) => ({ id: r.id, serviceId: r.service_id, code: r.code, name: r.name, description: r.description, category: r.category, result: r.result, note: r.note }));
    },

    async decide(lineId: number, result: 'approved' | 'rejected', note: string, now: Date, trx: Db) {
      await trx('cloud_application_service').where({ id: lineId, result: 'pending' }).update({ result, note: note || null, reviewed_at: now });
    },

    async finishReview(id: number, patch: { status: ApplicationStatus; reviewNote: string; reviewedBy: number | null; reviewerName: string }, now: Date, trx: Db) {
      await trx('cloud_application')
        .where({ id })
        .update({ status: patch.status, review_note: patch.reviewNote || null, reviewed_by: patch.reviewedBy, reviewer_name: patch.reviewerName, reviewed_at: now });
    },

    /**
     * 進度查詢 / 申請審核管理: `agencyId` limits to one agency (null: every agency). One agency's
     * list without a search is kept until its applications (or an agency or service name) change.
     */
    search(f: Search, agencyId: number | null, page: number, pageSize = 20): Promise<{ rows: ApplicationRow[]; total: number; page: number; pages: number }> {
      const read = () => readSearch(f, agencyId, page, pageSize);
      if (agencyId === null || f.agency || f.number || f.from || f.to) return read();
      const key = `cloud.search:${agencyId}:${JSON.stringify([f.status, f.kind, page, pageSize])}`;
      return keptRead(db, key, [`cloud_application:${agencyId}`, 'cloud_application_service', 'cloud_service', 'agency'], read);
    },
  };
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export type ApplyRepository = ReturnType<typeof createApplyRepository>;
