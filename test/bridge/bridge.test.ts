/**
 * The smart-card bridge against real SoftHSM2 tokens through pkcs11js (no mocks): the demo
 * PKI's cards are made into a temporary token folder, and the bridge listens on a free port.
 */
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDemoPki, DEMO_PIN, DEMO_SO_PIN, type DemoPkiManifest } from '../../seeds/demoPki';
import { DEMO_ACCOUNTS } from '../../seeds/demo';
import { softhsmInstalled } from '../../src/platform/pki/softhsm';
import { createBridge, type Bridge } from '../../src/bridge/app';
import { loadBridgeConfig, type BridgeConfig } from '../../src/bridge/config';
import { LAST_ERROR, RET, SERVER_VERSION } from '../../src/bridge/codes';
import { unlockCard } from '../../src/bridge/unlock';
import { BridgeRefusal, type BridgeResult, type Pkcs11Info } from '../../src/bridge/service';
import { CKR, CardLoginError } from '../../src/bridge/token';

const PORTAL = 'http://portal.test';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-bridge-test-'));
const stateFile = path.join(root, 'bridge-state.json');

let manifest: DemoPkiManifest;
let config: BridgeConfig;
let bridge: Bridge;
let origin: string;

function configFor(extra: Record<string, string> = {}): BridgeConfig {
  return loadBridgeConfig({
    BRIDGE_PORT: '0',
    BRIDGE_ALLOWED_ORIGINS: PORTAL,
    BRIDGE_STATE_FILE: stateFile,
    SOFTHSM2_CONF: manifest.softhsmConf!,
    ...extra,
  });
}

async function start(cfg: BridgeConfig) {
  const b = createBridge(cfg);
  const { origin: o } = await b.listen(0);
  return { bridge: b, origin: o };
}

/** POST /sign as the bridge's own popup would. */
async function sign(tbsPackage: unknown, opts: { base?: string; portal?: string; originHeader?: string | null; cardSN?: string } = {}) {
  const base = opts.base ?? origin;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const originHeader = opts.originHeader === undefined ? base : opts.originHeader;
  if (originHeader !== null) headers.origin = originHeader;
  const res = await fetch(`${base}/sign`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ tbsPackage, origin: opts.portal ?? PORTAL, ...(opts.cardSN ? { cardSN: opts.cardSN } : {}) }),
  });
  return { status: res.status, body: (await res.json()) as BridgeResult };
}

const makeSignature = (tokenLabel: string, pin: string | undefined, extra: Record<string, unknown> = {}) => ({
  func: 'MakeSignature',
  signatureType: 'PKCS1',
  tbs: 'purpose=login;origin=http://portal.test;nonce=abc',
  tbsEncoding: 'NONE',
  hashAlgorithm: 'SHA256',
  withCardSN: 'true',
  nonce: 'n-1',
  tokenLabel,
  ...(pin === undefined ? {} : { pin }),
  ...extra,
});

async function info(base = origin, withCert = true): Promise<Pkcs11Info> {
  const res = await fetch(`${base}/pkcs11info${withCert ? '?withcert=true' : ''}`);
  return (await res.json()) as Pkcs11Info;
}

const serialOf = async (label: string) => (await info(origin, false)).slots.find((s) => s.token?.label === label)!.token!.serialNumber;
const certDer = (card: string) => new crypto.X509Certificate(fs.readFileSync(path.join(root, 'pki', 'cards', card, 'cert.pem'))).raw;
const state = () => JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { cards: Record<string, { failures: number }> };

beforeAll(async () => {
  if (!softhsmInstalled()) throw new Error('SoftHSM2 is needed for the bridge tests: apt-get install softhsm2');
  manifest = createDemoPki(path.join(root, 'pki'), { softhsmDir: path.join(root, 'softhsm') });
  // SoftHSM2 reads its configuration when pkcs11js initialises the module.
  process.env.SOFTHSM2_CONF = manifest.softhsmConf!;
  config = configFor();
  ({ bridge, origin } = await start(config));
}, 180_000);

afterAll(async () => {
  await bridge?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('configuration', () => {
  it('has the HiPKI defaults and refuses anything but the loopback', () => {
    const c = loadBridgeConfig({});
    expect(c).toMatchObject({ port: 61161, host: '127.0.0.1', modulePath: '/usr/lib/softhsm/libsofthsm2.so', allowedOrigins: ['http://localhost:3000'], cards: null });
    expect(c.stateFile).toBe(path.resolve('.data/bridge-state.json'));
    expect(() => loadBridgeConfig({ BRIDGE_HOST: '0.0.0.0' })).toThrow(/BRIDGE_HOST/);
    expect(() => loadBridgeConfig({ BRIDGE_ALLOWED_ORIGINS: 'http://a.test/path' })).toThrow(/BRIDGE_ALLOWED_ORIGINS/);
    expect(loadBridgeConfig({ BRIDGE_ALLOWED_ORIGINS: 'http://a.test/, https://b.test:8443', BRIDGE_CARDS: ' x , y ' })).toMatchObject({
      allowedOrigins: ['http://a.test', 'https://b.test:8443'],
      cards: ['x', 'y'],
    });
  });
});

describe('GET /pkcs11info', () => {
  it('lists the readers and the tokens with their certificates inside (slots[i].token.certs[j]), usage and card type', async () => {
    const res = await fetch(`${origin}/pkcs11info?withcert=true`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Pkcs11Info;
    expect(body).toMatchObject({ ret_code: 0, serverVersion: SERVER_VERSION, modulePath: '/usr/lib/softhsm/libsofthsm2.so' });
    const tokens = body.slots.filter((s) => s.token);
    expect(tokens.map((s) => s.token!.label).sort()).toEqual(manifest.cards.map((c) => c.tokenLabel).sort());
    const slot = (label: string) => body.slots.find((s) => s.token?.label === label)!;
    const wang = slot('wang-xiaoming');
    expect(wang.token!.serialNumber).toMatch(/^[0-9a-f]{16}$/);
    expect(wang.token!.manufacturer).toBe('SoftHSM project');
    const certs = (label: string) => slot(label).token!.certs!;
    // 自然人憑證 and 機關憑證: a signature and an encryption certificate, cert1 and cert2.
    for (const card of ['wang-xiaoming', 'agency-ntunhs']) {
      expect(certs(card).map((c) => [c.label, c.usage, c.keyUsage]), card).toEqual([
        ['cert1', 'digitalSignature', ['digitalSignature', 'nonRepudiation']],
        ['cert2', 'keyEncipherment|dataEncipherment', ['keyEncipherment', 'dataEncipherment']],
      ]);
      const enc = new crypto.X509Certificate(fs.readFileSync(path.join(root, 'pki', 'cards', card, 'enc-cert.pem')));
      expect(Buffer.from(certs(card)[1]!.certb64, 'base64').equals(enc.raw)).toBe(true);
      expect(certs(card)[1]!.subjectDN).toBe(certs(card)[0]!.subjectDN);
    }
    expect(certs('chen-meiling-nhi')).toHaveLength(1);
    const signing = certs('wang-xiaoming').find((c) => c.usage === 'digitalSignature')!;
    expect(signing).toMatchObject({ label: 'cert1', subjectCN: '王小明', subjectID: DEMO_ACCOUNTS.find((a) => a.name === '王小明')!.nationalId.slice(-4), type: 'moica', keyUsage: expect.arrayContaining(['digitalSignature']) });
    expect(signing.subjectDN).toContain('CN=王小明');
    expect(signing.issuerCN).toContain('內政部憑證管理中心');
    expect(Buffer.from(signing.certb64, 'base64').equals(certDer('wang-xiaoming'))).toBe(true);
    expect(signing.sn).toBe(manifest.cards.find((c) => c.name === 'wang-xiaoming')!.serialHex);
    expect(signing.notAfterT).toBe(Math.floor(Date.parse(signing.notAfter) / 1000));
    expect(certs('agency-ntunhs')[0]).toMatchObject({ subjectCN: '國立臺北護理健康大學', type: 'gca', usage: 'digitalSignature' });
    expect(certs('chen-meiling-nhi')[0]).toMatchObject({ subjectCN: '陳美玲', type: 'nhi' });
    expect(certs('untrusted')[0]!.type).toBe('unknown');
    expect(certs('no-signature-usage')[0]).toMatchObject({ keyUsage: ['keyEncipherment'], usage: 'keyEncipherment|dataEncipherment' });
    const expired = certs('expired')[0]!;
    expect(expired.notAfterT * 1000).toBeLessThan(Date.now());
    // The old layout is gone: no certs beside the token.
    expect(body.slots.every((s) => !('certs' in s))).toBe(true);
    // Without withcert: no certificates.
    expect((await info(origin, false)).slots.every((s) => s.token?.certs === undefined)).toBe(true);
  });

  it('answers allowed portal origins with CORS, refuses other origins', async () => {
    const ok = await fetch(`${origin}/pkcs11info`, { headers: { origin: PORTAL } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(ok.headers.get('vary')).toMatch(/Origin/);
    const evil = await fetch(`${origin}/pkcs11info`, { headers: { origin: 'http://evil.test' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    // 在未授權的網站執行元件: what HiPKI clients read as 「非信任網站」.
    expect(((await evil.json()) as BridgeResult).ret_code).toBe(0x76000031);
    const preflight = await fetch(`${origin}/pkcs11info`, {
      method: 'OPTIONS',
      headers: { origin: PORTAL, 'access-control-request-method': 'GET', 'access-control-request-private-network': 'true' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-private-network')).toBe('true');
  });

  it('names every answer of the listing func "pkcs11info", refusals included (clients switch on it)', async () => {
    expect(await info(origin, true)).toMatchObject({ func: 'pkcs11info', ret_code: 0 });
    expect(await info(origin, false)).toMatchObject({ func: 'pkcs11info', ret_code: 0 });
    const evil = await fetch(`${origin}/pkcs11info?withcert=true`, { headers: { origin: 'http://evil.test' } });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ func: 'pkcs11info', ret_code: RET.ORIGIN_NOT_ALLOWED });
    const post = await fetch(`${origin}/pkcs11info`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(await post.json()).toMatchObject({ func: 'pkcs11info', ret_code: RET.NOT_SUPPORTED });
    // Through the popup's /sign: GetUserCert / CheckEnvir answer "pkcs11info" even when refused.
    expect((await sign({ func: 'GetUserCert', tokenLabel: 'no-such-card' })).body).toMatchObject({ func: 'pkcs11info' });
    const badCard = await sign({ func: 'GetUserCert' }, { cardSN: 'x'.repeat(65) });
    expect(badCard.body).toMatchObject({ func: 'pkcs11info', ret_code: RET.BAD_REQUEST });
    // A DecryptData package (this bridge opens files through POST /decrypt only) is refused as "decrypt".
    expect((await sign({ func: 'DecryptData', cipher: 'AA==', pin: DEMO_PIN })).body).toMatchObject({ func: 'decrypt', ret_code: RET.NOT_SUPPORTED });
    // MakeSignature and any other call stay "sign".
    expect((await sign({ func: 'EncryptData' })).body).toMatchObject({ func: 'sign', ret_code: RET.NOT_SUPPORTED });
  });

  it('refuses a Host header that is not the loopback (DNS rebinding)', async () => {
    const port = new URL(origin).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/pkcs11info', headers: { host: `evil.test:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe('POST /sign: MakeSignature, GetUserCert, CheckEnvir', () => {
  it('signs with the right PIN: SHA256withRSA over the UTF-8 tbs, verifiable with the certificate', async () => {
    const pkg = makeSignature('wang-xiaoming', DEMO_PIN, { tbs: '登入人事服務網 nonce=0123456789abcdef' });
    const { status, body } = await sign(pkg);
    expect(status).toBe(200);
    expect(body).toMatchObject({ func: 'sign', ret_code: 0, last_error: 0, nonce: 'n-1', serverVersion: SERVER_VERSION });
    expect(body.cardSN).toBe(await serialOf('wang-xiaoming'));
    const cert = new crypto.X509Certificate(Buffer.from(body.certb64!, 'base64'));
    expect(cert.raw.equals(certDer('wang-xiaoming'))).toBe(true);
    const sig = Buffer.from(body.signature!, 'base64');
    expect(crypto.verify('sha256', Buffer.from(pkg.tbs, 'utf8'), cert.publicKey, sig)).toBe(true);
    expect(crypto.verify('sha256', Buffer.from('something else'), cert.publicKey, sig)).toBe(false);
  });

  it('takes base64 tbs and SHA384/SHA512; leaves cardSN out unless withCardSN', async () => {
    const data = crypto.randomBytes(48);
    for (const hash of ['SHA384', 'SHA512'] as const) {
      const { body } = await sign(makeSignature('agency-ntunhs', DEMO_PIN, { tbs: data.toString('base64'), tbsEncoding: 'base64', hashAlgorithm: hash, withCardSN: 'false' }));
      expect(body.ret_code).toBe(0);
      expect(body.cardSN).toBeUndefined();
      const cert = new crypto.X509Certificate(Buffer.from(body.certb64!, 'base64'));
      expect(crypto.verify(hash.toLowerCase(), data, cert.publicKey, Buffer.from(body.signature!, 'base64'))).toBe(true);
    }
  });

  it('makes a CMS SignedData for signatureType PKCS7 (openssl cms -verify accepts it)', async () => {
    const { body } = await sign(makeSignature('hr-chief', DEMO_PIN, { signatureType: 'PKCS7', tbs: 'CMS 簽章測試' }));
    expect(body.ret_code).toBe(0);
    const file = path.join(root, 'p7.der');
    fs.writeFileSync(file, Buffer.from(body.signature!, 'base64'));
    const out = execFileSync('openssl', ['cms', '-verify', '-noverify', '-binary', '-inform', 'DER', '-in', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.toString('utf8')).toBe('CMS 簽章測試');
  });

  it('answers GetUserCert (no PIN) and CheckEnvir with func "pkcs11info" and the withcert listing', async () => {
    const { body } = await sign({ func: 'GetUserCert', tokenLabel: 'agency-dgpa', nonce: 7 });
    const listing = body as unknown as Pkcs11Info;
    expect(listing).toMatchObject({ func: 'pkcs11info', ret_code: 0, nonce: '7', serverVersion: SERVER_VERSION });
    const tokens = listing.slots.filter((s) => s.token);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.token!.serialNumber).toBe(await serialOf('agency-dgpa'));
    const signing = tokens[0]!.token!.certs!.find((c) => c.usage === 'digitalSignature')!;
    expect(Buffer.from(signing.certb64, 'base64').equals(certDer('agency-dgpa'))).toBe(true);
    expect(body.signature).toBeUndefined();
    const env = (await sign({ func: 'CheckEnvir' })).body as unknown as Pkcs11Info;
    expect(env).toMatchObject({ func: 'pkcs11info', ret_code: 0, serverVersion: SERVER_VERSION });
    expect(env.slots.filter((s) => s.token)).toHaveLength(manifest.cards.length);
  });

  it('uses the card picked in the popup (cardSN) and refuses a card that is not there', async () => {
    const serial = await serialOf('first-login');
    const { body } = await sign(makeSignature('', DEMO_PIN), { cardSN: serial });
    expect(body).toMatchObject({ func: 'sign', ret_code: 0, cardSN: serial });
    expect((await sign(makeSignature('no-such-card', DEMO_PIN))).body).toMatchObject({ func: 'sign', ret_code: 0x76000006 });
  });

  it('asks for the PIN: 0x76000998 without one', async () => {
    expect((await sign(makeSignature('wang-xiaoming', undefined))).body.ret_code).toBe(RET.NO_PIN);
    expect((await sign(makeSignature('wang-xiaoming', ''))).body.ret_code).toBe(RET.NO_PIN);
  });

  it('checks the certificate validity before signing: expired → 0x76500002, PIN counter untouched', async () => {
    const { body } = await sign(makeSignature('expired', '000000'));
    expect(body).toMatchObject({ ret_code: RET.CERT_EXPIRED, nonce: 'n-1' });
    expect(body.signature).toBeUndefined();
    const serial = await serialOf('expired');
    expect(fs.existsSync(stateFile) ? state().cards[serial] : undefined).toBeUndefined();
  });

  it('answers bad packages with HiPKI codes, always as func "sign", nothing signed and the PIN counter untouched', async () => {
    const serial = await serialOf('wang-xiaoming');
    const cases: [unknown, number, number?][] = [
      // 簽章型別錯誤, 參數錯誤 (hash, encoding), 不支援的方法, 未輸入待簽訊息, Base64解碼錯誤
      [makeSignature('wang-xiaoming', DEMO_PIN, { signatureType: 'XML' }), 0x76300002],
      [makeSignature('wang-xiaoming', DEMO_PIN, { hashAlgorithm: 'MD5' }), 0x7600000c],
      [makeSignature('wang-xiaoming', DEMO_PIN, { tbsEncoding: 'hex' }), 0x7600000c],
      [{ func: 'EncryptData', nonce: 'n-1' }, 0x7600000e],
      [makeSignature('wang-xiaoming', DEMO_PIN, { tbs: '' }), 0x76000003],
      [makeSignature('wang-xiaoming', DEMO_PIN, { tbs: '%%%=', tbsEncoding: 'base64' }), 0x76600002],
      [makeSignature('wang-xiaoming', DEMO_PIN, { tbs: 'abc', tbsEncoding: 'base64' }), 0x76600002],
      // A 300-character PIN: what a card answers (CKR_PIN_LEN_RANGE), not a try at the PIN.
      [makeSignature('wang-xiaoming', '1'.repeat(300)), 0x76100006, 0xa2],
      // Not JSON at all, and JSON that is not an object.
      ['{"func":"MakeSignature", tbs:', 0x7600000b],
      ['[1,2,3]', 0x7600000b],
      [{ func: 42, nonce: 'n-1' }, 0x7600000c],
    ];
    for (const [pkg, code, lastError] of cases) {
      const { body } = await sign(pkg);
      expect(body, JSON.stringify(pkg).slice(0, 80)).toMatchObject({ func: 'sign', ret_code: code, ...(lastError ? { last_error: lastError } : {}) });
      expect(body.signature).toBeUndefined();
    }
    expect(fs.existsSync(stateFile) ? state().cards[serial] : undefined).toBeUndefined();
  });

  it('reads a tbsPackage string as HiPKI does, with + escaped as %2B', async () => {
    const tbs = Buffer.from([0xfb, 0xef, 0xbe, 0xfb, 0xff, 0x01]).toString('base64'); // "++++/wE="
    expect(tbs).toContain('+');
    const pkg = makeSignature('wang-xiaoming', DEMO_PIN, { tbs, tbsEncoding: 'base64' });
    const escaped = JSON.stringify(pkg).replace(/\+/g, '%2B');
    expect(escaped).not.toContain('+');
    const { body } = await sign(escaped);
    expect(body).toMatchObject({ func: 'sign', ret_code: 0 });
    const cert = new crypto.X509Certificate(Buffer.from(body.certb64!, 'base64'));
    expect(crypto.verify('sha256', Buffer.from(tbs, 'base64'), cert.publicKey, Buffer.from(body.signature!, 'base64'))).toBe(true);
    // Unescaped, as a plain JSON string, too.
    expect((await sign(JSON.stringify(pkg))).body.ret_code).toBe(0);
  });
});

describe('portal challenges', () => {
  const challenge = (purpose: string, origin: string) => [`ecpa-${purpose}`, `origin=${origin}`, `nonce=${'A'.repeat(43)}`, `time=${new Date().toISOString()}`].join('\n');

  it('signs a login challenge only for the site it names: another site gets 0x7600000F, nothing signed, PIN counter untouched', async () => {
    const serial = await serialOf('wang-xiaoming');
    expect((await sign(makeSignature('wang-xiaoming', DEMO_PIN, { tbs: challenge('login', PORTAL) }))).body).toMatchObject({ func: 'sign', ret_code: 0 });
    for (const tbs of [challenge('login', 'http://ecpa.other.test'), challenge('bind', 'http://ecpa.other.test'), challenge('sign', 'http://ecpa.other.test'), 'ecpa-login\nnonce=x']) {
      for (const pkg of [makeSignature('wang-xiaoming', '000000', { tbs }), makeSignature('wang-xiaoming', '000000', { tbs: Buffer.from(tbs).toString('base64'), tbsEncoding: 'base64' })]) {
        const { body } = await sign(pkg);
        expect(body, tbs).toMatchObject({ func: 'sign', ret_code: 0x7600000f });
        expect(body.signature).toBeUndefined();
      }
    }
    expect(fs.existsSync(stateFile) ? state().cards[serial] : undefined).toBeUndefined();
  });
});

describe('wrong PINs and the unlock route', () => {
  it('counts consecutive wrong PINs: 0x80000002, 0x80000001 (as signed integers), then locked 0xA4 even with the right PIN', async () => {
    const serial = await serialOf('hr-chief');
    const attempt = async (pin: string) => (await sign(makeSignature('hr-chief', pin))).body;
    // IC卡登入失敗 with last_error as clients' MinorErrorReason reads it: -2147483646 「剩餘兩次機會」…
    expect(await attempt('000000')).toMatchObject({ func: 'sign', ret_code: 0x76100006, last_error: -2147483646 });
    // A right PIN resets the counter.
    expect((await attempt(DEMO_PIN)).ret_code).toBe(0);
    expect(await attempt('000000')).toMatchObject({ ret_code: 0x76100006, last_error: -2147483646 });
    expect(await attempt('111111')).toMatchObject({ ret_code: 0x76100006, last_error: -2147483647 });
    expect(await attempt('222222')).toMatchObject({ ret_code: 0x76100006, last_error: 0xa4 });
    // Locked: the right PIN is refused without C_Login.
    const login = vi.spyOn(bridge.service.token, 'withUserSession');
    const locked = await attempt(DEMO_PIN);
    expect(locked).toMatchObject({ ret_code: RET.LOGIN_FAILED, last_error: LAST_ERROR.LOCKED });
    expect(locked.signature).toBeUndefined();
    expect(login).not.toHaveBeenCalled();
    login.mockRestore();
    // Persisted per card serial.
    expect(state().cards[serial]).toMatchObject({ failures: 3, label: 'hr-chief' });
    // Other cards are not affected.
    expect((await sign(makeSignature('wang-xiaoming', DEMO_PIN))).body.ret_code).toBe(0);
  });

  it('stays locked in a new bridge instance (the counter survives restarts)', async () => {
    const second = await start(configFor());
    try {
      const { body } = await sign(makeSignature('hr-chief', DEMO_PIN), { base: second.origin });
      expect(body).toMatchObject({ ret_code: RET.LOGIN_FAILED, last_error: LAST_ERROR.LOCKED });
    } finally {
      await second.bridge.close();
    }
    // The first bridge still works after the second released the module.
    expect((await sign(makeSignature('wang-xiaoming', DEMO_PIN))).body.ret_code).toBe(0);
  });

  it('unlocks only with the right SO PIN (C_Login CKU_SO), by label or by serial', async () => {
    const serial = await serialOf('hr-chief');
    const wrong = unlockCard(config, { card: 'hr-chief', soPin: '87654321' });
    expect(wrong).toMatchObject({ ok: false, label: 'hr-chief', serial });
    expect(wrong.message).toMatch(/SO PIN/);
    expect((await sign(makeSignature('hr-chief', DEMO_PIN))).body.last_error).toBe(LAST_ERROR.LOCKED);
    expect(state().cards[serial]!.failures).toBe(3);
    expect(unlockCard(config, { card: 'nobody', soPin: DEMO_SO_PIN }).ok).toBe(false);
    const right = unlockCard(config, { card: serial, soPin: DEMO_SO_PIN });
    expect(right).toMatchObject({ ok: true, label: 'hr-chief', serial });
    expect(state().cards[serial]).toBeUndefined();
    expect((await sign(makeSignature('hr-chief', DEMO_PIN))).body.ret_code).toBe(0);
  });

  it('refuses a wrong PIN while the card is still logged in with the right one, and counts it', async () => {
    const { service } = bridge;
    const card = service.presentCards().find((c) => c.label === 'first-login')!;
    // Token layer: a wrong PIN in a second session while the first is logged in.
    let tokenInner: unknown = 'accepted';
    service.token.withUserSession(card.slot, DEMO_PIN, () => {
      try {
        service.token.withUserSession(card.slot, '000000', () => undefined);
      } catch (e) {
        tokenInner = e;
      }
    });
    expect(tokenInner).toBeInstanceOf(CardLoginError);
    expect((tokenInner as CardLoginError).ckr).toBe(CKR.PIN_INCORRECT);
    // Bridge layer: the same, counted toward the lock (wrong-PIN code, two tries left).
    let bridgeInner: unknown = 'accepted';
    service.withCardLogin(card, DEMO_PIN, () => {
      try {
        service.withCardLogin(card, '000000', () => undefined);
      } catch (e) {
        bridgeInner = e;
      }
    });
    expect(bridgeInner).toBeInstanceOf(BridgeRefusal);
    expect(bridgeInner).toMatchObject({ retCode: RET.LOGIN_FAILED, lastError: LAST_ERROR.TWO_TRIES_LEFT });
    expect(state().cards[card.serial]).toMatchObject({ failures: 1, label: 'first-login' });
    // The right PIN still signs afterwards and resets the counter.
    expect((await sign(makeSignature('first-login', DEMO_PIN))).body.ret_code).toBe(0);
    expect(state().cards[card.serial]).toBeUndefined();
  });

  it('unlocks from the command line: npm run bridge -- unlock --card <label> --so-pin <SO PIN>', async () => {
    for (const pin of ['1', '2', '3']) await sign(makeSignature('retired', `99999${pin}`));
    expect((await sign(makeSignature('retired', DEMO_PIN))).body.last_error).toBe(LAST_ERROR.LOCKED);
    const env = { ...process.env, SOFTHSM2_CONF: manifest.softhsmConf!, BRIDGE_STATE_FILE: stateFile, BRIDGE_ALLOWED_ORIGINS: PORTAL };
    // Run without blocking this process: the bridge under test keeps serving meanwhile (a
    // blocked event loop let its keep-alive sockets time out: ECONNRESET on the next fetch).
    const cli = (soPin: string) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/bridge/server.ts', 'unlock', '--card', 'retired', '--so-pin', soPin], { env, cwd: process.cwd(), timeout: 60_000 });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });
    const bad = await cli('00000000');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/SO PIN/);
    expect((await sign(makeSignature('retired', DEMO_PIN))).body.last_error).toBe(LAST_ERROR.LOCKED);
    const good = await cli(DEMO_SO_PIN);
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/已解鎖/);
    // The running bridge reads the state file on every attempt.
    expect((await sign(makeSignature('retired', DEMO_PIN))).body.ret_code).toBe(0);
  });
});

describe('who may call the bridge', () => {
  it('refuses a portal origin that is not configured: 0x76000031', async () => {
    const { status, body } = await sign(makeSignature('wang-xiaoming', DEMO_PIN), { portal: 'http://evil.test' });
    expect(status).toBe(403);
    expect(body.ret_code).toBe(0x76000031);
    expect(body.signature).toBeUndefined();
  });

  it('refuses /sign without the bridge own Origin (no Origin, or a web page calling directly)', async () => {
    for (const originHeader of [null, PORTAL, 'http://evil.test', 'null']) {
      const { status, body } = await sign(makeSignature('wang-xiaoming', DEMO_PIN), { originHeader });
      expect(status).toBe(403);
      expect(body.ret_code).toBe(RET.ORIGIN_NOT_ALLOWED);
      expect(body.signature).toBeUndefined();
    }
  });

  it('answers oversized and malformed bodies with 413/400 and a ret_code, and keeps running', async () => {
    const post = (body: string) => fetch(`${origin}/sign`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body });
    const big = await post(JSON.stringify({ origin: PORTAL, tbsPackage: makeSignature('wang-xiaoming', DEMO_PIN, { tbs: 'x'.repeat(70 * 1024) }) }));
    expect(big.status).toBe(413);
    // 檔案過大
    expect((await big.json()) as BridgeResult).toMatchObject({ func: 'sign', ret_code: 0x7600000a });
    // JSON格式錯誤 for what is not a JSON object, 參數錯誤 for a missing field.
    const cases: [string, number][] = [
      ['{"origin":', 0x7600000b],
      ['not json', 0x7600000b],
      ['[1,2]', 0x7600000b],
      ['"a string"', 0x7600000b],
      ['', 0x7600000c],
      ['{}', 0x7600000c],
      [JSON.stringify({ tbsPackage: { func: 'CheckEnvir' } }), 0x7600000c],
      [JSON.stringify({ origin: PORTAL, tbsPackage: '{not json' }), 0x7600000b],
    ];
    for (const [body, code] of cases) {
      const res = await post(body);
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as BridgeResult).ret_code, body).toBe(code);
    }
    expect((await fetch(`${origin}/pkcs11info`)).status).toBe(200);
  });
});

describe('readers and cards', () => {
  it('BRIDGE_CARDS excluding every token: no card 0x76000006', async () => {
    const b = await start(configFor({ BRIDGE_CARDS: 'not-inserted' }));
    try {
      expect((await sign(makeSignature('wang-xiaoming', DEMO_PIN), { base: b.origin })).body.ret_code).toBe(RET.NO_CARD);
      expect((await sign({ func: 'GetUserCert' }, { base: b.origin })).body.ret_code).toBe(RET.NO_CARD);
      const i = await info(b.origin);
      expect(i.ret_code).toBe(RET.NO_CARD);
      expect(i.slots.every((s) => s.token === null)).toBe(true);
      const env = (await sign({ func: 'CheckEnvir' }, { base: b.origin })).body as unknown as Pkcs11Info;
      expect(env).toMatchObject({ func: 'pkcs11info', ret_code: 0x76000006 });
      expect(env.slots.length).toBeGreaterThan(0);
      expect(env.slots.every((s) => s.token === null)).toBe(true);
    } finally {
      await b.bridge.close();
    }
  });

  it('BRIDGE_CARDS with one card: a package that names no card uses it', async () => {
    const b = await start(configFor({ BRIDGE_CARDS: 'agency-ntunhs' }));
    try {
      const { body } = await sign(makeSignature('', DEMO_PIN, { tokenLabel: undefined }), { base: b.origin });
      expect(body.ret_code).toBe(0);
      expect(Buffer.from(body.certb64!, 'base64').equals(certDer('agency-ntunhs'))).toBe(true);
    } finally {
      await b.bridge.close();
    }
  });

  it('PKCS11_MODULE missing: no reader 0x76100003, and the bridge still answers', async () => {
    const b = await start(configFor({ PKCS11_MODULE: path.join(root, 'no-such-pkcs11.so') }));
    try {
      expect((await sign(makeSignature('wang-xiaoming', DEMO_PIN), { base: b.origin })).body.ret_code).toBe(RET.NO_READER);
      expect((await sign({ func: 'CheckEnvir' }, { base: b.origin })).body).toMatchObject({ func: 'pkcs11info', ret_code: 0x76100003, serverVersion: SERVER_VERSION, slots: [] });
      const res = await fetch(`${b.origin}/pkcs11info?withcert=true`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ ret_code: RET.NO_READER, slots: [] });
      expect((await fetch(`${b.origin}/popupForm`)).status).toBe(200);
    } finally {
      await b.bridge.close();
    }
  });
});

describe('popup and other endpoints', () => {
  it('serves /popupForm with a self-only CSP, no inline script, and the allowed origins', async () => {
    const res = await fetch(`${origin}/popupForm`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).toContain('<html lang="zh-Hant-TW">');
    expect(html).toContain('<script src="/popupForm.js" defer></script>');
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).toContain('data-allowed-origins="[&quot;http://portal.test&quot;]"');
    expect(html).toContain('要求來源');
    expect(html).toContain('確定');
    const js = await fetch(`${origin}/popupForm.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    const code = await js.text();
    expect(code).toContain("JSON.stringify({ func: 'getTbs' }), '*'");
    expect(code).toContain('此網站未被允許使用憑證元件');
    expect(code).toContain("fetch('/sign'");
    expect((await fetch(`${origin}/popupForm.css`)).headers.get('content-type')).toMatch(/text\/css/);
  });

  it('answers GET / with the version as IT departments\' update scripts read it', async () => {
    const res = await fetch(`${origin}/`);
    expect(res.status).toBe(200);
    const text = await res.text();
    // What the update scripts do: find version:1.3.4.NNNNNN in the page.
    const m = /version:(\d+\.\d+\.\d+\.\d+)/.exec(text);
    expect(m?.[1]).toBe(SERVER_VERSION);
    expect(m![1]!.split('.').slice(0, 3).join('.')).toBe('1.3.4');
  });

  it('answers /decrypt (covered in decrypt.test.ts): POST only, never without an allowed Origin', async () => {
    expect((await fetch(`${origin}/decrypt`)).status).toBe(405);
    const res = await fetch(`${origin}/decrypt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ ret_code: RET.ORIGIN_NOT_ALLOWED });
  });
});
