/**
 * The bridge as government web sites use the HiPKI local sign server, in Chromium: a page
 * on an allowed origin opens http://localhost:<port>/popupForm in a 200×200 window named
 * 「簽章中」, gives it 3.5 s to say {"func":"getTbs"}, answers with a tbsPackage string
 * (`+` escaped as %2B, as those scripts do), and switches on the reply's `func`: "sign"
 * (ret_code, signature, certb64, cardSN, last_error) or "pkcs11info" (the listing:
 * slots[i].token.certs[j] with usage, certb64, subjectDN, subjectID, sn, label).
 * The page below is written from those public client scripts, not from our card.js.
 * Real SoftHSM2 tokens (the demo PKI), real bridge, real browser; no mocks.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoPki, DEMO_PIN, type DemoPkiManifest } from '../../seeds/demoPki';
import { DEMO_ACCOUNTS } from '../../seeds/demo';
import { softhsmInstalled } from '../../src/platform/pki/softhsm';
import { createBridge, type Bridge } from '../../src/bridge/app';
import { loadBridgeConfig } from '../../src/bridge/config';
import { CHROMIUM_PATH } from '../support/browser';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-hipki-client-'));

/** A government site's page, in the style of the public HiPKI client scripts. */
const CLIENT_PAGE = `<!doctype html>
<html lang="zh-Hant"><head><meta charset="utf-8"><title>HiPKI client</title></head>
<body>
<button id="go" type="button">簽章</button>
<script>
var params = new URLSearchParams(location.search);
var BRIDGE = params.get('bridge');
var state = { replies: [], getTbs: 0, missing: false, raw: [] };
window.hipkiState = state;
window.nextPackage = null;   // a tbsPackage object, or a raw string to post as is
window.answerTimes = 1;      // how many times to answer getTbs (a page posting twice)
var postTarget = null;
var timeoutId = null;
function checkFinish() {
  if (postTarget) { postTarget.close(); state.missing = true; }
}
document.getElementById('go').addEventListener('click', function () {
  var windowName = window.nextPackage && window.nextPackage.func === 'GetUserCert' ? '憑證讀取中' : '簽章中';
  postTarget = window.open(BRIDGE + '/popupForm', windowName, 'height=200, width=200, left=100, top=20');
  timeoutId = setTimeout(checkFinish, 3500);
});
window.addEventListener('message', function (event) {
  if (event.origin != BRIDGE) return;
  state.raw.push(event.data);
  var ret = JSON.parse(event.data);
  if (ret.func) {
    if (ret.func == 'getTbs') {
      clearTimeout(timeoutId);
      state.getTbs++;
      var pkg = window.nextPackage;
      var text = typeof pkg === 'string' ? pkg : JSON.stringify(pkg).replace(/\\+/g, '%2B');
      for (var i = 0; i < window.answerTimes; i++) postTarget.postMessage(text, '*');
    } else {
      state.replies.push(ret);
      postTarget = null;
    }
  }
});
</script>
</body></html>
`;

let manifest: DemoPkiManifest;
let browser: Browser;
let site: http.Server;
/** The allowed government site, and the same page on an origin the bridge does not allow. */
let siteOrigin: string;
let otherOrigin: string;
const bridges: Bridge[] = [];
/** Requests each bridge got ("METHOD /path"), to prove what was (not) asked. */
const requests = new Map<string, string[]>();

/** A bridge with the cards "in the reader" (token labels), reached as http://localhost:<port>. */
async function startBridge(cards: string, stateName: string): Promise<string> {
  const b = createBridge(
    loadBridgeConfig({
      BRIDGE_PORT: '0',
      BRIDGE_ALLOWED_ORIGINS: siteOrigin,
      BRIDGE_STATE_FILE: path.join(root, `${stateName}.json`),
      SOFTHSM2_CONF: manifest.softhsmConf!,
      BRIDGE_CARDS: cards,
    }),
  );
  const { port, server } = await b.listen(0);
  bridges.push(b);
  const origin = `http://localhost:${port}`;
  const seen: string[] = [];
  server.on('request', (req: http.IncomingMessage) => seen.push(`${req.method} ${req.url}`));
  requests.set(origin, seen);
  return origin;
}

let oneCard: string; // 王小明's 自然人憑證 only
let allCards: string; // every demo card
let noCard: string; // an empty reader
let hrCard: string; // 林淑芬's card only (locked in a test)

type Reply = Record<string, unknown> & { func: string; ret_code: number };
type Listing = Reply & {
  slots: { slotDescription: string; token: null | string | { serialNumber: string; label: string; certs: Record<string, unknown>[] } }[];
};

async function openClient(bridge: string, origin = siteOrigin): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${origin}/client.html?bridge=${encodeURIComponent(bridge)}`);
  return page;
}

type ClientState = { replies: Reply[]; getTbs: number; missing: boolean; raw: string[] };
const clientState = (page: Page) => page.evaluate(() => (globalThis as unknown as { hipkiState: ClientState }).hipkiState);

/** Resolves once the popup has closed (it closes itself after its one reply). */
async function closed(popup: Page) {
  if (popup.isClosed()) return;
  await popup.waitForEvent('close', { timeout: 20_000 }).catch(() => undefined);
}

/**
 * Clicks a popup button that answers and closes the popup: the popup may close before the click
 * has finished, which Playwright reports as an error; that error is the expected end, any other is not.
 */
async function clickClosing(popup: Page, button: ReturnType<Page['getByRole']>) {
  await button.click().catch((err: unknown) => {
    if (!popup.isClosed()) throw err;
  });
}

/** Clicks the page's button and waits for the popup's reply and for the popup to close. */
async function call(page: Page, pkg: unknown, opts: { answerTimes?: number; inPopup?: (popup: Page) => Promise<void> } = {}): Promise<Reply> {
  await page.evaluate(
    ([p, n]) => {
      const w = globalThis as unknown as { nextPackage: unknown; answerTimes: number; hipkiState: ClientState };
      w.nextPackage = p;
      w.answerTimes = n as number;
      w.hipkiState.replies = [];
      w.hipkiState.raw = [];
      w.hipkiState.getTbs = 0;
      w.hipkiState.missing = false;
    },
    [pkg, opts.answerTimes ?? 1] as const,
  );
  const popupPromise = page.waitForEvent('popup');
  await page.click('#go');
  const popup = await popupPromise;
  if (opts.inPopup) await opts.inPopup(popup);
  await page.waitForFunction(() => (globalThis as unknown as { hipkiState: ClientState }).hipkiState.replies.length > 0, undefined, { timeout: 20_000 });
  await closed(popup);
  const state = await clientState(page);
  expect(state.missing).toBe(false);
  expect(state.getTbs).toBeGreaterThanOrEqual(1);
  expect(state.replies).toHaveLength(1);
  return state.replies[0]!;
}

const makeSignature = (extra: Record<string, unknown> = {}) => ({
  func: 'MakeSignature',
  signatureType: 'PKCS7',
  tbs: 'hello',
  tbsEncoding: 'NONE',
  hashAlgorithm: 'SHA256',
  pin: DEMO_PIN,
  withCardSN: 'true',
  nonce: crypto.randomBytes(8).toString('hex'),
  withSCAP: 'true',
  ...extra,
});

beforeAll(async () => {
  if (!softhsmInstalled()) throw new Error('SoftHSM2 is needed for the bridge tests: apt-get install softhsm2');
  manifest = createDemoPki(path.join(root, 'pki'), { softhsmDir: path.join(root, 'softhsm') });
  process.env.SOFTHSM2_CONF = manifest.softhsmConf!;
  site = http.createServer((req, res) => {
    if (req.url?.startsWith('/client.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(CLIENT_PAGE);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const port = (site.address() as AddressInfo).port;
  siteOrigin = `http://127.0.0.1:${port}`;
  otherOrigin = `http://localhost:${port}`;
  oneCard = await startBridge('wang-xiaoming', 'one');
  allCards = await startBridge('', 'all');
  noCard = await startBridge('not-inserted', 'none');
  hrCard = await startBridge('hr-chief', 'hr');
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  for (const b of bridges) await b.close();
  await new Promise<void>((resolve) => site?.close(() => resolve()));
  fs.rmSync(root, { recursive: true, force: true });
});

const certPem = (card: string) => path.join(root, 'pki', 'cards', card, 'cert.pem');

describe('a page that speaks HiPKI as government sites do', () => {
  it('GetUserCert: func "pkcs11info", slots[i].token.certs[j] with the HiPKI fields; the signing certificate by usage', async () => {
    const page = await openClient(allCards);
    const reply = (await call(page, { func: 'GetUserCert' })) as Listing;
    expect(reply.func).toBe('pkcs11info');
    expect(reply.ret_code).toBe(0);
    expect(Array.isArray(reply.slots)).toBe(true);
    // Walk it as the client scripts do.
    let found: Record<string, unknown> | null = null;
    let cardSN = '';
    for (const slot of reply.slots) {
      expect(slot).not.toHaveProperty('certs');
      if (slot.token == null || slot.token === 'unknown token' || typeof slot.token === 'string') continue;
      for (const cert of slot.token.certs) {
        expect(typeof cert.usage).toBe('string');
        expect(cert.label).toMatch(/^cert\d+$/);
        if (cert.usage == 'digitalSignature' && slot.token.label === 'wang-xiaoming') {
          found = cert;
          cardSN = slot.token.serialNumber;
        }
      }
    }
    expect(found).not.toBeNull();
    const idLast4 = DEMO_ACCOUNTS.find((a) => a.name === '王小明')!.nationalId.slice(-4);
    expect(found).toMatchObject({ subjectID: idLast4, label: 'cert1', sn: manifest.cards.find((c) => c.name === 'wang-xiaoming')!.serialHex });
    const x = new crypto.X509Certificate(Buffer.from(String(found!.certb64), 'base64'));
    expect(x.raw.equals(new crypto.X509Certificate(fs.readFileSync(certPem('wang-xiaoming'))).raw)).toBe(true);
    expect(cardSN).toMatch(/^[0-9a-f]{16}$/);
    // Every usage is one of the HiPKI strings clients compare with (or a plain join).
    const usages = reply.slots.flatMap((s) => (s.token && typeof s.token === 'object' ? s.token.certs.map((c) => c.usage) : []));
    expect(usages).toContain('digitalSignature');
    expect(usages).toContain('keyEncipherment|dataEncipherment');
    await page.close();
  });

  it('MakeSignature PKCS7 with one card: no click in the popup, func "sign", openssl cms -verify against the tbs', async () => {
    const page = await openClient(oneCard);
    // base64 tbs containing "+", escaped as %2B by the page.
    const tbs = Buffer.concat([Buffer.from([0xfb, 0xef, 0xbe]), Buffer.from('文件內容')]);
    const tbsB64 = tbs.toString('base64');
    expect(tbsB64).toContain('+');
    const reply = await call(page, makeSignature({ tbs: tbsB64, tbsEncoding: 'base64' }));
    expect(reply).toMatchObject({ func: 'sign', ret_code: 0 });
    expect(typeof reply.signature).toBe('string');
    const listing = (await (await fetch(`${oneCard}/pkcs11info?withcert=true`)).json()) as Listing;
    const token = listing.slots.find((s) => s.token && typeof s.token === 'object')!.token as { serialNumber: string };
    expect(reply.cardSN).toBe(token.serialNumber);
    const sig = path.join(root, 'p7.der');
    const content = path.join(root, 'p7.content');
    fs.writeFileSync(sig, Buffer.from(String(reply.signature), 'base64'));
    fs.writeFileSync(content, tbs);
    const out = execFileSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', sig, '-content', content, '-CAfile', path.join(root, 'pki', 'ca', 'moica.pem'), '-purpose', 'any'], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.equals(tbs)).toBe(true);
    // The certificate in certb64 is the card's.
    expect(Buffer.from(String(reply.certb64), 'base64').equals(new crypto.X509Certificate(fs.readFileSync(certPem('wang-xiaoming'))).raw)).toBe(true);
    await page.close();
  });

  it('MakeSignature PKCS1: the signature verifies with the public key of certb64', async () => {
    const page = await openClient(oneCard);
    const tbs = 'purpose=login;origin=' + siteOrigin + ';nonce=+abc+';
    const reply = await call(page, makeSignature({ signatureType: 'PKCS1', tbs }));
    expect(reply).toMatchObject({ func: 'sign', ret_code: 0 });
    const cert = new crypto.X509Certificate(Buffer.from(String(reply.certb64), 'base64'));
    expect(crypto.verify('sha256', Buffer.from(tbs, 'utf8'), cert.publicKey, Buffer.from(String(reply.signature), 'base64'))).toBe(true);
    await page.close();
  });

  it('a wrong PIN: func "sign", ret_code 0x76100006 and a non-zero last_error; no signature', async () => {
    const page = await openClient(oneCard);
    const reply = await call(page, makeSignature({ pin: '000000' }));
    expect(reply.func).toBe('sign');
    expect(reply.ret_code).toBe(0x76100006);
    expect(reply.last_error).not.toBe(0);
    expect(reply.last_error).toBe(-2147483646); // MinorErrorReason: PIN碼錯誤，剩餘兩次機會
    expect(reply.signature).toBeUndefined();
    // The right PIN again resets the count.
    expect((await call(page, makeSignature())).ret_code).toBe(0);
    await page.close();
  });

  it('a locked card: 0x76100006 with last_error 0xA4, even with the right PIN', async () => {
    const page = await openClient(hrCard);
    const codes = [];
    for (const pin of ['000000', '111111', '222222']) codes.push((await call(page, makeSignature({ pin }))).last_error);
    expect(codes).toEqual([-2147483646, -2147483647, 0xa4]);
    const reply = await call(page, makeSignature());
    expect(reply).toMatchObject({ func: 'sign', ret_code: 0x76100006, last_error: 0xa4 });
    expect(reply.signature).toBeUndefined();
    await page.close();
  });

  it('no card: 0x76000006 for MakeSignature, and a listing whose tokens are all null', async () => {
    const page = await openClient(noCard);
    expect(await call(page, makeSignature())).toMatchObject({ func: 'sign', ret_code: 0x76000006 });
    const listing = (await call(page, { func: 'GetUserCert' })) as Listing;
    expect(listing).toMatchObject({ func: 'pkcs11info', ret_code: 0x76000006 });
    expect(listing.slots.every((s) => s.token === null)).toBe(true);
    await page.close();
  });

  it('several cards: the popup lets the user pick; 取消 answers 0x76000999', async () => {
    const page = await openClient(allCards);
    const cancelled = await call(page, makeSignature(), {
      inPopup: async (popup) => {
        await clickClosing(popup, popup.getByRole('button', { name: '取消' }));
      },
    });
    expect(cancelled).toMatchObject({ func: 'sign', ret_code: 0x76000999 });
    expect(cancelled.signature).toBeUndefined();
    // Picking a card and 確定 signs with that one.
    const picked = await call(page, makeSignature({ signatureType: 'PKCS1' }), {
      inPopup: async (popup) => {
        await popup.getByLabel(/agency-ntunhs/).check();
        await clickClosing(popup, popup.getByRole('button', { name: '確定' }));
      },
    });
    expect(picked).toMatchObject({ func: 'sign', ret_code: 0 });
    expect(Buffer.from(String(picked.certb64), 'base64').equals(new crypto.X509Certificate(fs.readFileSync(certPem('agency-ntunhs'))).raw)).toBe(true);
    await page.close();
  });

  it('closing the popup counts as cancelling: 0x76000999', async () => {
    const page = await openClient(allCards);
    const reply = await call(page, makeSignature(), {
      inPopup: async (popup) => {
        await popup.getByRole('button', { name: '確定' }).waitFor();
        await popup.close({ runBeforeUnload: true });
      },
    });
    expect(reply).toMatchObject({ func: 'sign', ret_code: 0x76000999 });
    await page.close();
  });
});

describe('the popup tells which site asks and for what', () => {
  const challenge = (purpose: string, origin: string, extra: string[] = []) =>
    [`ecpa-${purpose}`, `origin=${origin}`, `nonce=${crypto.randomBytes(32).toString('base64url')}`, `time=${new Date().toISOString()}`, ...extra].join('\n');

  it('a login challenge: the site and 「登入」; a document: its title and digest', async () => {
    const page = await openClient(allCards);
    const seen: string[] = [];
    const look = async (popup: Page) => {
      await popup.getByRole('button', { name: '取消' }).waitFor();
      seen.push(await popup.locator('main').innerText());
      await clickClosing(popup, popup.getByRole('button', { name: '取消' }));
    };
    await call(page, makeSignature({ signatureType: 'PKCS1', tbs: challenge('login', siteOrigin) }), { inPopup: look });
    expect(seen[0]).toContain(`要求來源：${siteOrigin}`);
    expect(seen[0]).toContain(`用途：登入（${siteOrigin}）`);
    const digest = crypto.createHash('sha256').update('申請書').digest('hex');
    const doc = challenge('sign', siteOrigin, ['title=資料介接申請書 APFQ11500001', `digest=${digest}`]);
    await call(page, makeSignature({ tbs: Buffer.from(doc).toString('base64'), tbsEncoding: 'base64' }), { inPopup: look });
    expect(seen[1]).toContain('用途：簽署文件「資料介接申請書 APFQ11500001」');
    expect(seen[1]).toContain(digest);
    await page.close();
  });

  it('refuses a login challenge whose embedded origin is another site: 0x7600000F, nothing signed', async () => {
    const page = await openClient(oneCard);
    const reply = await call(page, makeSignature({ signatureType: 'PKCS1', tbs: challenge('login', 'https://ecpa.example.gov.tw') }));
    expect(reply).toMatchObject({ func: 'sign', ret_code: 0x7600000f });
    expect(reply.signature).toBeUndefined();
    // The same challenge for this site is signed without a click (one card).
    expect(await call(page, makeSignature({ signatureType: 'PKCS1', tbs: challenge('login', siteOrigin) }))).toMatchObject({ func: 'sign', ret_code: 0 });
    await page.close();
  });
});

describe('bad input through the popup', () => {
  const cases: [string, unknown, number, number?][] = [
    ['a tbsPackage that is not JSON', '{"func":"MakeSignature","tbs":', 0x7600000b],
    ['2 MB of JSON', JSON.stringify(makeSignature({ tbs: 'x'.repeat(2 * 1024 * 1024) })), 0x7600000a],
    ['an unknown func', { func: 'DeleteAllCerts', nonce: '1' }, 0x7600000e],
    ['signatureType "XML"', makeSignature({ signatureType: 'XML' }), 0x76300002],
    ['hashAlgorithm "MD5"', makeSignature({ hashAlgorithm: 'MD5' }), 0x7600000c],
    ['tbsEncoding base64 with invalid base64', makeSignature({ tbs: '不是base64!!', tbsEncoding: 'base64' }), 0x76600002],
    ['a PIN of 300 characters', makeSignature({ pin: '9'.repeat(300) }), 0x76100006, 0xa2],
  ];
  for (const [what, pkg, code, lastError] of cases) {
    it(`${what}: func "sign", ret_code 0x${code.toString(16).toUpperCase()}, nothing signed`, async () => {
      const page = await openClient(oneCard);
      const reply = await call(page, pkg);
      expect(reply).toMatchObject({ func: 'sign', ret_code: code, ...(lastError ? { last_error: lastError } : {}) });
      expect(reply.signature).toBeUndefined();
      await page.close();
    });
  }

  it('a PIN of 300 characters does not count as a wrong PIN', async () => {
    const page = await openClient(oneCard);
    await call(page, makeSignature({ pin: '9'.repeat(300) }));
    expect((await call(page, makeSignature({ pin: '000000' }))).last_error).toBe(-2147483646);
    expect((await call(page, makeSignature())).ret_code).toBe(0);
    await page.close();
  });

  it('a getTbs answer posted twice: one signature, one reply', async () => {
    const page = await openClient(oneCard);
    const before = requests.get(oneCard)!.filter((r) => r === 'POST /sign').length;
    const reply = await call(page, makeSignature(), { answerTimes: 2 });
    expect(reply).toMatchObject({ func: 'sign', ret_code: 0 });
    expect(requests.get(oneCard)!.filter((r) => r === 'POST /sign').length - before).toBe(1);
    await page.close();
  });

  it('a page on an origin that is not allowed: nothing signed, nothing said to it but getTbs', async () => {
    const page = await openClient(oneCard, otherOrigin);
    const before = requests.get(oneCard)!.filter((r) => r.startsWith('POST')).length;
    await page.evaluate((p) => {
      (globalThis as unknown as { nextPackage: unknown }).nextPackage = p;
    }, makeSignature());
    const popupPromise = page.waitForEvent('popup');
    await page.click('#go');
    const popup = await popupPromise;
    await expect.poll(() => popup.textContent('#status')).toContain('此網站未被允許使用憑證元件');
    const origin = await popup.textContent('#origin-value');
    expect(origin).toBe(otherOrigin);
    const raw = await clientState(page);
    expect(raw.replies).toEqual([]);
    expect(raw.raw.every((m) => JSON.parse(m).func === 'getTbs')).toBe(true);
    expect(requests.get(oneCard)!.filter((r) => r.startsWith('POST')).length).toBe(before);
    await popup.close();
    await page.close();
  });
});
