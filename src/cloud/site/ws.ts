/**
 * The platform's web service (即時Web Service連線服務): HTTPS with mutual TLS on its own
 * port. The caller presents the client certificate of its 介接模組 (issued by the platform
 * CA for one approved application); the service answers only for that application's
 * approved services inside 服務使用起迄, pages the rows, and logs every call (X-Road style:
 * application number, service, certificate, rows, duration, result).
 */
import crypto from 'node:crypto';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import express, { type Request, type Response } from 'express';
import type { CloudRouteDeps } from '../routeDeps';
import { loadPlatformPki } from '../../platform/pki/platform';
import { taipeiToday } from '../../platform/dates';
import { deliveredColumns, hasAgencyColumn } from './delivery';
import { rowPage } from './deliveryRepository';
import { createWsRepository, type WsCallerRow } from './wsRepository';

export const WS_MAX_PAGE_SIZE = 500;
/**
 * How long a keep-alive connection reuses what it looked up about its certificate (the
 * application, its period and approved services) and a table's delivered columns: a
 * revocation, review change or dictionary edit takes effect on open connections within
 * this time, on new connections at once.
 */
export const WS_CACHE_MS = 5_000;
export const WS_DEFAULT_PAGE_SIZE = 100;

interface Caller extends WsCallerRow {
  services: Array<{ code: string; name: string; description: string; tableName: string | null }>;
  thumbprint: string;
}

class WsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The OpenAPI description of the web service (介接模組). */
export function openApi(serverUrl: string) {
  const err = { $ref: '#/components/schemas/Error' };
  return {
    openapi: '3.0.3',
    info: { title: '銓敘部人事雲端服務平台 Web Service', version: '1.0.0', description: '以介接模組之用戶端憑證（雙向 TLS）呼叫；僅提供申請案件審核通過之服務，且限於服務使用起迄期間內。' },
    servers: [{ url: serverUrl }],
    paths: {
      '/api/v1/applications/{number}/services': {
        get: {
          summary: '申請案件核准之服務',
          parameters: [{ name: 'number', in: 'path', required: true, schema: { type: 'string', pattern: '^APSQ\\d{8}$' } }],
          responses: { '200': { description: '服務清單' }, '401': { description: '未出示用戶端憑證', content: { 'application/json': { schema: err } } }, '403': { description: '憑證不屬於此申請案件或已逾服務使用期間', content: { 'application/json': { schema: err } } } },
        },
      },
      '/api/v1/applications/{number}/services/{code}': {
        get: {
          summary: '查詢服務資料（分頁）',
          parameters: [
            { name: 'number', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'code', in: 'path', required: true, schema: { type: 'string', example: 'SQ_MA_001' } },
            { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } },
            { name: 'size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: WS_MAX_PAGE_SIZE, default: WS_DEFAULT_PAGE_SIZE } },
          ],
          responses: {
            '200': { description: '資料列', content: { 'application/json': { schema: { $ref: '#/components/schemas/Page' } } } },
            '400': { description: '分頁參數錯誤', content: { 'application/json': { schema: err } } },
            '401': { description: '未出示用戶端憑證', content: { 'application/json': { schema: err } } },
            '403': { description: '服務未核准、憑證不屬於此申請案件、已停用或逾期', content: { 'application/json': { schema: err } } },
          },
        },
      },
    },
    components: {
      schemas: {
        Error: { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } }, required: ['error', 'message'] },
        Page: {
          type: 'object',
          properties: {
            application: { type: 'string' }, service: { type: 'string' }, page: { type: 'integer' }, size: { type: 'integer' }, total: { type: 'integer' }, pages: { type: 'integer' },
            columns: { type: 'array', items: { type: 'object', properties: { column: { type: 'string' }, label: { type: 'string' } } } },
            rows: { type: 'array', items: { type: 'object', additionalProperties: true } },
          },
        },
      },
    },
  };
}

function pageParam(value: unknown, def: number, max: number, label: string): number {
  if (value === undefined) return def;
  if (typeof value !== 'string' || !/^\d{1,7}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new WsError(400, 'bad_paging', `${label}須為 1 至 ${max} 之整數`);
  }
  return Number(value);
}

/** The Express app of the web service (the TLS server wraps it). */
export function wsApp(services: CloudRouteDeps) {
  const { db } = services;
  const wsRepo = createWsRepository(db);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const log = (req: Request, started: bigint, r: { caller?: Caller | null; thumbprint?: string | null; service?: string | null; status: number; result: string; rows?: number }) =>
    wsRepo
      .logCall({
        applicationNumber: r.caller?.applicationNumber ?? null,
        agencyId: r.caller?.agencyId ?? null,
        serviceCode: r.service?.slice(0, 20) ?? null,
        thumbprint: r.thumbprint ?? null,
        status: r.status,
        result: r.result.slice(0, 30),
        rows: r.rows ?? 0,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e6),
        ip: req.socket.remoteAddress?.slice(0, 45) ?? null,
        path: req.originalUrl.slice(0, 300),
      })
      .catch((e: unknown) => services.logger.error({ err: e }, 'cloud ws log failed'));

  const bySocket = new WeakMap<TLSSocket, { at: number; who: { caller: Caller; thumbprint: string } }>();
  const columnsCache = new Map<string, { at: number; cols: Promise<Array<{ column: string; label: string }>> }>();
  const columnsOf = (table: string) => {
    const hit = columnsCache.get(table);
    if (hit && Date.now() - hit.at < WS_CACHE_MS) return hit.cols;
    const cols = deliveredColumns(db, table);
    cols.catch(() => columnsCache.delete(table));
    columnsCache.set(table, { at: Date.now(), cols });
    return cols;
  };

  async function callerOf(req: Request): Promise<{ caller: Caller; thumbprint: string }> {
    const socket = req.socket as TLSSocket;
    const cached = bySocket.get(socket);
    if (cached && Date.now() - cached.at < WS_CACHE_MS) return cached.who;
    const who = await lookUpCaller(socket);
    bySocket.set(socket, { at: Date.now(), who });
    return who;
  }

  async function lookUpCaller(socket: TLSSocket): Promise<{ caller: Caller; thumbprint: string }> {
    const peer = socket.getPeerCertificate?.();
    if (!peer || !peer.raw) throw new WsError(401, 'client_certificate_required', '請以介接模組之用戶端憑證連線');
    const thumbprint = crypto.createHash('sha256').update(peer.raw).digest('hex');
    if (!socket.authorized) throw Object.assign(new WsError(401, 'untrusted_certificate', '用戶端憑證不是本平台簽發或已過期'), { thumbprint });
    const row = await wsRepo.callerByThumbprint(thumbprint);
    if (!row) throw Object.assign(new WsError(401, 'unknown_certificate', '用戶端憑證未登錄於任何申請案件'), { thumbprint });
    return { caller: { ...row, thumbprint, services: await wsRepo.approvedServices(row.applicationId) }, thumbprint };
  }

  function checkCaller(caller: Caller, number: string, now: Date) {
    if (caller.applicationNumber !== number) throw new WsError(403, 'wrong_application', '此用戶端憑證不屬於該申請案件');
    if (caller.revoked) throw new WsError(403, 'certificate_revoked', '此用戶端憑證已停用，請使用最新產生之介接模組');
    if (caller.kind !== 'ws' || !['approved', 'partial'].includes(caller.status)) throw new WsError(403, 'not_approved', '此申請案件未審核通過');
    const today = taipeiToday(now);
    if (today < caller.periodFrom || today > caller.periodTo) throw new WsError(403, 'outside_period', `不在服務使用期間（${caller.periodFrom} ~ ${caller.periodTo}）內`);
  }

  const handle = (fn: (req: Request, ctx: { caller: Caller; started: bigint }) => Promise<{ body: object; service?: string; rows?: number }>) => async (req: Request, res: Response) => {
    const started = process.hrtime.bigint();
    let caller: Caller | null = null;
    let thumbprint: string | null = null;
    const service = typeof req.params.code === 'string' ? req.params.code : null;
    try {
      const who = await callerOf(req);
      caller = who.caller;
      thumbprint = who.thumbprint;
      checkCaller(caller, String(req.params.number), services.clock());
      const out = await fn(req, { caller, started });
      await log(req, started, { caller, thumbprint, service, status: 200, result: 'ok', rows: out.rows });
      res.json(out.body);
    } catch (e) {
      const err = e instanceof WsError ? e : new WsError(500, 'internal_error', '系統發生錯誤，請稍後再試');
      if (!(e instanceof WsError)) services.logger.error({ err: e }, 'cloud ws failed');
      await log(req, started, { caller, thumbprint: thumbprint ?? (e as { thumbprint?: string }).thumbprint ?? null, service, status: err.status, result: err.code });
      res.status(err.status).json({ error: err.code, message: err.message });
    }
  };

  app.get('/api/v1/applications/:number/services', handle(async (_req, { caller }) => {
    const list = caller.services;
    return { body: { application: caller.applicationNumber, periodFrom: caller.periodFrom, periodTo: caller.periodTo, services: list.map(({ tableName: _t, ...s }) => s) } };
  }));

  app.get('/api/v1/applications/:number/services/:code', handle(async (req, { caller }) => {
    const page = pageParam(req.query.page, 1, 1_000_000, 'page');
    const size = pageParam(req.query.size, WS_DEFAULT_PAGE_SIZE, WS_MAX_PAGE_SIZE, 'size');
    const svc = caller.services.find((s) => s.code === req.params.code);
    if (!svc || !svc.tableName) throw new WsError(403, 'service_not_approved', `服務 ${String(req.params.code).slice(0, 20)} 未核准於此申請案件`);
    const [cols, scoped] = await Promise.all([columnsOf(svc.tableName), hasAgencyColumn(db, svc.tableName)]);
    // One query: the page and the total (a window count), keyed by id order.
    const { rows, total } = await rowPage(db, svc.tableName, cols.map((c) => c.column), scoped ? caller.agencyId : null, size, (page - 1) * size);
    return {
      service: svc.code,
      rows: rows.length,
      body: { application: caller.applicationNumber, service: svc.code, page, size, total, pages: Math.max(1, Math.ceil(total / size)), columns: cols, rows },
    };
  }));

  app.get('/openapi.json', (req, res) => res.json(openApi(`https://${req.headers.host ?? 'localhost'}`)));
  app.use((req, res) => res.status(404).json({ error: 'not_found', message: '查無此介面' }));
  return app;
}

/** Starts the mutual-TLS server (port 0 picks a free one). */
export async function startCloudWebService(services: CloudRouteDeps, opts: { port: number; host: string }): Promise<{ port: number; close(): Promise<void> }> {
  const pki = loadPlatformPki(services.config.pkiDir);
  const hosts = [...new Set([opts.host === '0.0.0.0' || opts.host === '::' ? 'localhost' : opts.host, 'localhost', '127.0.0.1'])];
  const { certPem, keyPem } = pki.serverCertificate(hosts);
  const server = https.createServer({ cert: certPem, key: keyPem, ca: pki.caCertPem, requestCert: true, rejectUnauthorized: false, keepAliveTimeout: 30_000 }, wsApp(services));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
