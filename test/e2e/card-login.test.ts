import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createDemoPki, DEMO_PIN } from '../../seeds/demoPki';
import { createBridge } from '../../src/bridge/app';
import { loadBridgeConfig } from '../../src/bridge/config';
import { SERVER_VERSION } from '../../src/bridge/codes';
import { ACTIVATION_ERRORS } from '../../src/auth/cardLogin';
import { CERT_ERRORS } from '../../src/platform/pki/verify';
import { checkA11y, navigate, pathOf, startBrowserApp, visit, type BrowserApp } from '../support/browser';
import { freePort } from '../../src/platform/net';

// The real chain: Chromium → card.js → the bridge's popup (postMessage) → pkcs11js →
// SoftHSM2 tokens → the portal's verification. Only the PIN typing is scripted.
let b: BrowserApp;
let bridge: ReturnType<typeof createBridge>;
let root: string;
let bridgeOrigin: string;


beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-e2e-cards-'));
  const pki = createDemoPki(path.join(root, 'pki'), { softhsmDir: path.join(root, 'softhsm') });
  const bridgePort = await freePort();
  bridgeOrigin = `http://127.0.0.1:${bridgePort}`;
  b = await startBrowserApp({ PKI_DIR: path.join(root, 'pki'), BRIDGE_ORIGIN: `http://127.0.0.1:${bridgePort}` });
  bridge = createBridge(
    loadBridgeConfig({
      SOFTHSM2_CONF: pki.softhsmConf!,
      BRIDGE_ALLOWED_ORIGINS: b.baseURL,
      BRIDGE_STATE_FILE: path.join(root, 'bridge-state.json'),
      BRIDGE_PORT: String(bridgePort),
    }),
  );
  await bridge.listen(bridgePort);
}, 120_000);

afterAll(async () => {
  await bridge?.close();
  await b?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/**
 * Types the PIN on the 憑證登入 page, lets the bridge's popup open, picks the card in
 * it (several cards are in the readers), and waits for the page the portal answers with.
 */
async function cardSignIn(page: Page, card: string, pin: string, label: string, opts: { expectPopupAnswerOnly?: boolean } = {}) {
  const form = page.locator('main form.card-login-form').first();
  await form.locator('input.card-pin').fill(pin);
  const popupPromise = page.waitForEvent('popup');
  // The page posts the signed tbs to the portal: the main frame navigates once.
  const navigation = opts.expectPopupAnswerOnly ? null : page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 20_000 });
  await form.getByRole('button').click();
  const popup = await popupPromise;
  await popup.waitForLoadState();
  await popup.getByRole('heading', { name: '人事服務網憑證元件' }).waitFor();
  await popup.getByText(`要求來源：${b.baseURL}`).waitFor();
  const choice = popup.getByLabel(new RegExp(`^${card}：`));
  await choice.waitFor();
  await checkA11y(popup, `bridge popup (${label})`);
  await choice.check();
  const closed = popup.waitForEvent('close', { timeout: 15_000 });
  await popup.getByRole('button', { name: '確定' }).click();
  await closed;
  if (navigation) await navigation;
  await page.waitForLoadState('load');
  await checkA11y(page, label);
}

async function status(page: Page): Promise<string> {
  const box = page.locator('.card-login-form').first().locator('xpath=preceding-sibling::div[@role="alert"][1]');
  await box.waitFor({ state: 'visible' });
  return box.innerText();
}

describe('card login through the bridge popup', () => {
  it('first activation: PIN, pick the card, type the national ID, then 個人資料修改 is forced', async () => {
    const page = await b.newPage();
    await visit(page, '/login/certificate', '憑證登入');
    await cardSignIn(page, 'first-login', DEMO_PIN, '身分驗證');
    expect(pathOf(page)).toBe('/login/certificate/activate');
    await page.getByLabel('自訂帳號或身分證字號').fill('A123456789');
    await navigate(page, '身分驗證失敗', () => page.getByRole('button', { name: '下一步' }).click());
    await expect(page.locator('main').innerText()).resolves.toContain(ACTIVATION_ERRORS.not_holder);
    await navigate(page, '身分驗證 (上一步)', () => page.getByRole('link', { name: '上一步' }).click());
    await page.getByLabel('自訂帳號或身分證字號').fill('F223456786');
    await navigate(page, '個人資料修改 (forced)', () => page.getByRole('button', { name: '下一步' }).click());
    expect(pathOf(page)).toBe('/my/profile');
    expect(await page.locator('main').innerText()).toContain('為增進個人資料之安全性，請先設定自訂帳號後才能使用本系統其他服務。');
  });

  it('a bound card later signs in with the PIN only', async () => {
    const page = await b.newPage();
    await visit(page, '/login/certificate', '憑證登入');
    await cardSignIn(page, 'hr-chief', DEMO_PIN, '身分驗證 (hr-chief)');
    await page.getByLabel('自訂帳號或身分證字號').fill('hr.chief');
    await navigate(page, '我的專區', () => page.getByRole('button', { name: '下一步' }).click());
    expect(pathOf(page)).toBe('/my');
    await navigate(page, '首頁 (signed out)', () => page.getByRole('button', { name: '登出' }).click());
    // Again, from the home page's 憑證登入 panel: only the PIN this time.
    await cardSignIn(page, 'hr-chief', DEMO_PIN, '我的專區 (PIN only)');
    expect(pathOf(page)).toBe('/my');
    expect(await page.locator('.user-card').innerText()).toContain('自然人憑證');
  });

  it('an agency card signs the agency in', async () => {
    const page = await b.newPage();
    await visit(page, '/login/certificate', '憑證登入');
    await cardSignIn(page, 'agency-ntunhs', DEMO_PIN, '機關憑證服務');
    expect(pathOf(page)).toBe('/agency');
    expect(await page.locator('main').innerText()).toContain('國立臺北護理健康大學');
  });

  it('three wrong PINs lock the card; the right PIN is then refused with the unlock route', async () => {
    const page = await b.newPage();
    await visit(page, '/login/certificate', '憑證登入');
    await cardSignIn(page, 'retired', '000000', '憑證登入 (wrong PIN 1)', { expectPopupAnswerOnly: true });
    expect(await status(page)).toContain('尚可嘗試 2 次');
    await cardSignIn(page, 'retired', '000000', '憑證登入 (wrong PIN 2)', { expectPopupAnswerOnly: true });
    expect(await status(page)).toContain('尚可嘗試 1 次');
    await cardSignIn(page, 'retired', '000000', '憑證登入 (wrong PIN 3)', { expectPopupAnswerOnly: true });
    expect(await status(page)).toContain('憑證已鎖卡');
    await cardSignIn(page, 'retired', DEMO_PIN, '憑證登入 (locked)', { expectPopupAnswerOnly: true });
    const text = await status(page);
    expect(text).toContain('憑證已鎖卡');
    expect(text).toContain('MOICA');
    expect(pathOf(page)).toBe('/login/certificate');
  });

  it('a revoked card is refused by the portal with the manual’s message', async () => {
    const page = await b.newPage();
    await visit(page, '/login/certificate', '憑證登入');
    await cardSignIn(page, 'revoked', DEMO_PIN, '憑證登入 (revoked)');
    expect(pathOf(page)).toBe('/login/certificate');
    expect(await page.locator('main').innerText()).toContain(CERT_ERRORS.cert_revoked);
  });

  it('環境檢測 asks the component as HiPKI pages do (popup, GetUserCert) and lists each card\'s certificates by usage', async () => {
    const page = await b.newPage();
    await visit(page, '/help/components', '元件下載區及環境檢測');
    // 元件下載區: who needs nothing more, and how to use ours on Linux or with another module.
    const main = await page.locator('main').innerText();
    expect(main).toContain('已安裝中華電信 HiPKI 跨平台網頁元件（HiCOS 卡片管理工具）者，不需再安裝其他元件');
    expect(main).toContain('在 Linux 或以其他 PKCS#11 模組使用人事服務網憑證元件');
    expect(main).toContain('PKCS11_MODULE=模組路徑');
    // The Linux package needs no Node: offered with its version (size and SHA-256 once built).
    expect(main).toMatch(/人事服務網憑證元件下載（Linux 64 位元，版本 1\.3\.4\.\d+）/);
    expect(main).not.toContain('npm');
    const popupPromise = page.waitForEvent('popup');
    await page.getByRole('button', { name: '開始檢測' }).click();
    const popup = await popupPromise;
    // One request, no card to pick: the popup answers and closes by itself.
    if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 15_000 }).catch(() => undefined);
    const box = page.locator('#envcheck');
    await box
      .getByText(/憑證元件已啟動，版本 1\.3\.4\.\d+/)
      .waitFor()
      .catch(async (e: Error) => {
        throw new Error(`${e.message}\n#envcheck says: ${await box.innerText()}`);
      });
    // The version read as IT departments read it (GET /), against the one the portal ships.
    await page.locator('#envcheck-version').getByText('已是最新版本').waitFor();
    expect(await page.locator('#envcheck-version').innerText()).toBe(`人事服務網憑證元件版本 ${SERVER_VERSION}，已是最新版本。`);
    const text = await box.innerText();
    expect(text).toMatch(/簽章用憑證：王小明，有效期間 \d+\/\d\d\/\d\d 至 \d+\/\d\d\/\d\d，可以使用/);
    expect(text).toContain('憑證已過期');
    expect(text).toContain('沒有簽章用憑證');
    await checkA11y(page, '環境檢測');
  });

  it('without a running bridge, the page says how to get one (the PIN stays on the page)', async () => {
    await bridge.close();
    const page = await b.newPage();
    const posted: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posted.push(r.postData() ?? '');
    });
    await visit(page, '/login/certificate', '憑證登入');
    const form = page.locator('main form.card-login-form').first();
    await form.locator('input.card-pin').fill('123456');
    await form.getByRole('button').click();
    // card.js gives the bridge 15 s to answer before it explains.
    await page.locator('#card-login-status').waitFor({ state: 'visible', timeout: 25_000 });
    expect(await status(page)).toContain('無法連線至憑證元件');
    await checkA11y(page, '憑證登入 (no bridge)');
    // Only the challenge request reached the portal, and it carried no PIN.
    expect(posted.join('')).not.toContain('123456');
    // 環境檢測 gives the component 3.5 s to speak, then says it is not there.
    await visit(page, '/help/components', '元件下載區及環境檢測');
    await page.getByRole('button', { name: '開始檢測' }).click();
    await page.locator('#envcheck').getByText(/無法連線至憑證元件/).waitFor({ timeout: 15_000 });
    expect(await page.locator('#envcheck-version').innerText()).toMatch(/^未安裝：/);
    await checkA11y(page, '環境檢測 (未安裝)');

    // An older bridge on the same port: its GET / says an older version.
    const old = http.createServer((req, res) => {
      if (req.headers.origin) res.setHeader('Access-Control-Allow-Origin', req.headers.origin);
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(req.url === '/' ? 'HiPKI Local Sign Server compatible bridge (人事服務網憑證元件)\nversion:1.3.4.100000\n' : '');
    });
    await new Promise<void>((resolve) => old.listen(Number(new URL(bridgeOrigin).port), '127.0.0.1', resolve));
    try {
      await visit(page, '/help/components', '元件下載區及環境檢測 (old bridge)');
      await page.getByRole('button', { name: '開始檢測' }).click();
      await page.locator('#envcheck-version').getByText('版本過舊，請更新').waitFor({ timeout: 15_000 });
      expect(await page.locator('#envcheck-version').innerText()).toContain(`人事服務網憑證元件版本 1.3.4.100000，版本過舊，請更新：下載本頁的安裝檔（版本 ${SERVER_VERSION}）`);
      await checkA11y(page, '環境檢測 (版本過舊)');
    } finally {
      old.closeAllConnections();
      await new Promise((r) => old.close(r));
    }
  }, 90_000);
});

