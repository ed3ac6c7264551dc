/**
 * The smart-card bridge's HTTP side, speaking the HiPKI local sign server protocol
 * (中華電信 跨平台網頁元件) on http://127.0.0.1:61161:
 *
 *   GET  /               a short text with `version:1.3.4.NNNNNN` (IT update scripts parse it)
 *   GET  /popupForm, /popupForm.js, /popupForm.css   the popup a portal page opens
 *   POST /sign          { tbsPackage, origin, cardSN? } from the popup only (own Origin);
 *                       tbsPackage as the page posted it (a JSON string, `+` possibly as %2B)
 *   GET  /pkcs11info[?withcert=true]                  readers, cards, certificates
 *   POST /decrypt       { pin, cardSN? | tokenLabel?, data } → { ret_code, last_error, plaintext, cardSN }
 *                       from the popup (own Origin) or an allowed portal origin (CORS)
 */
import fs from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { BridgeConfig } from './config';
import { RET, RET_MESSAGES, SERVER_VERSION } from './codes';
import { BridgeService, replyFunc } from './service';

const here = path.dirname(fileURLToPath(import.meta.url));
const asset = (name: string) => fs.readFileSync(path.join(here, 'public', name), 'utf8');

/** Largest accepted POST body. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Largest content POST /decrypt opens: 20 MB; the data file may add 64 KB of CMS around it. */
export const MAX_DECRYPT_CONTENT_BYTES = 20 * 1024 * 1024;
export const MAX_DECRYPT_FILE_BYTES = MAX_DECRYPT_CONTENT_BYTES + 64 * 1024;
/** The JSON body carries the file in base64 (a third more) or as PEM text (a bit more again). */
export const MAX_DECRYPT_BODY_BYTES = Math.ceil((Math.ceil(MAX_DECRYPT_FILE_BYTES / 3) * 4 * 65) / 64) + 64 * 1024;

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`);

/** POST /decrypt's JSON body. */
const decryptBodySchema = z.object({
  pin: z.string().max(256).optional(),
  cardSN: z.string().max(64).optional(),
  tokenLabel: z.string().max(64).optional(),
  /** base64 of the data file (DER or PEM), or the PEM text itself. */
  data: z.string().min(1),
});

const POPUP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function popupHtml(config: BridgeConfig): string {
  return `<!doctype html>
<html lang="zh-Hant-TW">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>人事服務網憑證元件</title>
<link rel="stylesheet" href="/popupForm.css">
<script src="/popupForm.js" defer></script>
</head>
<body data-allowed-origins="${attr(JSON.stringify(config.allowedOrigins))}" data-server-version="${attr(SERVER_VERSION)}">
<main>
  <h1>人事服務網憑證元件</h1>
  <p id="origin" class="origin" hidden>要求來源：<strong id="origin-value"></strong></p>
  <p id="purpose" hidden></p>
  <p id="status" role="status" aria-live="polite">正在等待網頁傳送資料…</p>
  <form id="picker" hidden>
    <fieldset>
      <legend>讀卡機中有多張憑證卡片，請選擇要使用的卡片：</legend>
      <div id="cards"></div>
    </fieldset>
    <p class="buttons"><button type="submit" id="ok">確定</button> <button type="button" id="cancel">取消</button></p>
  </form>
  <p class="version">版本 ${attr(SERVER_VERSION)}</p>
</main>
</body>
</html>
`;
}

export interface Bridge {
  app: express.Express;
  service: BridgeService;
  /** Starts listening (port 0 = any free port); resolves with the bridge's origin. */
  listen(port?: number): Promise<{ port: number; origin: string; server: http.Server }>;
  /** Stops listening and releases the PKCS#11 module. */
  close(): Promise<void>;
}

/** Host header names the bridge answers to (anything else: DNS rebinding or a proxy). */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost'];

function ownOrigin(req: Request): string | null {
  const host = req.headers.host ?? '';
  const port = req.socket.localPort;
  const m = /^([^:]+):(\d+)$/.exec(host);
  if (!m || !LOOPBACK_HOSTS.includes(m[1]!.toLowerCase()) || Number(m[2]) !== port) return null;
  return `http://${m[1]!.toLowerCase()}:${port}`;
}

const json = (res: Response, status: number, body: object) => res.status(status).type('application/json').send(JSON.stringify(body));

/**
 * The reply's `func` for a call, as the HiPKI component names it and clients switch on it:
 * "pkcs11info" for the listing (GetUserCert / GET /pkcs11info), "decrypt" for DecryptData
 * (/decrypt), "sign" for MakeSignature and anything else. A refusal carries the func of the
 * call it refuses, so a client waiting for that answer reads its ret_code.
 */
export type CallFunc = 'sign' | 'pkcs11info' | 'decrypt';
export const funcOfPath = (p: string): CallFunc => (/^\/pkcs11info\/?$/i.test(p) ? 'pkcs11info' : /^\/decrypt\/?$/i.test(p) ? 'decrypt' : 'sign');

const refusal = (retCode: number, message?: string, func: CallFunc = 'sign') => ({ func, ret_code: retCode, last_error: 0, serverVersion: SERVER_VERSION, message: message ?? RET_MESSAGES[retCode] });

/**
 * A tbsPackage string as the HiPKI component reads it: clients that post it form-encoded
 * escape `+` as `%2B` (JSON.stringify(tbs).replace(/\+/g, '%2B')), so %2B is a plus sign.
 */
export function parseTbsPackage(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text.replace(/%2B/gi, '+')) };
  } catch {
    return { ok: false };
  }
}

/** GET /: what the HiPKI component shows there, with the version IT update scripts parse. */
const homeText = () => `HiPKI Local Sign Server compatible bridge (人事服務網憑證元件)\nversion:${SERVER_VERSION}\n`;

export function createBridge(config: BridgeConfig): Bridge {
  const service = new BridgeService(config);
  const allowed = new Set(config.allowedOrigins);
  const popup = popupHtml(config);
  const popupJs = asset('popupForm.js');
  const popupCss = asset('popupForm.css');

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cache-Control', 'no-store');
    // Only for the loopback names: a foreign host name pointing here (DNS rebinding) is refused.
    if (!ownOrigin(req)) return json(res, 403, refusal(RET.ORIGIN_NOT_ALLOWED, 'Host not allowed', funcOfPath(req.path)));
    next();
  });

  // GET /: readable by IT update scripts (no Origin) and by the allowed portals' 環境檢測 (CORS).
  app.get('/', (req, res) => {
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
    res.type('text/plain; charset=utf-8').send(homeText());
  });
  app.get('/popupForm', (_req, res) => {
    res.setHeader('Content-Security-Policy', POPUP_CSP);
    res.type('text/html; charset=utf-8').send(popup);
  });
  app.get('/popupForm.js', (_req, res) => {
    res.type('text/javascript; charset=utf-8').send(popupJs);
  });
  app.get('/popupForm.css', (_req, res) => {
    res.type('text/css; charset=utf-8').send(popupCss);
  });
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });

  // /pkcs11info: readable by the popup, local tools (no Origin) and the allowed portals (CORS).
  const corsGate = (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    if (origin === undefined || origin === ownOrigin(req)) return next();
    if (!allowed.has(origin)) return json(res, 403, refusal(RET.ORIGIN_NOT_ALLOWED, undefined, 'pkcs11info'));
    res.setHeader('Access-Control-Allow-Origin', origin);
    next();
  };
  app.options('/pkcs11info', corsGate, (req, res) => {
    res.setHeader('Access-Control-Allow-Methods', 'GET');
    res.setHeader('Access-Control-Max-Age', '600');
    // Chrome's Private Network Access preflight (public site → 127.0.0.1).
    if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
    res.status(204).end();
  });
  app.get('/pkcs11info', corsGate, (req, res) => {
    const withCert = String(req.query.withcert ?? req.query.withCert ?? '').toLowerCase() === 'true';
    json(res, 200, service.pkcs11Info(withCert));
  });

  // /sign: only the bridge's own popup may call it (a page elsewhere could otherwise sign
  // with a PIN it guessed); the portal origin it names must be allowed.
  app.post(
    '/sign',
    (req, res, next) => {
      const own = ownOrigin(req);
      if (!req.headers.origin || req.headers.origin !== own) return json(res, 403, refusal(RET.ORIGIN_NOT_ALLOWED, '只接受憑證元件視窗的要求'));
      next();
    },
    express.json({ limit: MAX_BODY_BYTES, type: () => true, strict: true }),
    (req, res) => {
      const body = req.body as unknown;
      if (!body || typeof body !== 'object' || Array.isArray(body)) return json(res, 400, refusal(RET.JSON_ERROR));
      const { tbsPackage, origin, cardSN } = body as { tbsPackage?: unknown; origin?: unknown; cardSN?: unknown };
      if (typeof origin !== 'string' || tbsPackage === undefined) return json(res, 400, refusal(RET.BAD_REQUEST, `${RET_MESSAGES[RET.BAD_REQUEST]}：需要 tbsPackage 與 origin`));
      if (!allowed.has(origin)) return json(res, 403, refusal(RET.ORIGIN_NOT_ALLOWED));
      let pkg: unknown = tbsPackage;
      if (typeof pkg === 'string') {
        const parsed = parseTbsPackage(pkg);
        if (!parsed.ok) return json(res, 400, refusal(RET.JSON_ERROR));
        pkg = parsed.value;
      }
      if (!pkg || typeof pkg !== 'object' || Array.isArray(pkg)) return json(res, 400, refusal(RET.JSON_ERROR));
      if (cardSN !== undefined && (typeof cardSN !== 'string' || cardSN.length > 64)) return json(res, 400, refusal(RET.BAD_REQUEST, undefined, replyFunc((pkg as { func?: unknown }).func)));
      json(res, 200, service.handle(pkg, cardSN || undefined, origin));
    },
  );

  // /decrypt: the bridge's own popup, or an allowed portal page (CORS); a request with no
  // Origin or any other origin is refused (the PIN must not be guessable from elsewhere).
  const decryptGate = (req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    if (origin !== undefined && origin === ownOrigin(req)) return next();
    if (origin === undefined || !allowed.has(origin)) return json(res, 403, refusal(RET.ORIGIN_NOT_ALLOWED, origin === undefined ? '只接受憑證元件視窗或允許的網站的要求' : undefined, 'decrypt'));
    res.setHeader('Access-Control-Allow-Origin', origin);
    next();
  };
  app.options('/decrypt', decryptGate, (req, res) => {
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    res.setHeader('Access-Control-Max-Age', '600');
    if (req.headers['access-control-request-private-network'] === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
    res.status(204).end();
  });
  app.post('/decrypt', decryptGate, express.json({ limit: MAX_DECRYPT_BODY_BYTES, type: () => true, strict: true }), (req, res) => {
    const parsed = decryptBodySchema.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return json(res, 400, refusal(RET.BAD_REQUEST, `${RET_MESSAGES[RET.BAD_REQUEST]}${issue ? `：${issue.path.join('.') || 'body'} ${issue.message}` : ''}`, 'decrypt'));
    }
    const { pin, cardSN, tokenLabel, data } = parsed.data;
    let bytes: Buffer;
    if (data.trimStart().startsWith('-----BEGIN')) bytes = Buffer.from(data, 'latin1');
    else {
      const b64 = data.replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return json(res, 400, refusal(RET.BAD_REQUEST, `${RET_MESSAGES[RET.BAD_REQUEST]}：data 不是 base64`, 'decrypt'));
      bytes = Buffer.from(b64, 'base64');
    }
    if (bytes.length > MAX_DECRYPT_FILE_BYTES) return json(res, 413, refusal(RET.TOO_LARGE, `${RET_MESSAGES[RET.TOO_LARGE]}：檔案超過 ${sizeText(MAX_DECRYPT_CONTENT_BYTES)}`, 'decrypt'));
    const result = service.decrypt({ pin, cardSN: cardSN || undefined, tokenLabel: tokenLabel || undefined, data: bytes });
    const { plaintext, ...rest } = result;
    json(res, 200, plaintext ? { ...rest, plaintext: plaintext.toString('base64') } : rest);
  });
  app.all('/decrypt', (_req, res) => json(res, 405, refusal(RET.NOT_SUPPORTED, '請以 POST 傳送', 'decrypt')));
  app.all('/pkcs11info', (_req, res) => json(res, 405, refusal(RET.NOT_SUPPORTED, '請以 GET 讀取', 'pkcs11info')));

  app.use((_req, res) => json(res, 404, refusal(RET.NOT_SUPPORTED, 'not found')));

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string; limit?: number };
    const func = funcOfPath(req.path);
    if (e?.type === 'entity.too.large') {
      const what = e.limit === MAX_DECRYPT_BODY_BYTES ? `檔案超過 ${sizeText(MAX_DECRYPT_CONTENT_BYTES)}` : `資料超過 ${sizeText(e.limit ?? MAX_BODY_BYTES)}`;
      return json(res, 413, refusal(RET.TOO_LARGE, `${RET_MESSAGES[RET.TOO_LARGE]}：${what}`, func));
    }
    if (e?.type === 'entity.parse.failed') return json(res, 400, refusal(RET.JSON_ERROR, undefined, func));
    if (e?.status && e.status >= 400 && e.status < 500) return json(res, e.status, refusal(RET.BAD_REQUEST, undefined, func));
    console.error('bridge error:', e?.message ?? err);
    json(res, 500, refusal(RET.CARD_ERROR, '憑證元件內部錯誤', func));
  });

  let server: http.Server | null = null;
  return {
    app,
    service,
    listen(port = config.port) {
      return new Promise((resolve, reject) => {
        const s = app.listen(port, config.host);
        s.once('error', reject);
        s.once('listening', () => {
          server = s;
          const actual = (s.address() as AddressInfo).port;
          resolve({ port: actual, origin: `http://${config.host}:${actual}`, server: s });
        });
      });
    },
    async close() {
      if (server) {
        const s = server;
        server = null;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      service.close();
    },
  };
}
