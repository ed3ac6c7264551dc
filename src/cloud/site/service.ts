import crypto from 'node:crypto';
import { actorOf } from '../../platform/identity/actor';
import path from 'node:path';
import type { CloudDeps } from '../deps';
import type { SessionUser } from '../../platform/identity/sessionUser';
import type { RequestContext } from '../../platform/identity/context';
import type { ReceivedFile } from '../../platform/uploads';
import { DomainError, FormError, NotFoundError } from '../../platform/errors';
import { rocShort, taipeiToday } from '../../platform/dates';
import { counter } from '../../platform/counter';
import { loadPlatformPki } from '../../platform/pki/platform';
import { createSiteRepository, PAGE_SIZE, type ApplicationRow, type Paged } from './repository';
import { CLOUD_FAQ, CLOUD_FILES, CLOUD_NEWS } from './contentKinds';
import { NO_ENCRYPTION_CERTIFICATE, buildEncryptedFile, certb64ToPem, deliveryCsv, type DeliveredService } from './delivery';
import type { ReportInput } from './schemas';
import { createSiteAdmin } from './admin';


export const REPORT_STATUS_LABELS: Record<string, string> = { open: '處理中', closed: '已結案' };
export const APP_STATUS_LABELS: Record<string, string> = { pending: '尚未審核', rejected: '不通過', approved: '通過', partial: '部分通過' };

export interface DeliveryApplication extends ApplicationRow {
  services: Array<DeliveredService & { id: number }>;
}

export function createSiteService(core: CloudDeps) {
  const { db, audit, uploads, verification, content } = core;
  const repo = createSiteRepository(db);
  const pki = () => loadPlatformPki(core.config.pkiDir);

  async function denied(u: SessionUser, type: string, id: string | number, ctx: RequestContext, message: string): Promise<never> {
    await audit.record({ actor: actorOf(u), action: 'cloud.access.denied', outcome: 'denied', target: { type, id }, ip: ctx.ip, requestId: ctx.requestId, details: { agencyId: u.agencyId, agencyCode: u.agencyCode } });
    throw new NotFoundError(message);
  }

  // --- applications with approved lines ---
  async function applications(where: { id?: number; agencyId?: number; approvedOnly?: boolean }): Promise<DeliveryApplication[]> {
    const apps = await repo.applications(where);
    if (!apps.length) return [];
    const lines = await repo.approvedLines(apps.map((a) => a.id));
    return apps.map((a) => ({ ...a, services: lines.filter((l) => l.applicationId === a.id).map(({ applicationId: _a, ...s }) => s) }));
  }

  /** The agency's own approved application; anything else is a 404, audited. */
  async function ownApproved(u: SessionUser, id: number, kind: 'file' | 'ws', ctx: RequestContext): Promise<DeliveryApplication> {
    const [a] = await applications({ id, approvedOnly: true });
    if (!a || a.agencyId !== u.agencyId || a.kind !== kind || !a.services.length) return denied(u, 'cloud_application', id, ctx, '查無此申請案件或尚未審核通過');
    return a;
  }

  return {
    admin: createSiteAdmin(core, repo),
    /** 最新消息, 10 a page (a page past the last gives the last), searched in title and body with `q`. */
    news: (f: { q?: string; page: number; size?: number }) => content.published(CLOUD_NEWS, { page: f.page, size: f.size ?? PAGE_SIZE, q: f.q, clamp: true }),
    newsItem: (id: number | null) => content.publishedItem(CLOUD_NEWS, id),
    faqs: () => content.latest(CLOUD_FAQ),
    links: () => repo.links(),
    files: () => content.latest(CLOUD_FILES),
    /** An entry of 檔案下載 with its stored file or link, or a 404. */
    file: (id: number | null) => content.publishedItem(CLOUD_FILES, id),
    services: () => repo.services(),
    async search(q: string) {
      const term = q.trim().slice(0, 100);
      if (!term) return null;
      const [news, files, faqs] = await Promise.all([content.latest(CLOUD_NEWS, { q: term, limit: 50 }), content.latest(CLOUD_FILES, { q: term }), content.latest(CLOUD_FAQ, { q: term })]);
      return { news, files, faqs };
    },

    /** 欄位說明: the data dictionary of one service as CSV (UTF-8 with BOM). */
    async fieldSheet(code: string): Promise<{ filename: string; csv: Buffer }> {
      const s = await repo.service({ code });
      if (!s || !s.active || !s.tableId) throw new NotFoundError('查無此服務');
      const fields = await repo.fields(s.tableId);
      const cell = (v: unknown) => {
        const t = v === null || v === undefined ? '' : String(v);
        return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
      };
      const lines = [
        ['服務代碼', '服務名稱', '資料表', '欄位代碼', '欄位名稱', '資料型態', '長度', '欄位說明', '提供'].join(','),
        ...fields.map((f) => [s.code, s.name, s.tableName, f.columnName, f.label, f.dataType, f.length ?? '', f.description, f.delivered ? '是' : '否'].map(cell).join(',')),
      ];
      return { filename: `${s.code}_欄位說明.csv`, csv: Buffer.from('\ufeff' + lines.join('\r\n') + '\r\n') };
    },

    // --- 錯誤回報 ---
    async createReport(u: SessionUser, input: ReportInput, files: ReceivedFile[], ctx: RequestContext): Promise<string> {
      const errors: Record<string, string> = {};
      let serviceId: number | null = null;
      if (input.serviceCode) {
        const s = await repo.service({ code: input.serviceCode });
        if (!s || !s.active) errors.serviceCode = '請選擇服務代碼';
        else serviceId = s.id;
      }
      if (input.applicationNumber && !(await repo.applicationOfAgency(input.applicationNumber, u.agencyId))) errors.applicationNumber = '查無此申請案號，請確認為貴機關之申請案號';
      if (input.occurredOn && input.occurredOn > taipeiToday(core.clock())) errors.occurredOn = '問題發生日期不可晚於今天';
      if (Object.keys(errors).length) {
        await uploads.discard(files);
        throw new FormError(errors);
      }
      return uploads.keep(files, async (stored) =>
        db.transaction(async (trx) => {
          const code = String(await counter.next(trx, 'cloud.report')).padStart(8, '0');
          const r = await repo.insertReport(
            {
              code,
              agencyId: u.agencyId, reporterName: input.reporterName, phone: input.phone, email: input.email, occurredOn: input.occurredOn,
              occurredTime: input.occurredTime || null, applicationNumber: input.applicationNumber || null, serviceId, content: input.content,
            },
            stored,
            trx,
          );
          await audit.record({ actor: actorOf(u), action: 'cloud.report.create', target: { type: 'cloud_report', id: r.code }, ip: ctx.ip, requestId: ctx.requestId, details: { agencyCode: u.agencyCode, files: stored.length } }, trx);
          return r.code;
        }),
      );
    },
    reports: repo.reports,
    /** A report of the agency (or any, for the administrator); another agency's is a 404, audited. */
    async report(u: SessionUser, code: string, ctx: RequestContext, opts: { admin?: boolean } = {}) {
      const r = /^\d{8}$/.test(code) ? await repo.report({ code }) : undefined;
      if (!r || (!opts.admin && r.agencyId !== u.agencyId)) return denied(u, 'cloud_report', code.slice(0, 20), ctx, '查無此錯誤回報');
      return { report: r, files: await repo.reportFiles(r.id) };
    },
    async handleReport(u: SessionUser, code: string, input: { status: 'open' | 'closed'; handling: string }, ctx: RequestContext) {
      const r = await repo.report({ code });
      if (!r) throw new NotFoundError('查無此錯誤回報');
      await db.transaction(async (trx) => {
        await repo.handleReport(r.id, { status: input.status, handling: input.handling, handledBy: u.name }, trx);
        await audit.record({ actor: actorOf(u), action: 'cloud.report.handle', target: { type: 'cloud_report', id: code }, ip: ctx.ip, requestId: ctx.requestId, details: { status: input.status, agencyCode: r.agencyCode } }, trx);
      });
    },

    // --- delivery ---
    applications,
    /** The agency's applications that have approved services (資料交換 / 介接模組). */
    deliverable: (u: SessionUser) => applications({ agencyId: u.agencyId, approvedOnly: true }).then((list) => list.filter((a) => a.services.length)),
    ownApproved,

    /**
     * The encrypted data file of an approved one-time application: built on the first
     * download (streamed), then served from the store. Every download is audited.
     */
    async fileDelivery(u: SessionUser, id: number, ctx: RequestContext) {
      const a = await ownApproved(u, id, 'file', ctx);
      let d = await repo.delivery(a.id);
      if (!d) {
        // Data go only to the ENCRYPTION certificate of the card that signed the application
        // (read from the card at signing). Without one (an application filed before it was
        // read) the file is refused: never encrypted to the signing certificate instead.
        if (!a.encCertb64 || !a.encCertThumbprint) throw new DomainError('no_certificate', NO_ENCRYPTION_CERTIFICATE, 409);
        const counter = { rows: 0 };
        const p = pki();
        const built = await buildEncryptedFile(deliveryCsv(db, a.services, a.agencyId, counter), certb64ToPem(a.encCertb64), { certPem: p.signerCertPem, key: p.signerKeyObject }, path.join(uploads.root, 'incoming'), counter);
        const file: ReceivedFile = { field: 'delivery', originalName: `${a.number}.p7m`, tempPath: built.tempPath, size: built.size, sha256: built.sha256, mime: 'application/pkcs7-mime', kind: 'zip' };
        try {
          d = await uploads.keep([file], async ([stored]) =>
            db.transaction(async (trx) => {
              const code = await verification.register(
                { kind: '資料交換檔案', title: `${a.number} 資料交換檔案（${a.services.map((s) => s.code).join('、')}）`, issuerName: '銓敘部人事雲端服務平台', issuerAgencyId: a.agencyId, sha256: built.sha256, signer: '人事服務網文件簽章', area: 'cloud' },
                trx,
              );
              return repo.insertDelivery(trx, {
                applicationId: a.id, applicationNumber: a.number, agencyId: a.agencyId, serviceCodes: a.services.map((s) => s.code), storedName: stored!.storedName,
                size: built.size, rows: built.rows, sha256: built.sha256, signature: built.signature, recipientThumbprint: a.encCertThumbprint!, verificationCode: code,
              });
            }),
          );
        } catch (e) {
          // Another request built it first.
          const existing = await repo.delivery(a.id);
          if (!existing) throw e;
          d = existing;
        }
      }
      await audit.record({ actor: actorOf(u), action: 'cloud.delivery.download', target: { type: 'cloud_application', id: a.number }, ip: ctx.ip, requestId: ctx.requestId, details: { agencyCode: u.agencyCode, rows: d.rows, sha256: d.sha256, services: d.serviceCodes } });
      return { application: a, delivery: d };
    },

    /** 介接模組: issues a new client certificate for the application (earlier ones are revoked). */
    async issueWsModule(u: SessionUser, id: number, ctx: RequestContext) {
      const a = await ownApproved(u, id, 'ws', ctx);
      const today = taipeiToday(core.clock());
      if (a.periodTo < today) throw new DomainError('period_over', `服務使用期間已於 ${rocShort(a.periodTo)} 結束，無法產生介接模組。`);
      const days = Math.max(1, Math.ceil((Date.parse(`${a.periodTo}T23:59:59+08:00`) - core.clock().getTime()) / 86_400_000));
      const cert = pki().issueClientCertificate(a.number, { organization: a.agencyName, organizationalUnit: a.agencyCode, days });
      const password = crypto.randomBytes(12).toString('base64url');
      const p12 = cert.pkcs12(password);
      const storedName = await uploads.put(p12);
      try {
        await db.transaction(async (trx) => {
          // One issue at a time per application: two at once (a double click, two tabs) would
          // deadlock on each other's rows, or both stay valid.
          await repo.lockApplication(trx, a.id);
          await repo.replaceWsClient(trx, {
            applicationId: a.id, applicationNumber: a.number, agencyId: a.agencyId, serialHex: cert.serialHex, thumbprint: cert.thumbprint, certPem: cert.certPem,
            notAfter: cert.notAfter, p12StoredName: storedName,
          });
          await audit.record({ actor: actorOf(u), action: 'cloud.ws.module', target: { type: 'cloud_application', id: a.number }, ip: ctx.ip, requestId: ctx.requestId, details: { agencyCode: u.agencyCode, serial: cert.serialHex, thumbprint: cert.thumbprint } }, trx);
        });
      } catch (e) {
        await uploads.remove(storedName);
        throw e;
      }
      return { application: a, password, serialHex: cert.serialHex, thumbprint: cert.thumbprint, notAfter: cert.notAfter };
    },
    currentWsClient: (applicationId: number) => repo.currentWsClient(applicationId),
    async wsModuleFile(u: SessionUser, id: number, ctx: RequestContext) {
      const a = await ownApproved(u, id, 'ws', ctx);
      const c = await repo.currentWsClient(a.id);
      if (!c) throw new NotFoundError('尚未產生介接模組');
      await audit.record({ actor: actorOf(u), action: 'cloud.ws.module.download', target: { type: 'cloud_application', id: a.number }, ip: ctx.ip, requestId: ctx.requestId, details: { agencyCode: u.agencyCode, thumbprint: c.thumbprint } });
      return { application: a, storedName: c.p12StoredName };
    },
    caCertPem: () => pki().caCertPem,
    signerCertPem: () => pki().signerCertPem,
  };
}

export type SiteService = ReturnType<typeof createSiteService>;
export type { Paged };
