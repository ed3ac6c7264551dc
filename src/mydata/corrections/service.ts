import { actorOf } from '../../platform/identity/actor';
import { auditSource } from '../../platform/audit';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { ReceivedFile } from '../../platform/uploads';
import { DomainError, ForbiddenError, FormError, NotFoundError } from '../../platform/errors';
import { parseForm } from '../../platform/validation';
import type { MydataDeps } from '../deps';
import { OWN_CORRECTION_MESSAGE, hrAgencies, isOwn, type Denied } from '../access';
import { coerceValue, displayValue } from '../values';
import { SECTIONS, type SectionKey } from '../sections';
import type { RecordRepository } from '../record/repository';
import { createCorrectionsRepository, type Correction } from './repository';
import { acceptSchema, correctionSchema, rejectSchema } from './schemas';
import { HANDLING, checkHandleable, mayHandle, nextStatus } from './handling';

type Ctx = RequestContext;

/**
 * 申請更正 and 修改進度查詢 (the person), 更正申請處理 (the HR of the person's agency, never
 * for their own record): the request with its proof, then take, accept (the master record
 * takes the value) or reject.
 */
export function createCorrectionsService(core: Pick<MydataDeps, 'db' | 'audit' | 'clock' | 'uploads'>, records: RecordRepository, denied: Denied) {
  const { db, audit, clock, uploads } = core;
  const repo = createCorrectionsRepository(db);

  /**
   * An HR user's access to a correction for handling (`step`: view, take, accept, reject);
   * out of scope → 404, the user's own request → 403 (four eyes), both with an audit entry.
   */
  async function hrCorrection(u: SessionUser, id: number, ctx: Ctx, step: string): Promise<Correction> {
    const c = await repo.correction(id);
    if (!c || !hrAgencies(u).includes(c.agencyId)) {
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
    /** The choices of the correction form of a section: its rows and fields. */
    async correctionChoices(personId: number, section: SectionKey) {
      const def = SECTIONS[section];
      const rows = def.multi ? await records.rows(section, personId) : [];
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
        const own = recordId !== null && (await records.rows(section, u.personId)).some((r) => r.id === recordId);
        if (!own) errors.recordId = '請選擇要更正的資料';
      }
      if (fieldDef && input && !errors.proposed) {
        const v = coerceValue(fieldDef, input.proposed);
        if (!v.ok) errors.proposed = v.message;
      }
      if (Object.keys(errors).length || !input) throw new FormError(errors);
      const person = await records.person(u.personId);
      if (!person) throw new NotFoundError('查無人事資料');
      const data = input;
      return uploads.keep(files, async (stored) =>
        db.transaction(async (trx) => {
          const id = await repo.insertCorrection(trx, {
            personId: u.personId,
            agencyId: person.agency_id,
            section,
            recordId,
            field,
            reason: data.reason,
            proposed: data.proposed,
            createdAt: clock(),
          });
          await repo.insertAttachments(
            trx,
            stored.map((s) => ({ correctionId: id, storedName: s.storedName, originalName: s.originalName, mime: s.mime, size: s.size, sha256: s.sha256 })),
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
      if (!c || c.personId !== u.personId) {
        await denied(u, 'mydata.correction.denied', { type: 'mydata_correction', id }, ctx, { as: 'person' });
        throw new NotFoundError('查無此更正申請');
      }
      return { correction: c, attachments: await repo.attachments(id) };
    },

    /** An attachment for its owner or the HR staff of the person's agency. */
    async attachmentFor(u: SessionUser, id: number, ctx: Ctx) {
      const a = await repo.attachment(id);
      const c = a ? await repo.correction(a.correctionId) : null;
      if (!a || !c || (c.personId !== u.personId && !hrAgencies(u).includes(c.agencyId))) {
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
      const target = await repo.targetRow(db, c.section, c.personId, c.recordId);
      return {
        correction: c,
        attachments: await repo.attachments(id),
        def,
        current: target ? displayValue(def.fields[c.field]!, target[c.field]) : null,
        /** The forms the page offers: 受理 on a new request, 更正 and 不予更正 until it is closed. */
        steps: { take: mayHandle('take', c.status), accept: mayHandle('accept', c.status), reject: mayHandle('reject', c.status) },
      };
    },

    async take(u: SessionUser, id: number, ctx: Ctx) {
      await hrCorrection(u, id, ctx, 'take');
      await db.transaction(async (trx) => {
        const status = nextStatus('take', await repo.lockCorrection(trx, id));
        await repo.updateCorrection(trx, id, { status, handledByAccountId: u.accountId || null, updatedAt: clock() });
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
        checkHandleable('accept', c);
        const status = HANDLING.accept.to;
        const row = await repo.targetRow(trx, c.section, c.personId, c.recordId);
        if (!row) throw new DomainError('mydata_gone', '要更正的資料已不存在，請改為不予更正並說明', 409);
        const before = displayValue(fieldDef, row[c.field]);
        await repo.updateTarget(trx, c.section, c.personId, c.recordId, c.field, v.value);
        const after = displayValue(fieldDef, v.value);
        await repo.updateCorrection(trx, id, { status, beforeValue: before, afterValue: after, handledByAccountId: u.accountId || null, updatedAt: clock() });
        await audit.record(
          {
            ...auditSource(u, ctx),
            action: 'mydata.record.correct',
            target: { type: 'person', id: c.personId },
            details: { correctionId: id, section: c.section, table: def.table, recordId: c.recordId, field: c.field, before: row[c.field] ?? null, after: v.value },
          },
          trx,
        );
      });
    },

    async reject(u: SessionUser, id: number, body: unknown, ctx: Ctx) {
      await hrCorrection(u, id, ctx, 'reject');
      const { note } = parseForm(rejectSchema, body);
      await db.transaction(async (trx) => {
        const status = nextStatus('reject', await repo.lockCorrection(trx, id));
        await repo.updateCorrection(trx, id, { status, decisionNote: note, handledByAccountId: u.accountId || null, updatedAt: clock() });
        await audit.record({ actor: actorOf(u), action: 'mydata.correction.reject', target: { type: 'mydata_correction', id }, ip: ctx.ip, requestId: ctx.requestId }, trx);
      });
    },
  };
}

export type CorrectionsService = ReturnType<typeof createCorrectionsService>;
