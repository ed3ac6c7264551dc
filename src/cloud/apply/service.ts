import crypto from 'node:crypto';
import { auditSource } from '../../platform/audit';
import { actorOf } from '../../platform/identity/actor';
import type { CloudDeps } from '../deps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { SignedResponse } from '../../platform/identity/accountRules';
import { DomainError, FormError, NotFoundError } from '../../platform/errors';
import { rocDateTime, rocShort, taipeiParts, taipeiToday } from '../../platform/dates';
import type { ReceivedFile } from '../../platform/uploads';
import { createApplyRepository, type Application, type CatalogService, type Draft, type DraftFile } from './repository';
import { KINDS, NOTE_REQUIRED, STATUS_LABELS, reviewSchema, signedSchema, type ApplicationStatus, type Search } from './schemas';
import { STEPS, afterSave, canVisit, firstIncomplete, isComplete, kindOf, withAnswer, type StepKey } from './wizard';
import { applicationPdf } from './pdf';
import { counter } from '../../platform/counter';

export const SIGNATURE_REQUIRED = '請插入與登入時相同的機關憑證IC卡，輸入密碼後按「確定提出申請」完成簽章。';
export const ALREADY_SUBMITTED = '此申請已提出，不可重複送出；若需異動請重新提出申請。';
export const ALREADY_REVIEWED = '此申請已審核完成，審核結果不可變更。';

/** JSON with keys sorted at every level: the same answers always give the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Derives an application's status from its service lines. */
export function deriveStatus(results: string[]): ApplicationStatus {
  if (results.length === 0 || results.some((r) => r === 'pending')) return 'pending';
  const approved = results.filter((r) => r === 'approved').length;
  if (approved === results.length) return 'approved';
  if (approved === 0) return 'rejected';
  return 'partial';
}

/** The review form: every line's result, and a note for every 不通過 (all errors at once). */
export function parseReview(lineIds: number[], body: unknown): Record<string, string> {
  const errors: Record<string, string> = {};
  const parsed = reviewSchema(lineIds).safeParse(body ?? {});
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? '_form')] ??= issue.message;
  const raw = (body ?? {}) as Record<string, unknown>;
  for (const id of lineIds) {
    const note = raw[`note_${id}`];
    if (raw[`result_${id}`] === 'rejected' && !(typeof note === 'string' && note.trim())) errors[`note_${id}`] ??= NOTE_REQUIRED;
  }
  if (Object.keys(errors).length || !parsed.success) throw new FormError(errors);
  return parsed.data as Record<string, string>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);

/** What 步驟六 shows and the card signs: the answers on the draft's path. */
export function applicationContent(d: Pick<Draft, 'id' | 'answers' | 'file'>, agency: { id: number; code: string; name: string }) {
  const kind = kindOf(d);
  const s1 = d.answers.step1 ?? {};
  const s2 = d.answers.step2 ?? {};
  const s5 = (kind === 'ws' ? d.answers.step5b : d.answers.step5a) ?? {};
  return {
    draftId: d.id,
    agency: { id: agency.id, code: agency.code, name: agency.name },
    contactName: str(s1.contactName),
    contactPhone: str(s1.contactPhone),
    contactEmail: str(s1.contactEmail),
    periodFrom: str(s1.periodFrom),
    periodTo: str(s1.periodTo),
    purpose: str(s1.purpose),
    legalBasis: str(s1.legalBasis),
    specificPurpose: str(s1.specificPurpose),
    systemName: str(s2.systemName),
    os: str(s2.os),
    language: str(s2.language),
    databaseName: str(s2.databaseName),
    computerName: str(s2.computerName),
    ipAddresses: str(s2.ipAddresses).split(', ').filter(Boolean),
    userScopes: strs(d.answers.step3?.userScopes),
    kind: kind ?? 'file',
    conditions: kind === 'file' ? str(s5.conditions) : null,
    file: kind === 'file' && d.file ? { name: d.file.originalName, sha256: d.file.sha256, size: d.file.size } : null,
    services: strs(s5.services).slice().sort(),
  };
}
export type ApplicationContent = ReturnType<typeof applicationContent>;

export function digestOf(content: ApplicationContent): string {
  return crypto.createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

export function createApplyService(core: CloudDeps) {
  const { db, audit, mail, verification, cardLogin, uploads } = core;
  const clock = core.clock;
  const repo = createApplyRepository(db);

  const agencyOf = (u: SessionUser) => ({ id: u.agencyId, code: u.agencyCode, name: u.agencyName });

  async function denied(u: SessionUser, type: string, id: string | number, ctx: RequestContext, message: string): Promise<never> {
    await audit.record({ actor: actorOf(u), action: 'cloud.access.denied', outcome: 'denied', target: { type, id }, ip: ctx.ip, requestId: ctx.requestId, details: { agencyId: u.agencyId } });
    throw new NotFoundError(message);
  }

  /** The one check that a draft may still change: a submitted draft is a 409. */
  function assertOpen<T extends Pick<Draft, 'submittedAt'>>(d: T | null): asserts d is T {
    if (!d || d.submittedAt) throw new DomainError('already_submitted', ALREADY_SUBMITTED, 409);
  }

  /** The agency's own draft; another agency's draft is a 404, audited. */
  async function ownDraft(u: SessionUser, id: string, ctx: RequestContext): Promise<Draft> {
    const d = await repo.draft(id);
    if (!d) throw new NotFoundError('查無此申請資料');
    if (d.agencyId !== u.agencyId) return denied(u, 'cloud_application_draft', id, ctx, '查無此申請資料');
    return d;
  }

  async function catalogFor(kind: 'file' | 'ws'): Promise<CatalogService[]> {
    return (await repo.catalog()).filter((s) => (kind === 'file' ? s.supportsFile : s.supportsWs));
  }

  /** What was typed, kept (without validation) when the user goes back a step. */
  function rawValues(body: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (body && typeof body === 'object') {
      for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
        if (k === '_csrf' || k === 'action') continue;
        if (typeof v === 'string') out[k] = v.slice(0, 2500);
        else if (Array.isArray(v)) out[k] = v.filter((x) => typeof x === 'string').slice(0, 50).map((x: string) => x.slice(0, 50));
      }
    }
    return out;
  }

  return {
    catalog: () => repo.catalog(),
    catalogFor,

    async startDraft(u: SessionUser, agreed: boolean, ctx: RequestContext): Promise<string> {
      if (!agreed) throw new FormError({ agree: '請先閱讀管理規範並勾選「我同意」' });
      const id = await repo.createDraft(u.agencyId, clock());
      await audit.record({ actor: actorOf(u), action: 'cloud.application.start', target: { type: 'cloud_application_draft', id }, ip: ctx.ip, requestId: ctx.requestId });
      return id;
    },

    ownDraft,

    /** The agency's own draft that may still change (else 404 or 409). */
    async openDraft(u: SessionUser, id: string, ctx: RequestContext): Promise<Draft> {
      const d = await ownDraft(u, id, ctx);
      assertOpen(d);
      return d;
    },

    /** Where a GET of `step` should go instead, or null when it may be shown. */
    guardStep(d: Draft, step: StepKey): string | null {
      if (d.submittedAt) return `/cloud/apply/${d.id}/done`;
      if (!canVisit(step, d)) return `/cloud/apply/${d.id}/${firstIncomplete(d)}`;
      return null;
    },

    /**
     * Saves a step. `direction` next validates and moves on; back keeps what was typed
     * (validated when it is valid) and goes to the previous step. Returns the next URL;
     * a step opened from 步驟六's 修改 link (`fromCheck`) leads back to 步驟六.
     */
    async saveStep(u: SessionUser, d: Draft, step: StepKey, body: unknown, direction: 'next' | 'back', file?: DraftFile | null, fromCheck = false): Promise<string> {
      assertOpen(d);
      const def = STEPS[step];
      if (!canVisit(step, d) || !def.parse) throw new NotFoundError('查無此申請步驟');
      const serviceCodes = def.catalog ? (await catalogFor(def.catalog)).map((s) => s.code) : [];
      let values: Record<string, unknown>;
      let valid = true;
      try {
        values = def.parse(body, { today: taipeiToday(clock()), serviceCodes });
      } catch (err) {
        if (!(err instanceof FormError) || direction === 'next') {
          // A valid file stays with the draft even when the other fields are refused.
          if (file !== undefined) await repo.saveDraft(d.id, { answers: d.answers, completed: d.completed, file }, clock());
          throw err;
        }
        values = rawValues(body);
        valid = false;
      }
      const saved = withAnswer(d, step, values, valid);
      await repo.saveDraft(d.id, { ...saved, ...(file !== undefined ? { file } : {}) }, clock());
      const to = afterSave(step, saved, direction, fromCheck);
      return `/cloud/apply/${d.id}/${to.step}${to.fromCheck ? '?from=check' : ''}`;
    },

    /** Keeps an uploaded 步驟五A file with the draft (the previous one is removed). */
    async keepFile(d: Draft, received: ReceivedFile[]): Promise<DraftFile | null> {
      if (!received.length) return d.file;
      const stored = await uploads.keep(received, async (s) => s[0]!);
      if (d.file) await uploads.remove(d.file.storedName).catch(() => undefined);
      return { storedName: stored.storedName, originalName: stored.originalName, mime: stored.mime, size: stored.size, sha256: stored.sha256 };
    },

    content(u: SessionUser, d: Draft) {
      return applicationContent(d, agencyOf(u));
    },

    /** 步驟六: the challenge the card signs, over the canonical digest of the draft. */
    async challenge(u: SessionUser, d: Draft): Promise<{ tbs: string }> {
      assertOpen(d);
      if (!isComplete(d)) throw new DomainError('incomplete', '申請資料尚未填寫完成。', 400);
      const content = applicationContent(d, agencyOf(u));
      // The popup of the card component shows this title and the digest before it signs.
      const title = `人事雲端服務平台${content.kind === 'ws' ? '介接服務' : '資料交換服務'}申請表（${u.agencyName}）`;
      const { tbs } = await cardLogin.signChallenge(u, digestOf(content), title);
      return { tbs };
    },

    /** 步驟六 確定提出申請: verifies the card signature and files the application. */
    async submit(u: SessionUser, draftId: string, body: unknown, ctx: RequestContext): Promise<{ id: number; number: string }> {
      const d = await ownDraft(u, draftId, ctx);
      assertOpen(d);
      if (!isComplete(d)) throw new DomainError('incomplete', '申請資料尚未填寫完成。', 400);
      const signed = signedSchema.safeParse(body ?? {});
      if (!signed.success || !signed.data.tbs || !signed.data.signature || !signed.data.certb64) throw new DomainError('signature_required', SIGNATURE_REQUIRED, 400);
      const input: SignedResponse = signed.data;
      const content = applicationContent(d, agencyOf(u));
      const digest = digestOf(content);
      let card: Awaited<ReturnType<typeof cardLogin.verifyDocumentSignature>>;
      let enc: { certB64: string; thumbprint: string } | null = null;
      try {
        card = await cardLogin.verifyDocumentSignature(u, input, digest, ctx);
        // 資料交換 files are encrypted to the card's encryption certificate: read it now, not at delivery.
        if (content.kind === 'file' || signed.data.enccertb64) enc = await cardLogin.encryptionCertificate(card, signed.data.enccertb64, ctx);
      } catch (err) {
        if (err instanceof DomainError) {
          await audit.record({ actor: actorOf(u), action: 'cloud.application.sign_failed', outcome: 'failed', target: { type: 'cloud_application_draft', id: d.id }, ip: ctx.ip, requestId: ctx.requestId, details: { reason: err.code } });
        }
        throw err;
      }
      const catalog = await catalogFor(content.kind === 'ws' ? 'ws' : 'file');
      const serviceIds = content.services.map((code) => catalog.find((s) => s.code === code)?.id);
      if (serviceIds.some((x) => x === undefined)) throw new DomainError('service_retired', '所選服務已停止提供，請回到步驟五重新選擇。', 409);

      const result = await db.transaction(async (trx) => {
        const locked = await repo.draft(draftId, trx, true);
        assertOpen(locked);
        if (digestOf(applicationContent(locked, agencyOf(u))) !== digest) throw new DomainError('digest_mismatch', '簽章內容與文件不符，請重新操作。', 400);
        const now = clock();
        const rocYear = taipeiParts(now).year - 1911;
        const prefix = content.kind === 'ws' ? 'APSQ' : 'APFQ';
        const numberPrefix = `${prefix}${String(rocYear).padStart(3, '0')}`;
        const serial = await counter.next(trx, 'cloud.application', numberPrefix);
        if (serial > 99999) throw new DomainError('serial_exhausted', '本年度申請案號已用盡，請洽系統管理者。', 409);
        const number = `${numberPrefix}${String(serial).padStart(5, '0')}`;
        const code = verification.newCode();
        const id = await repo.insertApplication(
          {
            number,
            kind: content.kind,
            draftId: d.id,
            agencyId: u.agencyId,
            contactName: content.contactName,
            contactPhone: content.contactPhone,
            contactEmail: content.contactEmail,
            periodFrom: content.periodFrom,
            periodTo: content.periodTo,
            purpose: content.purpose,
            legalBasis: content.legalBasis,
            specificPurpose: content.specificPurpose,
            systemName: content.systemName,
            os: content.os,
            language: content.language,
            databaseName: content.databaseName,
            computerName: content.computerName,
            ipAddresses: content.ipAddresses,
            userScopes: content.userScopes,
            conditions: content.conditions,
            digest,
            tbs: input.tbs,
            signature: input.signature,
            certb64: input.certb64,
            certThumbprint: card.thumbprint,
            encCertb64: enc?.certB64 ?? null,
            encCertThumbprint: enc?.thumbprint ?? null,
            cardNumber: card.cardNumber,
            verificationCode: code,
            submittedAt: now,
          },
          content.kind === 'file' ? locked.file : null,
          serviceIds as number[],
          trx,
        );
        await verification.register(
          {
            code,
            kind: 'cloud_application',
            title: `人事雲端服務平台資料交換服務申請表 ${number}`,
            issuerName: u.agencyName,
            issuerAgencyId: u.agencyId,
            sha256: digest,
            signer: `${card.subjectName}${card.cardNumber ? `（卡號 ${card.cardNumber}）` : ''}`,
            area: 'cloud',
            issuedAt: now,
          },
          trx,
        );
        await repo.markSubmitted(d.id, now, trx);
        await audit.record(
          {
            ...auditSource(u, ctx),
            action: 'cloud.application.submit',
            target: { type: 'cloud_application', id: number },
            details: { kind: content.kind, services: content.services, digest, thumbprint: card.thumbprint, cardNumber: card.cardNumber, verificationCode: code },
          },
          trx,
        );
        return { id, number };
      });
      // The other branch's file is not part of the application.
      if (content.kind === 'ws' && d.file) await uploads.remove(d.file.storedName).catch(() => undefined);
      return result;
    },

    async applicationOfDraft(u: SessionUser, draftId: string, ctx: RequestContext) {
      const d = await ownDraft(u, draftId, ctx);
      const id = await repo.applicationIdByDraft(d.id);
      if (!id) return null;
      return this.detailFor(u, id, ctx);
    },

    /** 申請明細 for the agency: another agency's application is a 404, audited. */
    async detailFor(u: SessionUser, id: number, ctx: RequestContext): Promise<{ app: Application; lines: Awaited<ReturnType<typeof repo.lines>> }> {
      const app = await repo.application(id);
      if (!app) throw new NotFoundError('查無此申請案件');
      if (app.agencyId !== u.agencyId) return denied(u, 'cloud_application', app.number, ctx, '查無此申請案件');
      return { app, lines: await repo.lines(id) };
    },

    async detail(id: number) {
      const app = await repo.application(id);
      if (!app) throw new NotFoundError('查無此申請案件');
      return { app, lines: await repo.lines(id) };
    },

    search: (f: Search, agencyId: number | null, page: number) => repo.search(f, agencyId, page),

    async pdf(app: Application, lines: Awaited<ReturnType<typeof repo.lines>>): Promise<Buffer> {
      return applicationPdf(app, lines);
    },

    /** 申請審核: one decision per service line; the status follows; the applicant is mailed. */
    async review(admin: SessionUser, id: number, body: unknown, ctx: RequestContext): Promise<ApplicationStatus> {
      const { app, lines } = await this.detail(id);
      if (app.status !== 'pending' || lines.every((l) => l.result !== 'pending')) throw new DomainError('already_reviewed', ALREADY_REVIEWED, 409);
      const v = parseReview(lines.map((l) => l.id), body);
      const { status } = await db.transaction(async (trx) => {
        const locked = await repo.application(id, trx, true);
        if (!locked || locked.status !== 'pending') throw new DomainError('already_reviewed', ALREADY_REVIEWED, 409);
        const now = clock();
        for (const l of lines) await repo.decide(l.id, v[`result_${l.id}`] as 'approved' | 'rejected', v[`note_${l.id}`] ?? '', now, trx);
        const after = await repo.lines(id, trx);
        const status = deriveStatus(after.map((l) => l.result));
        await repo.finishReview(id, { status, reviewNote: v.reviewNote ?? '', reviewedBy: admin.accountId || null, reviewerName: admin.name }, now, trx);
        await audit.record(
          {
            ...auditSource(admin, ctx),
            action: 'cloud.application.review',
            target: { type: 'cloud_application', id: app.number },
            details: { status, lines: after.map((l) => ({ service: l.code, result: l.result })) },
          },
          trx,
        );
        const listText = after.map((l) => `・${l.code} ${l.name}：${l.result === 'approved' ? '通過' : '不通過'}${l.note ? `（${l.note}）` : ''}`).join('\n');
        const mailId = await mail.queue(
          {
            to: app.contactEmail,
            subject: `人事雲端服務平台申請案 ${app.number} 審核結果：${STATUS_LABELS[status]}`,
            text: [
              `${app.contactName} 您好：`,
              '',
              `貴機關（${app.agencyName}）於 ${rocDateTime(app.submittedAt)} 提出之資料交換服務申請（申請案號 ${app.number}，${KINDS[app.kind]}），審核結果為「${STATUS_LABELS[status]}」。`,
              '',
              listText,
              v.reviewNote ? `\n審核說明：${v.reviewNote}` : '',
              '',
              `服務使用起迄：${rocShort(app.periodFrom)} ~ ${rocShort(app.periodTo)}`,
              '請以機關憑證登入人事雲端服務平台，於「進度查詢」檢視申請明細。',
              '',
              '銓敘部 人事雲端服務平台',
            ].join('\n'),
          },
          trx,
        );
        return { status, mailId };
      });
      return status;
    },

    /** Removes drafts left unsubmitted for a week, and their files. */
    async sweepDrafts(now: Date): Promise<number> {
      const stale = await repo.staleDrafts(new Date(now.getTime() - 7 * 24 * 3600_000));
      for (const d of stale) {
        await repo.deleteDraft(d.id);
        if (d.file) await uploads.remove(d.file.storedName).catch(() => undefined);
      }
      return stale.length;
    },
  };
}

export type ApplyService = ReturnType<typeof createApplyService>;
