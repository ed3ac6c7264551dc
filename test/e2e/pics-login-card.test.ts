import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathOf, visit } from '../support/browser';
import { cardSignInPage, startCardBrowserApp, useCard, type CardBrowserApp } from '../support/cardBrowser';

let b: CardBrowserApp;
beforeAll(async () => {
  b = await startCardBrowserApp();
}, 120_000);
afterAll(async () => {
  await b?.close();
});

describe('PICS sign-in page: the inline 憑證 PIN field (seed 000)', () => {
  it('signs in with the demo card and its PIN typed on the PICS page, and lands on the PICS home', async () => {
    // The card is bound to its account once (first use, on the portal's 憑證登入).
    const first = await b.newPage();
    await cardSignInPage(first, b, 'wang-xiaoming', { activateWith: 'wang.xiaoming' });
    await first.close();

    const page = await b.newPage();
    await visit(page, '/pics', 'PICS 登入頁');
    const form = page.locator('main form.card-login-form');
    expect(await form.getAttribute('action')).toBe('/login/certificate');
    // The PIN has no name: it goes only to the card bridge, never to the server.
    const pin = form.getByLabel('密碼：');
    expect(await pin.getAttribute('name')).toBeNull();
    expect(await pin.getAttribute('type')).toBe('password');
    await useCard(page, b, 'wang-xiaoming', 'PICS 首頁（憑證登入）');
    expect(pathOf(page)).toBe('/pics');
    expect(await page.locator('.user-name').innerText()).toMatch(/王小明.*自然人憑證/);
  });
});
