/**
 * 解密程式: the bridge decrypts delivered data files (CMS EnvelopedData made by the system
 * `openssl cms -encrypt`) with the card's key on real SoftHSM2 tokens, over POST /decrypt
 * and from the command line; `openssl cms -decrypt` opens the same files (interop).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDemoPki, DEMO_PIN, DEMO_SO_PIN, type DemoPkiManifest } from '../../seeds/demoPki';
import { softhsmInstalled } from '../../src/platform/pki/softhsm';
import { createBridge, MAX_DECRYPT_BODY_BYTES, type Bridge } from '../../src/bridge/app';
import { loadBridgeConfig, type BridgeConfig } from '../../src/bridge/config';
import { LAST_ERROR, RET, SERVER_VERSION } from '../../src/bridge/codes';
import { unlockCard } from '../../src/bridge/unlock';
import type { BridgeResult, Pkcs11Info } from '../../src/bridge/service';

const PORTAL = 'http://portal.test';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-bridge-decrypt-'));
const stateFile = path.join(root, 'bridge-state.json');
const pkiDir = path.join(root, 'pki');
const files = path.join(root, 'files');

let manifest: DemoPkiManifest;
let config: BridgeConfig;
let bridge: Bridge;
let origin: string;
/** 1 MB of random bytes, and that payload encrypted to agency-ntunhs (DER). */
let payload: Buffer;
let forNtunhs: string;

interface DecryptAnswer {
  ret_code: number;
  last_error: number | string;
  serverVersion: string;
  plaintext?: string;
  cardSN?: string;
  tokenLabel?: string;
  message?: string;
}

function configFor(extra: Record<string, string> = {}): BridgeConfig {
  return loadBridgeConfig({ BRIDGE_PORT: '0', BRIDGE_ALLOWED_ORIGINS: PORTAL, BRIDGE_STATE_FILE: stateFile, SOFTHSM2_CONF: manifest.softhsmConf!, ...extra });
}

const cardPem = (card: string, file: 'cert.pem' | 'key.pem' | 'enc-cert.pem' | 'enc-key.pem' = 'cert.pem') => path.join(pkiDir, 'cards', card, file);

/** `openssl cms -encrypt -binary -aes256` of `data` to the given certificates; returns the file. */
function encrypt(name: string, data: Buffer, recipients: string[], extra: string[] = [], outform = 'DER'): string {
  const input = path.join(files, `${name}.plain`);
  const out = path.join(files, `${name}.${outform === 'DER' ? 'der' : 'pem'}`);
  fs.writeFileSync(input, data);
  execFileSync('openssl', ['cms', '-encrypt', '-binary', '-aes256', '-outform', outform, '-in', input, '-out', out, ...recipients.flatMap((r) => ['-recip', r]), ...extra], { stdio: 'pipe' });
  return out;
}

async function decrypt(body: unknown, opts: { base?: string; originHeader?: string | null } = {}) {
  const base = opts.base ?? origin;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const originHeader = opts.originHeader === undefined ? PORTAL : opts.originHeader;
  if (originHeader !== null) headers.origin = originHeader;
  const res = await fetch(`${base}/decrypt`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as DecryptAnswer };
}

const fileBody = (file: string, extra: Record<string, unknown> = {}) => ({ pin: DEMO_PIN, data: fs.readFileSync(file).toString('base64'), ...extra });

async function sign(tokenLabel: string, pin: string) {
  const res = await fetch(`${origin}/sign`, {
    method: 'POST',
    headers: { origin, 'content-type': 'application/json' },
    body: JSON.stringify({ origin: PORTAL, tbsPackage: { func: 'MakeSignature', tbs: 'x', pin, tokenLabel } }),
  });
  return (await res.json()) as BridgeResult;
}

let serials: Record<string, string> = {};
const state = () => (fs.existsSync(stateFile) ? (JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { cards: Record<string, { failures: number }> }) : { cards: {} });

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/bridge/server.ts', ...args], {
    env: { ...process.env, SOFTHSM2_CONF: manifest.softhsmConf!, BRIDGE_STATE_FILE: stateFile, BRIDGE_ALLOWED_ORIGINS: PORTAL, BRIDGE_PIN: '', ...env },
    cwd: process.cwd(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });

beforeAll(async () => {
  if (!softhsmInstalled()) throw new Error('SoftHSM2 is needed for the bridge tests: apt-get install softhsm2');
  manifest = createDemoPki(pkiDir, { softhsmDir: path.join(root, 'softhsm') });
  process.env.SOFTHSM2_CONF = manifest.softhsmConf!;
  fs.mkdirSync(files);
  config = configFor();
  bridge = createBridge(config);
  ({ origin } = await bridge.listen(0));
  const info = (await (await fetch(`${origin}/pkcs11info`)).json()) as Pkcs11Info;
  serials = Object.fromEntries(info.slots.filter((s) => s.token).map((s) => [s.token!.label, s.token!.serialNumber]));
  payload = crypto.randomBytes(1024 * 1024);
  forNtunhs = encrypt('ntunhs', payload, [cardPem('agency-ntunhs')]);
}, 180_000);

afterAll(async () => {
  await bridge?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('POST /decrypt', () => {
  it('opens a 1 MB file encrypted to the card (AES-256-CBC, RSA key transport) for an allowed portal, with CORS', async () => {
    const { status, headers, body } = await decrypt(fileBody(forNtunhs, { tokenLabel: 'agency-ntunhs' }));
    expect(status).toBe(200);
    expect(headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(body).toMatchObject({ ret_code: 0, last_error: 0, serverVersion: SERVER_VERSION, cardSN: serials['agency-ntunhs'] });
    expect(Buffer.from(body.plaintext!, 'base64').equals(payload)).toBe(true);
    expect(state().cards[serials['agency-ntunhs']!]).toBeUndefined();
  });

  it('finds the recipient card by itself, also by serial, from the bridge own origin', async () => {
    const { headers, body } = await decrypt(fileBody(forNtunhs), { originHeader: origin });
    expect(headers.get('access-control-allow-origin')).toBeNull();
    expect(body).toMatchObject({ ret_code: 0, cardSN: serials['agency-ntunhs'] });
    expect(Buffer.from(body.plaintext!, 'base64').equals(payload)).toBe(true);
    const bySerial = await decrypt(fileBody(forNtunhs, { cardSN: serials['agency-ntunhs'] }));
    expect(bySerial.body.ret_code).toBe(0);
  });

  it('takes PEM (as base64 or as text), streamed BER, several recipients, AES-128 and a signed envelope', async () => {
    const small = crypto.randomBytes(5000);
    const pem = encrypt('pem', small, [cardPem('agency-ntunhs')], [], 'PEM');
    expect(fs.readFileSync(pem, 'utf8')).toMatch(/^-----BEGIN CMS-----/);
    for (const data of [fs.readFileSync(pem).toString('base64'), fs.readFileSync(pem, 'utf8')]) {
      const { body } = await decrypt({ pin: DEMO_PIN, data });
      expect(body.ret_code, body.message).toBe(0);
      expect(Buffer.from(body.plaintext!, 'base64').equals(small)).toBe(true);
    }
    const streamed = encrypt('stream', small, [cardPem('agency-ntunhs')], ['-stream']);
    const both = encrypt('both', small, [cardPem('wang-xiaoming'), cardPem('agency-ntunhs')]);
    const aes128 = path.join(files, 'aes128.der');
    execFileSync('openssl', ['cms', '-encrypt', '-binary', '-aes128', '-outform', 'DER', '-in', path.join(files, 'both.plain'), '-out', aes128, '-recip', cardPem('agency-ntunhs')]);
    // Encrypted, then signed by the platform (the signature is the portal's business).
    const signed = path.join(files, 'signed.der');
    execFileSync('openssl', ['cms', '-sign', '-binary', '-nodetach', '-outform', 'DER', '-in', streamed, '-out', signed, '-signer', cardPem('agency-dgpa'), '-inkey', cardPem('agency-dgpa', 'key.pem')]);
    for (const [file, card] of [[streamed, 'agency-ntunhs'], [both, 'agency-ntunhs'], [both, 'wang-xiaoming'], [aes128, 'agency-ntunhs'], [signed, 'agency-ntunhs']] as const) {
      const { body } = await decrypt(fileBody(file, { tokenLabel: card }));
      expect(body.ret_code, `${file} ${card}: ${body.message}`).toBe(0);
      expect(body.cardSN).toBe(serials[card]);
      expect(Buffer.from(body.plaintext!, 'base64').equals(small)).toBe(true);
    }
  });

  it('opens a file encrypted to the agency card\'s encryption certificate (cert2) with the card, and openssl with its key', async () => {
    const data = Buffer.from('加密憑證的資料交換檔');
    const forEnc = encrypt('ntunhs-enc', data, [cardPem('agency-ntunhs', 'enc-cert.pem')]);
    const { body } = await decrypt(fileBody(forEnc));
    expect(body).toMatchObject({ ret_code: 0, cardSN: serials['agency-ntunhs'] });
    expect(Buffer.from(body.plaintext!, 'base64').equals(data)).toBe(true);
    const out = execFileSync('openssl', ['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', forEnc, '-inkey', cardPem('agency-ntunhs', 'enc-key.pem'), '-recip', cardPem('agency-ntunhs', 'enc-cert.pem')]);
    expect(out.equals(data)).toBe(true);
  });

  it('interop: openssl cms -decrypt opens the same file with the agency key', () => {
    const out = execFileSync('openssl', ['cms', '-decrypt', '-binary', '-inform', 'DER', '-in', forNtunhs, '-inkey', cardPem('agency-ntunhs', 'key.pem'), '-recip', cardPem('agency-ntunhs')], { maxBuffer: 8 * 1024 * 1024 });
    expect(out.equals(payload)).toBe(true);
  });

  it('answers 0x7610000C (找不到指定憑證) for a file that is not encrypted to the card, without touching the PIN counter', async () => {
    const forWang = encrypt('wang', Buffer.from('王小明的資料'), [cardPem('wang-xiaoming')]);
    const { status, body } = await decrypt(fileBody(forWang, { tokenLabel: 'agency-ntunhs', pin: '000000' }));
    expect(status).toBe(200);
    expect(body).toMatchObject({ ret_code: RET.NO_RECIPIENT, message: expect.stringContaining('不是加密給這張卡片') });
    expect(body.plaintext).toBeUndefined();
    expect(state().cards[serials['agency-ntunhs']!]).toBeUndefined();
    // A certificate no card in the reader has.
    const key = path.join(files, 'other.key');
    const cert = path.join(files, 'other.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=other', '-days', '2'], { stdio: 'pipe' });
    const forOther = encrypt('other', Buffer.from('x'), [cert]);
    expect((await decrypt(fileBody(forOther))).body.ret_code).toBe(RET.NO_RECIPIENT);
    // The card named is not in the reader.
    expect((await decrypt(fileBody(forNtunhs, { tokenLabel: 'no-such-card' }))).body.ret_code).toBe(RET.NO_CARD);
  });

  it('refuses malformed data with 0x76400001 (解密DER錯誤) and unsupported formats with 0x76400002 (解密型態錯誤)', async () => {
    for (const data of [crypto.randomBytes(2000).toString('base64'), fs.readFileSync(forNtunhs).subarray(0, 5000).toString('base64'), Buffer.from('-----BEGIN CMS-----\nnot base64!\n-----END CMS-----\n').toString('base64')]) {
      const { status, body } = await decrypt({ pin: DEMO_PIN, data });
      expect(status).toBe(200);
      expect(body.ret_code).toBe(RET.DECRYPT_MALFORMED);
      expect(body.plaintext).toBeUndefined();
    }
    // A SignedData without an envelope inside.
    const p7 = path.join(files, 'sig.der');
    const p7in = path.join(files, 'sig.plain');
    fs.writeFileSync(p7in, '只是簽章，沒有加密');
    execFileSync('openssl', ['cms', '-sign', '-binary', '-nodetach', '-outform', 'DER', '-in', p7in, '-out', p7, '-signer', cardPem('agency-dgpa'), '-inkey', cardPem('agency-dgpa', 'key.pem')]);
    expect((await decrypt(fileBody(p7))).body.ret_code).toBe(RET.DECRYPT_MALFORMED);
    for (const body of [{ pin: DEMO_PIN }, { pin: DEMO_PIN, data: '' }, { pin: DEMO_PIN, data: '%%%' }, { pin: 5, data: 'AA==' }, [1]]) {
      const res = await decrypt(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.ret_code).toBe(0x7600000c);
    }
    for (const body of ['null', '{"data":']) {
      const res = await decrypt(body);
      expect(res.status, body).toBe(400);
      expect(res.body.ret_code, body).toBe(0x7600000b);
    }
    // RSA-OAEP key transport, a subjectKeyIdentifier recipient, AES-GCM (AuthEnvelopedData).
    const small = Buffer.from('unsupported');
    const oaep = encrypt('oaep', small, [cardPem('agency-ntunhs')], ['-keyopt', 'rsa_padding_mode:oaep']);
    const keyid = encrypt('keyid', small, [cardPem('agency-ntunhs')], ['-keyid']);
    const gcm = path.join(files, 'gcm.der');
    execFileSync('openssl', ['cms', '-encrypt', '-binary', '-aes-256-gcm', '-outform', 'DER', '-in', path.join(files, 'oaep.plain'), '-out', gcm, '-recip', cardPem('agency-ntunhs')]);
    for (const file of [oaep, keyid, gcm]) {
      const { body } = await decrypt(fileBody(file, { pin: '000000' }));
      expect(body.ret_code, file).toBe(RET.DECRYPT_UNSUPPORTED);
      expect(body.message).toMatch(/不支援/);
    }
    expect(state().cards[serials['agency-ntunhs']!]).toBeUndefined();
  });

  it('answers 0x76400003 (解密錯誤) for damaged content or key, 0x76000998 without a PIN, 0x76500002 for an expired card', async () => {
    const damaged = Buffer.from(fs.readFileSync(forNtunhs));
    damaged[damaged.length - 17]! ^= 0x01; // the last padding byte becomes 0x11
    const { body } = await decrypt({ pin: DEMO_PIN, data: damaged.toString('base64') });
    expect(body).toMatchObject({ ret_code: RET.DECRYPT_FAILED, cardSN: serials['agency-ntunhs'] });
    expect(body.plaintext).toBeUndefined();
    // The wrapped key damaged: the card refuses to unwrap it (a right PIN still counts as right).
    const badKey = Buffer.from(fs.readFileSync(forNtunhs));
    const at = badKey.indexOf(Buffer.from([0x04, 0x82, 0x01, 0x00])); // encryptedKey OCTET STRING, 2048-bit RSA
    expect(at).toBeGreaterThan(0);
    badKey[at + 20]! ^= 0xff;
    const refused = await decrypt({ pin: DEMO_PIN, data: badKey.toString('base64') });
    expect(refused.body).toMatchObject({ ret_code: RET.DECRYPT_FAILED, last_error: expect.any(Number) });
    expect(refused.body.message).toMatch(/無法解開加密金鑰/);
    expect(state().cards[serials['agency-ntunhs']!]).toBeUndefined();
    expect((await decrypt(fileBody(forNtunhs, { pin: '' }))).body.ret_code).toBe(RET.NO_PIN);
    expect((await decrypt({ data: fs.readFileSync(forNtunhs).toString('base64') })).body.ret_code).toBe(RET.NO_PIN);
    const forExpired = encrypt('expired', Buffer.from('old'), [cardPem('expired')]);
    expect((await decrypt(fileBody(forExpired))).body).toMatchObject({ ret_code: RET.CERT_EXPIRED, cardSN: serials.expired });
  });

  it('counts wrong PINs together with signing: 0x80000002, 0x80000001, then locked 0xA4 until unlocked', async () => {
    const forDgpa = encrypt('dgpa', Buffer.from('機關資料'), [cardPem('agency-dgpa')]);
    const serial = serials['agency-dgpa']!;
    expect((await decrypt(fileBody(forDgpa, { pin: '000000' }))).body).toMatchObject({ ret_code: RET.LOGIN_FAILED, last_error: LAST_ERROR.TWO_TRIES_LEFT, cardSN: serial });
    expect(await sign('agency-dgpa', '111111')).toMatchObject({ ret_code: RET.LOGIN_FAILED, last_error: LAST_ERROR.ONE_TRY_LEFT });
    expect((await decrypt(fileBody(forDgpa, { pin: '222222' }))).body).toMatchObject({ ret_code: RET.LOGIN_FAILED, last_error: LAST_ERROR.LOCKED });
    expect(state().cards[serial]).toMatchObject({ failures: 3, label: 'agency-dgpa' });
    // Locked: the right PIN is refused without C_Login, for decrypting and for signing.
    const login = vi.spyOn(bridge.service.token, 'withUserSession');
    const locked = await decrypt(fileBody(forDgpa));
    expect(locked.body).toMatchObject({ ret_code: RET.LOGIN_FAILED, last_error: LAST_ERROR.LOCKED });
    expect(locked.body.plaintext).toBeUndefined();
    expect(await sign('agency-dgpa', DEMO_PIN)).toMatchObject({ ret_code: RET.LOGIN_FAILED, last_error: LAST_ERROR.LOCKED });
    expect(login).not.toHaveBeenCalled();
    login.mockRestore();
    // The command line shares the counter (BRIDGE_STATE_FILE).
    const out = path.join(files, 'dgpa.out');
    const r = cli(['decrypt', '--in', forDgpa, '--out', out, '--card', 'agency-dgpa'], { BRIDGE_PIN: DEMO_PIN });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/解密失敗：憑證卡片已鎖定/);
    expect(r.stderr).toContain('0x76100006');
    expect(fs.existsSync(out)).toBe(false);
    expect(unlockCard(config, { card: 'agency-dgpa', soPin: DEMO_SO_PIN }).ok).toBe(true);
    const ok = await decrypt(fileBody(forDgpa));
    expect(Buffer.from(ok.body.plaintext!, 'base64').toString('utf8')).toBe('機關資料');
    // A right PIN resets the counter.
    expect((await decrypt(fileBody(forDgpa, { pin: '000000' }))).body.last_error).toBe(LAST_ERROR.TWO_TRIES_LEFT);
    expect((await decrypt(fileBody(forDgpa))).body.ret_code).toBe(0);
    expect(state().cards[serial]).toBeUndefined();
  });

  it('refuses other origins (0x76000031), a request without Origin, and bodies over 20 MB', async () => {
    for (const originHeader of ['http://evil.test', 'null', null]) {
      const { status, headers, body } = await decrypt(fileBody(forNtunhs), { originHeader });
      expect(status).toBe(403);
      expect(body.ret_code).toBe(RET.ORIGIN_NOT_ALLOWED);
      expect(body.plaintext).toBeUndefined();
      expect(headers.get('access-control-allow-origin')).toBeNull();
    }
    const preflight = (o: string) => fetch(`${origin}/decrypt`, { method: 'OPTIONS', headers: { origin: o, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type', 'access-control-request-private-network': 'true' } });
    const ok = await preflight(PORTAL);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PORTAL);
    expect(ok.headers.get('access-control-allow-methods')).toBe('POST');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/content-type/i);
    expect(ok.headers.get('access-control-allow-private-network')).toBe('true');
    expect((await preflight('http://evil.test')).status).toBe(403);
    expect((await fetch(`${origin}/decrypt`)).status).toBe(405);
    const big = await decrypt({ pin: DEMO_PIN, data: 'A'.repeat(MAX_DECRYPT_BODY_BYTES) });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ ret_code: 0x7600000a, message: expect.stringContaining('20 MB') });
    // /sign keeps its small limit.
    const signBig = await fetch(`${origin}/sign`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ origin: PORTAL, tbsPackage: { func: 'MakeSignature', tbs: 'x'.repeat(70 * 1024) } }) });
    expect(signBig.status).toBe(413);
  });

  it('names every answer func "decrypt" (as the HiPKI component answers DecryptData), success and refusals alike', async () => {
    const answers: Array<{ what: string; status: number; body: { func?: string; ret_code: number } }> = [];
    const ok = await decrypt(fileBody(forNtunhs));
    answers.push({ what: 'opened', ...ok });
    expect(ok.body.ret_code).toBe(0);
    answers.push({ what: 'wrong card', ...(await decrypt(fileBody(forNtunhs, { tokenLabel: 'no-such-card' }))) });
    answers.push({ what: 'malformed', ...(await decrypt({ pin: DEMO_PIN, data: crypto.randomBytes(64).toString('base64') })) });
    answers.push({ what: 'bad field', ...(await decrypt({ pin: 5, data: 'AA==' })) });
    answers.push({ what: 'not base64', ...(await decrypt({ pin: DEMO_PIN, data: '%%%' })) });
    answers.push({ what: 'not JSON', ...(await decrypt('{"data":')) });
    answers.push({ what: 'foreign origin', ...(await decrypt(fileBody(forNtunhs), { originHeader: 'http://evil.test' })) });
    answers.push({ what: 'no origin', ...(await decrypt(fileBody(forNtunhs), { originHeader: null })) });
    answers.push({ what: 'too big', ...(await decrypt({ pin: DEMO_PIN, data: 'A'.repeat(MAX_DECRYPT_BODY_BYTES) })) });
    const get = await fetch(`${origin}/decrypt`);
    answers.push({ what: 'GET', status: get.status, body: (await get.json()) as { func?: string; ret_code: number } });
    for (const a of answers) {
      expect(a.body.func, a.what).toBe('decrypt');
      if (a.what !== 'opened') expect(a.body.ret_code, a.what).not.toBe(0);
    }
  });

  it('answers no card 0x76000006 when no card is in the reader', async () => {
    const b = createBridge(configFor({ BRIDGE_CARDS: 'not-inserted' }));
    const { origin: o } = await b.listen(0);
    try {
      expect((await decrypt(fileBody(forNtunhs), { base: o })).body.ret_code).toBe(RET.NO_CARD);
    } finally {
      await b.close();
    }
  });
});

describe('npm run bridge -- decrypt', () => {
  it('writes the same bytes (PIN from BRIDGE_PIN or --pin, card by label or found by itself)', () => {
    const out = path.join(files, 'cli.out');
    const r = cli(['decrypt', '--in', forNtunhs, '--out', out, '--card', 'agency-ntunhs'], { BRIDGE_PIN: DEMO_PIN });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/已用卡片 agency-ntunhs.*解密 1048576 位元組/);
    expect(fs.readFileSync(out).equals(payload)).toBe(true);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
    fs.rmSync(out);
    const r2 = cli(['decrypt', '--in', forNtunhs, '--out', out, '--pin', DEMO_PIN]);
    expect(r2.status, r2.stderr).toBe(0);
    expect(fs.readFileSync(out).equals(payload)).toBe(true);
    const toStdout = spawnSync(process.execPath, ['--import', 'tsx', 'src/bridge/server.ts', 'decrypt', '--in', path.join(files, 'pem.pem'), '--out', '-'], {
      env: { ...process.env, SOFTHSM2_CONF: manifest.softhsmConf!, BRIDGE_STATE_FILE: stateFile, BRIDGE_PIN: DEMO_PIN },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    expect(toStdout.status, String(toStdout.stderr)).toBe(0);
    expect(toStdout.stdout.equals(fs.readFileSync(path.join(files, 'pem.plain')))).toBe(true);
  });

  it('fails with a zh-TW message and a non-zero exit: wrong PIN, no PIN, no such file, no recipient, usage', () => {
    const out = path.join(files, 'cli-fail.out');
    const wrong = cli(['decrypt', '--in', forNtunhs, '--out', out, '--pin', '000000']);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/解密失敗：憑證密碼錯誤，尚可嘗試 2 次/);
    expect(wrong.stderr).toContain('0x80000002');
    expect(state().cards[serials['agency-ntunhs']!]!.failures).toBe(1);
    expect(cli(['decrypt', '--in', forNtunhs, '--out', out], { BRIDGE_PIN: DEMO_PIN }).status).toBe(0);
    expect(state().cards[serials['agency-ntunhs']!]).toBeUndefined();
    fs.rmSync(out);
    // No PIN and no terminal to ask on.
    const noPin = cli(['decrypt', '--in', forNtunhs, '--out', out]);
    expect(noPin.status).toBe(1);
    expect(noPin.stderr).toMatch(/未輸入憑證密碼/);
    const missing = cli(['decrypt', '--in', path.join(files, 'nothing.der'), '--out', out, '--pin', DEMO_PIN]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/找不到檔案/);
    const other = cli(['decrypt', '--in', path.join(files, 'wang.der'), '--out', out, '--card', 'agency-ntunhs', '--pin', DEMO_PIN]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/不是加密給這張卡片/);
    expect(fs.existsSync(out)).toBe(false);
    for (const args of [['decrypt', '--in', forNtunhs], ['decrypt', '--out', out], ['decrypt', '--in', forNtunhs, '--out', out, '--bogus', 'x']]) {
      const usage = cli(args, { BRIDGE_PIN: DEMO_PIN });
      expect(usage.status).toBe(2);
      expect(usage.stderr).toMatch(/npm run bridge -- decrypt --in/);
    }
  });
});
