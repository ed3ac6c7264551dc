import crypto from 'node:crypto';
import { actorOf } from '../platform/identity/actor';
import type { MydataDeps } from './deps';
import type { SessionUser } from '../platform/identity/sessionUser';
import type { RequestContext } from '../platform/identity/context';
import type { ReceivedFile } from '../platform/uploads';
import { DomainError, ForbiddenError, FormError, NotFoundError } from '../platform/errors';
import { parseDateInput, rocShort, taipeiToday } from '../platform/dates';
import { parseForm } from '../platform/validation';
import { loadPlatformPki, type PlatformPki } from '../platform/pki/platform';
import { createMydataRepository, type CorrectionRow, type DocumentRow, type PersonRow } from './repository';
import { documentBuffer, maskNationalId, resumeBuffer } from './pdf';
import { acceptSchema, correctionSchema, issueSchema, rejectSchema, selfDescriptionSchema } from './schemas';
import { DOCUMENT_KINDS, GENDERS, ONLINE_REWARD_KINDS, SECTIONS, type FieldDef, type SectionKey } from './sections';

type Ctx = RequestContext;


/** Four eyes: nobody handles a correction of their own record or issues a document to themselves. */
export const OWN_CORRECTION_MESSAGE = '這是您本人的更正申請，須由本機關其他人事人員或人事主管處理。';
export const OWN_DOCUMENT_MESSAGE = '不得核發文件予您本人，請由本機關其他人事人員或人事主管辦理。';
export const OWN_DOCUMENT_PRINT_MESSAGE = '這是核發予您本人的文件，須由本機關其他人事人員列印送達。';

/** Proof attached to a correction request. */

/** A value as the record shows it. */
export function displayValue(def: FieldDef, value: unknown): string {
  if (value == null || value === '') return '';
  if (def.type === 'date') return rocShort(String(value));
  if (def.type === 'enum') return def.options?.[String(value)] ?? String(value);
  if (def.type === 'int' && def.label === '年度') return `${Number(value) - 1911}`;
  return String(value);
}

/** Checks a corrected value against its field; returns what the column stores. */
export function coerceValue(def: FieldDef, raw: string): { ok: true; value: string | number | null } | { ok: false; message: string } {
  const s = raw.trim();
  if (s === '' && def.optional) return { ok: true, value: null };
  if (s === '') return { ok: false, message: `請輸入${def.label}` };
  switch (def.type) {
    case 'text':
      return [...s].length > (def.max ?? 200) ? { ok: false, message: `${def.label}不可超過 ${def.max} 個字` } : { ok: true, value: s };
    case 'date': {
      const d = parseDateInput(s);
      return d ? { ok: true, value: d } : { ok: false, message: `${def.label}格式錯誤，請輸入日期，例如 115/11/24` };
    }
    case 'int': {
      if (!/^\d{1,4}$/.test(s)) return { ok: false, message: `${def.label}請輸入數字` };
      let n = Number(s);
      // 年度 is typed in the ROC calendar (e.g. 114) and stored as the Western year.
      if (def.label === '年度') n = n < 1000 ? n + 1911 : n;
      else if (n < (def.min ?? 0) || n > (def.maxInt ?? 9999)) return { ok: false, message: `${def.label}須介於 ${def.min ?? 0} 至 ${def.maxInt} 之間` };
      return { ok: true, value: n };
    }
    case 'enum': {
      const opts = def.options ?? {};
      const key = Object.keys(opts).find((k) => k === s || opts[k] === s);
      return key ? { ok: true, value: key } : { ok: false, message: `${def.label}須為：${Object.values(opts).join('、')}` };
    }
  }
}

export function createMydataService(core: MydataDeps) {
  const { db, audit, clock, uploads, verification } = core;
  const repo = createMydataRepository(db);
  let pki: PlatformPki | null = null;
  const platformPki = () => (pki ??= loadPlatformPki(core.config.pkiDir));


  async function denied(u: SessionUser, action: string, target: { type: string; id: string | number }, ctx: Ctx, details: Record<string, unknown> = {}) {
    await audit.record({ actor: actorOf(u), action, outcome: 'denied', target, ip: ctx.ip, requestId: ctx.requestId, details });
  }

  /** The agencies whose people this user handles as HR staff or supervisor. */
  function hrAgencies(u: SessionUser): number[] {
    return [...new Set(u.roles.filter((r) => r.role === 'hr_staff' || r.role === 'hr_supervisor').map((r) => r.agencyId ?? u.agencyId))];
  }

  async function personOrFail(personId: number): Promise<PersonRow> {
    const p = await repo.person(personId);
    if (!p) throw new NotFoundError('查無人事資料');
    return p;
  }

  async function consentState(personId: number) {
    const events = await repo.consentEvents(personId);
    return { granted: events[0]?.action === 'grant', since: events[0]?.at ?? null, events };
  }

  async function resumePdf(personId: number, opts: { extraText?: string } = {}): Promise<Buffer> {
    const record = await repo.record(personId);
    if (!record) throw new NotFoundError('查無人事資料');
    const self = await repo.selfDescription(personId);
    return resumeBuffer(record, self?.body ?? null, { extraText: opts.extraText, printedAt: clock() });
  }

  /** Whether a row (a correction, a document) is about the user's own record. */
  const isOwn = (u: SessionUser, row: { person_id: number }) => !!u.personId && row.person_id === u.personId;

  /**
   * An HR user's access to a correction for handling (`step`: view, take, accept, reject);
   * out of scope → 404, the user's own request → 403 (four eyes), both with an audit entry.
   */
  async function hrCorrection(u: SessionUser, id: number, ctx: Ctx, step: string): Promise<CorrectionRow> {
    const c = await repo.correction(id);
    if (!c || !hrAgencies(u).includes(c.agency_id)) {
      await denied(u, 'mydata.correction.denied', { type: 'mydata_correction', id }, ctx, { as: 'hr', step });
      throw new NotFoundError('查無此更正申請');
    }
    if (isOwn(u, c)) {
      await denied(u, 'mydata.correction.denied', { type: 'mydata_correction', id }, ctx, { as: 'hr', step, reason: 'own_record' });
      throw new ForbiddenError(OWN_CORRECTION_MESSAGE);
    }
    return c;
  }

  return {
    repo,
    resumePdf,
    hrAgencies,
    isHr: (u: SessionUser | undefined) => !!u && hrAgencies(u).length > 0,

    async record(personId: number) {
      const r = await repo.record(personId);
      if (!r) throw new NotFoundError('查無人事資料');
      return r;
    },

    async resumeFor(u: SessionUser, ctx: Ctx) {
      const pdf = await resumePdf(u.personId);
      await audit.record({ actor: actorOf(u), action: 'mydata.resume.download', target: { type: 'person', id: u.personId }, ip: ctx.ip, requestId: ctx.requestId });
      return pdf;
    },

    // --- corrections ---

    /** The choices of the correction form of a section: its rows and fields. */
    async correctionChoices(personId: number, section: SectionKey) {
      const def = SECTIONS[section];
      const rows = def.multi ? await repo.rows(section, personId) : [];
      return { def, rows };
    },

    /**
     * Files a correction request with its proof; on bad input nothing is kept (the
     * received files are discarded by the caller on a FormError).
     */
    async submitCorrection(u: SessionUser, section: SectionKey, body: unknown, files: ReceivedFile[], ctx: Ctx): Promise<number> {
      const def = SECTIONS[section];
      const errors: Record<string, string> = {};
      let input: ReturnType<typeof correctionSchema.parse> | null = null;
      try {
        input = parseForm(correctionSchema, body);
      } catch (err) {
        if (!(err instanceof FormError)) throw err;
        Object.assign(errors, err.errors);
      }
      const raw = body as Record<string, unknown>;
      const field = typeof raw?.field === 'string' ? raw.field : '';
      const fieldDef = Object.hasOwn(def.fields, field) ? def.fields[field] : undefined;
      if (!fieldDef) errors.field ??= '請選擇要更正的欄位';
      let recordId: number | null = null;
      if (def.multi) {
        recordId = input?.recordId ?? (typeof raw?.recordId === 'string' && /^\d{1,9}$/.test(raw.recordId) ? Number(raw.recordId) : null);
        const own = recordId !== null && (await repo.rows(section, u.personId)).some((r) => r.id === recordId);
        if (!own) errors.recordId = '請選擇要更正的資料';
      }
      if (fieldDef && input && !errors.proposed) {
        const v = coerceValue(fieldDef, input.proposed);
        if (!v.ok) errors.proposed = v.message;
      }
      if (Object.keys(errors).length || !input) throw new FormError(errors);
      const person = await personOrFail(u.personId);
      const data = input;
      return uploads.keep(files, async (stored) =>
        db.transaction(async (trx) => {
          const id = await repo.insertCorrection(trx, {
            person_id: u.personId,
            agency_id: person.agency_id,
            section,
            record_id: recordId,
            field,
            reason: data.reason,
            proposed: data.proposed,
            created_at: clock(),
          });
          await repo.insertAttachments(
            trx,
            stored.map((s) => ({ correction_id: id, stored_name: s.storedName, original_name: s.originalName, mime: s.mime, size: s.size, sha256: s.sha256 })),
          );
          await audit.record(
            { actor: actorOf(u), action: 'mydata.correction.submit', target: { type: 'mydata_correction', id }, ip: ctx.ip, requestId: ctx.requestId, details: { section, field, files: stored.length } },
            trx,
          );
          return id;
        }),
      );
    },

    async myCorrections(u: SessionUser) {
      return repo.correctionsOf(u.personId);
    },

    /** A correction the person owns; someone else's → 404 and an audit entry. */
    async myCorrection(u: SessionUser, id: number, ctx: Ctx) {
      const c = await repo.correction(id);
      if (!c || c.person_id !== u.personId) {
        await denied(u, 'mydata.correction.denied', { type: 'mydata_correction', id }, ctx, { as: 'person' });
        throw new NotFoundError('查無此更正申請');
      }
      return { correction: c, attachments: await repo.attachments(id) };
    },

    /** An attachment for its owner or the HR staff of the person's agency. */
    async attachmentFor(u: SessionUser, id: number, ctx: Ctx) {
      const a = await repo.attachment(id);
      const c = a ? await repo.correction(a.correction_id) : null;
      if (!a || !c || (c.person_id !== u.personId && !hrAgencies(u).includes(c.agency_id))) {
        await denied(u, 'mydata.attachment.denied', { type: 'mydata_correction_attachment', id }, ctx);
        throw new NotFoundError('查無此附件');
      }
      return a;
    },

    async queue(u: SessionUser, status: string | null, page: number) {
      const agencies = hrAgencies(u);
      const size = 20;
      const { total, list } = await repo.correctionQueue(agencies, status, size, (page - 1) * size);
      return { total, list: list.map((c) => ({ ...c, own: isOwn(u, c) })), page, pages: Math.max(1, Math.ceil(total / size)) };
    },

    async hrCorrectionView(u: SessionUser, id: number, ctx: Ctx, step: 'view' | 'accept' | 'reject' = 'view') {
      const c = await hrCorrection(u, id, ctx, step);
      const def = SECTIONS[c.section];
      const target = await repo.targetRow(db, c.section, c.person_id, c.record_id);
      return { correction: c, attachments: await repo.attachments(id), def, current: target ? displayValue(def.fields[c.field]!, target[c.field]) : null };
    },

    async take(u: SessionUser, id: number, ctx: Ctx) {
      await hrCorrection(u, id, ctx, 'take');
      await db.transaction(async (trx) => {
        const c = await repo.lockCorrection(trx, id);
        if (!c || c.status !== 'submitted') throw new DomainError('mydata_state', '此申請已在處理中或已結案', 409);
        await repo.updateCorrection(trx, id, { status: 'processing', handled_by_account_id: u.accountId || null, updated_at: clock() });
        await audit.record({ actor: actorOf(u), action: 'mydata.correction.take', target: { type: 'mydata_correction', id }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
    },

    /** Accepts: the master record takes the value; before and after go to the audit log. */
    async accept(u: SessionUser, id: number, body: unknown, ctx: Ctx) {
      const c0 = await hrCorrection(u, id, ctx, 'accept');
      const { value } = parseForm(acceptSchema, body);
      const def = SECTIONS[c0.section];
      const fieldDef = def.fields[c0.field]!;
      const v = coerceValue(fieldDef, value);
      if (!v.ok) throw new FormError({ value: v.message });
      await db.transaction(async (trx) => {
        const c = await repo.lockCorrection(trx, id);
        if (!c || (c.status !== 'submitted' && c.status !== 'processing')) throw new DomainError('mydata_state', '此申請已結案，無法再處理', 409);
        const row = await repo.targetRow(trx, c.section, c.person_id, c.record_id);
        if (!row) throw new DomainError('mydata_gone', '要更正的資料已不存在，請改為不予更正並說明', 409);
        const before = displayValue(fieldDef, row[c.field]);
        await repo.updateTarget(trx, c.section, c.person_id, c.record_id, c.field, v.value);
        const after = displayValue(fieldDef, v.value);
        await repo.updateCorrection(trx, id, { status: 'corrected', before_value: before, after_value: after, handled_by_account_id: u.accountId || null, updated_at: clock() });
        await audit.record(
          {
            actor: actorOf(u),
            action: 'mydata.record.correct',
            target: { type: 'person', id: c.person_id },
            ip: ctx.ip,
            requestId: ctx.requestId,
            details: { correctionId: id, section: c.section, table: def.table, recordId: c.record_id, field: c.field, before: row[c.field] ?? null, after: v.value },
          },
          trx,
        );
      });
    },

    async reject(u: SessionUser, id: number, body: unknown, ctx: Ctx) {
      await hrCorrection(u, id, ctx, 'reject');
      const { note } = parseForm(rejectSchema, body);
      await db.transaction(async (trx) => {
        const c = await repo.lockCorrection(trx, id);
        if (!c || (c.status !== 'submitted' && c.status !== 'processing')) throw new DomainError('mydata_state', '此申請已結案，無法再處理', 409);
        await repo.updateCorrection(trx, id, { status: 'rejected', decision_note: note, handled_by_account_id: u.accountId || null, updated_at: clock() });
        await audit.record({ actor: actorOf(u), action: 'mydata.correction.reject', target: { type: 'mydata_correction', id }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
    },

    // --- self-description ---
    async selfDescription(personId: number) {
      const [current, history] = await Promise.all([repo.selfDescription(personId), repo.selfDescriptionHistory(personId)]);
      return { current: current ?? null, history };
    },
    async saveSelfDescription(u: SessionUser, body: unknown, ctx: Ctx) {
      const input = parseForm(selfDescriptionSchema, body);
      await db.transaction(async (trx) => {
        await repo.saveSelfDescription(trx, u.personId, input.body, u.accountId, clock());
        await audit.record({ actor: actorOf(u), action: 'mydata.self_description.save', target: { type: 'person', id: u.personId }, ip: ctx.ip, requestId: ctx.requestId, details: { length: [...input.body].length } }, trx);
      });
    },

    // --- pay ---
    async pay(personId: number, month: string | null) {
      const months = await repo.payMonths(personId);
      const chosen = month && months.includes(month) ? month : (months[0] ?? null);
      const items = chosen ? await repo.payItems(personId, chosen) : [];
      const earnings = items.filter((i) => i.kind === 'earning');
      const deductions = items.filter((i) => i.kind === 'deduction');
      const sum = (xs: { amount: number }[]) => xs.reduce((a, b) => a + b.amount, 0);
      return { months, month: chosen, earnings, deductions, totalEarnings: sum(earnings), totalDeductions: sum(deductions), net: sum(earnings) - sum(deductions) };
    },

    // --- consent (線上檢視訊息) ---
    consentState,
    async setConsent(u: SessionUser, decision: 'grant' | 'withdraw', ctx: Ctx) {
      await db.transaction(async (trx) => {
        await trx.raw('SELECT id FROM person WHERE id = ? FOR UPDATE', [u.personId]);
        const events = await repo.consentEvents(u.personId, trx);
        const granted = events[0]?.action === 'grant';
        if (decision === 'grant' && granted) return;
        if (decision === 'withdraw' && !granted) throw new DomainError('mydata_consent', '您尚未同意線上檢視，無需撤回', 409);
        await repo.addConsentEvent(trx, u.personId, decision, u.accountId, clock());
        await audit.record({ actor: actorOf(u), action: `mydata.consent.${decision}`, target: { type: 'person', id: u.personId }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
    },

    // --- documents (個人檔案夾) ---

    /**
     * HR issues a 獎勵令 or a certificate: the PDF carries a reserved verification code,
     * is signed with the platform signer on the agency's behalf and registered. People
     * who have not agreed to receive documents online get it on paper (marked for printing).
     */
    async issueDocument(u: SessionUser, body: unknown, ctx: Ctx): Promise<{ id: number; delivery: 'online' | 'paper'; code: string }> {
      const input = parseForm(issueSchema, body);
      const person = await repo.personByNationalId(input.nationalId);
      if (!person || !hrAgencies(u).includes(person.agency_id)) {
        await denied(u, 'mydata.document.denied', { type: 'national_id', id: input.nationalId.slice(0, 3) + '…' }, ctx, { reason: 'out_of_scope' });
        throw new FormError({ nationalId: '查無此人員，或此人員不屬於您服務的機關' });
      }
      if (isOwn(u, { person_id: person.id })) {
        await denied(u, 'mydata.document.denied', { type: 'person', id: person.id }, ctx, { reason: 'own_record', kind: input.kind });
        throw new DomainError('own_record', OWN_DOCUMENT_MESSAGE, 403, 'nationalId');
      }
      if (input.kind === 'reward_order' && !ONLINE_REWARD_KINDS.includes(input.rewardKind)) {
        throw new FormError({ rewardKind: `電子獎勵令限記功以下，請選擇：${ONLINE_REWARD_KINDS.join('、')}` });
      }
      if (input.kind === 'resignation_cert' && person.status !== '卸職') throw new FormError({ kind: '此人員仍在職，無法核發離職證明書' });
      if (input.kind === 'employment_cert' && person.status !== '在職') throw new FormError({ kind: '此人員已卸職，無法核發在職證明書' });
      const consent = await consentState(person.id);
      const delivery: 'online' | 'paper' = consent.granted ? 'online' : 'paper';
      const kindLabel = DOCUMENT_KINDS[input.kind]!;
      const now = clock();
      const code = verification.newCode();
      const pkiNow = platformPki();
      const signer = `${person.agency_name}（人事服務網文件簽章金鑰代為簽章）`;
      const title = `${kindLabel}－${person.name}`;
      const orderNo = `${person.agency_name.slice(0, 6)}人字第${rocShort(now).replace(/\//g, '')}${String(Math.floor(now.getTime() / 1000) % 100000).padStart(5, '0')}號`;
      const content = {
        kindLabel,
        title,
        personName: person.name,
        nationalIdMasked: maskNationalId(person.national_id),
        agencyName: person.agency_name,
        unit: person.unit,
        jobTitle: person.title,
        rank: person.rank,
        appointedOn: person.appointed_on,
        leftOn: person.left_on,
        rewardKind: input.kind === 'reward_order' ? input.rewardKind : undefined,
        reason: input.kind === 'reward_order' ? input.reason : undefined,
        purpose: input.kind === 'reward_order' ? undefined : input.purpose,
        orderNo,
        code,
        issuedAt: now,
        signer,
        delivery,
      };
      const pdf = await documentBuffer(content);
      const sha256 = crypto.createHash('sha256').update(pdf).digest('hex');
      const signature = crypto.sign('sha256', pdf, pkiNow.signerKeyObject).toString('base64');
      const storedName = await uploads.put(pdf);
      try {
        const id = await db.transaction(async (trx) => {
          await verification.register({ code, kind: kindLabel, title, issuerName: person.agency_name, issuerAgencyId: person.agency_id, sha256, signer, area: 'mydata', issuedAt: now }, trx);
          const docId = await repo.insertDocument(trx, {
            person_id: person.id,
            agency_id: person.agency_id,
            code,
            kind: input.kind,
            title,
            content: { rewardKind: content.rewardKind ?? '', reason: content.reason ?? '', purpose: content.purpose ?? '', orderNo },
            stored_name: storedName,
            sha256,
            signature,
            signer,
            delivery,
            issued_by_account_id: u.accountId || null,
            issued_at: now,
          });
          await audit.record(
            { actor: actorOf(u), action: 'mydata.document.issue', target: { type: 'mydata_document', id: docId }, ip: ctx.ip, requestId: ctx.requestId, details: { kind: input.kind, personId: person.id, code, delivery } },
            trx,
          );
          return docId;
        });
        return { id, delivery, code };
      } catch (err) {
        await uploads.remove(storedName);
        throw err;
      }
    },

    async folder(u: SessionUser) {
      return repo.onlineDocumentsOf(u.personId);
    },

    /** A document for its person (online ones) or the HR staff of its agency; reading changes nothing. */
    async documentFor(u: SessionUser, id: number, ctx: Ctx): Promise<DocumentRow> {
      const d = await repo.document(id);
      const mine = d && d.person_id === u.personId && d.delivery === 'online';
      const hr = d && hrAgencies(u).includes(d.agency_id);
      if (!d || (!mine && !hr)) {
        await denied(u, 'mydata.document.denied', { type: 'mydata_document', id }, ctx);
        throw new NotFoundError('查無此文件');
      }
      await audit.record({ actor: actorOf(u), action: 'mydata.document.download', target: { type: 'mydata_document', id }, ip: ctx.ip, requestId: ctx.requestId });
      return d;
    },

    /**
     * HR marks a paper document as printed for delivery: HR of its agency only (404 otherwise),
     * never for a document of their own (403, four eyes); both refusals audited.
     */
    async markPrinted(u: SessionUser, id: number, ctx: Ctx) {
      const d = await repo.document(id);
      if (!d || !hrAgencies(u).includes(d.agency_id)) {
        await denied(u, 'mydata.document.denied', { type: 'mydata_document', id }, ctx, { step: 'print' });
        throw new NotFoundError('查無此文件');
      }
      if (isOwn(u, d)) {
        await denied(u, 'mydata.document.denied', { type: 'mydata_document', id }, ctx, { step: 'print', reason: 'own_record' });
        throw new ForbiddenError(OWN_DOCUMENT_PRINT_MESSAGE);
      }
      if (d.delivery !== 'paper') throw new DomainError('mydata_state', '此文件以線上方式送達，無須列印', 409);
      await db.transaction(async (trx) => {
        await repo.markPrinted(trx, id, clock());
        await audit.record({ actor: actorOf(u), action: 'mydata.document.printed', target: { type: 'mydata_document', id }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
      return d;
    },

    async issuedDocuments(u: SessionUser, page: number) {
      const size = 20;
      const { total, list } = await repo.documentsOfAgencies(hrAgencies(u), size, (page - 1) * size);
      return { total, list: list.map((d) => ({ ...d, own: isOwn(u, d) })), page, pages: Math.max(1, Math.ceil(total / size)) };
    },

    /** Verifies a stored document's signature with the platform signer certificate. */
    verifySignature(d: Pick<DocumentRow, 'signature'>, pdf: Buffer): boolean {
      return crypto.verify('sha256', pdf, crypto.createPublicKey(platformPki().signerCertPem), Buffer.from(d.signature, 'base64'));
    },

    async announcements() {
      return repo.announcements(taipeiToday(clock()));
    },

    genders: GENDERS,
  };
}

export type MydataService = ReturnType<typeof createMydataService>;
