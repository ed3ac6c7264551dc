import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { createDemoPki, DEMO_PIN } from '../../seeds/demoPki';
import { createBridge } from '../../src/bridge/app';
import { loadBridgeConfig } from '../../src/bridge/config';
import { freePort } from '../../src/platform/net';
import { checkA11y, startBrowserApp, type BrowserApp } from './browser';

export { DEMO_PIN };

/**
 * A browser app with the real card chain: the demo PKI as SoftHSM2 tokens and the bridge
 * answering this app's origin. `env` goes to the app (e.g. a second instance's settings).
 */
export async function startCardBrowserApp(env: Record<string, string> = {}): Promise<CardBrowserApp> {
  // The bridge's port is chosen before the app starts (the app's CSP names it) and bound after
  // (the bridge only answers the app's origin): meanwhile another process, or an outgoing
  // connection given that port by the system, may take it. Then everything starts again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCardBrowserAppOnce(env);
    } catch (err) {
      if (attempt >= 3 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
}

async function startCardBrowserAppOnce(env: Record<string, string>) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecpa-e2e-cards-'));
  const pki = createDemoPki(path.join(root, 'pki'), { softhsmDir: path.join(root, 'softhsm') });
  const bridgePort = await freePort();
  const b = await startBrowserApp({ PKI_DIR: path.join(root, 'pki'), BRIDGE_ORIGIN: `http://127.0.0.1:${bridgePort}`, ...env });
  const bridge = createBridge(
    loadBridgeConfig({
      SOFTHSM2_CONF: pki.softhsmConf!,
      BRIDGE_ALLOWED_ORIGINS: b.baseURL,
      BRIDGE_STATE_FILE: path.join(root, 'bridge-state.json'),
      BRIDGE_PORT: String(bridgePort),
    }),
  );
  try {
    await bridge.listen(bridgePort);
  } catch (err) {
    await b.close();
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return {
    ...b,
    pkiDir: path.join(root, 'pki'),
    bridge,
    async close() {
      await bridge.close();
      await b.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

export type CardBrowserApp = Awaited<ReturnType<typeof startCardBrowserAppOnce>>;

/**
 * Drives a card form on the current page (the 憑證登入 panel, or any page whose form has
 * class `card-login-form`, e.g. a document to sign): types the PIN, picks `card` in the
 * bridge's popup, confirms, and waits for the page the portal answers with.
 */
export async function useCard(page: Page, b: BrowserApp, card: string, label: string, opts: { pin?: string; form?: string; purpose?: RegExp } = {}) {
  const form = page.locator(opts.form ?? 'main form.card-login-form').first();
  await form.locator('input.card-pin').fill(opts.pin ?? DEMO_PIN);
  const popupPromise = page.waitForEvent('popup');
  const navigation = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 20_000 });
  await form.getByRole('button').click();
  const popup = await popupPromise;
  await popup.waitForLoadState();
  await popup.getByText(`要求來源：${b.baseURL}`).waitFor();
  // What the popup says the site asks for (「登入」, or the document's title and digest).
  if (opts.purpose) expect(await popup.locator('#purpose').innerText()).toMatch(opts.purpose);
  const choice = popup.getByLabel(new RegExp(`^${card}：`));
  await choice.waitFor();
  await choice.check();
  const closed = popup.waitForEvent('close', { timeout: 15_000 });
  await popup.getByRole('button', { name: '確定' }).click();
  await closed;
  await navigation;
  await page.waitForLoadState('load');
  await checkA11y(page, label);
}

/** Signs in on /login/certificate with a demo card; activates a person card on first use. */
export async function cardSignInPage(page: Page, b: BrowserApp, card: string, opts: { activateWith?: string; returnTo?: string } = {}) {
  await page.goto(`${b.baseURL}/login/certificate${opts.returnTo ? `?returnTo=${encodeURIComponent(opts.returnTo)}` : ''}`);
  await useCard(page, b, card, `card login (${card})`);
  if (new URL(page.url()).pathname === '/login/certificate/activate' && opts.activateWith) {
    await page.getByLabel(/自訂帳號或身分證/).fill(opts.activateWith);
    await Promise.all([page.waitForEvent('framenavigated'), page.getByRole('button', { name: /確定|下一步|送出/ }).click()]);
    await page.waitForLoadState('load');
  }
}
