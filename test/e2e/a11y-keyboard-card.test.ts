import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkA11y, pathOf } from '../support/browser';
import { DEMO_PIN, startCardBrowserApp, type CardBrowserApp } from '../support/cardBrowser';
import { button, expectFocus, link, tabTo } from '../support/keyboard';

/**
 * 憑證登入 with the keyboard alone: the PIN typed on the portal's page, the card chosen in
 * the card bridge's window with the arrow keys, 確定 pressed with Enter.
 */
let b: CardBrowserApp;
beforeAll(async () => {
  b = await startCardBrowserApp();
}, 120_000);
afterAll(async () => {
  await b?.close();
});

describe('憑證登入 by keyboard', () => {
  it('signs the agency in with its card, from the PIN field to the bridge window and back', async () => {
    const page = await b.newPage();
    await page.goto('/login/certificate');
    await checkA11y(page, '憑證登入');
    await tabTo(page, '密碼 (PIN)', (f) => f.classes.includes('card-pin'), { max: 60 });
    await page.keyboard.type(DEMO_PIN);
    const popupOpened = page.waitForEvent('popup');
    const navigation = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: 20_000 });
    await page.keyboard.press('Enter');
    const popup = await popupOpened;
    await popup.waitForLoadState();
    await popup.getByText(`要求來源：${b.baseURL}`).waitFor();
    await popup.locator('#picker:not([hidden])').waitFor();
    // The cards are one radio group: one Tab stop, the arrow keys move between them.
    let card = await tabTo(popup, 'the cards in the reader', (f) => f.name === 'card', { max: 10 });
    for (let i = 0; i < 20 && !card.label.startsWith('agency-ntunhs：'); i++) {
      await popup.keyboard.press('ArrowDown');
      card = await expectFocus(popup, 'a card of the reader', (f) => f.name === 'card');
    }
    expect(card.label).toMatch(/^agency-ntunhs：/);
    await tabTo(popup, '確定', button('確定'), { max: 3 });
    const closed = popup.waitForEvent('close', { timeout: 15_000 });
    // The window closes as it answers, while the key press is still being reported.
    await popup.keyboard.press('Enter').catch((err: Error) => {
      if (!popup.isClosed()) throw err;
    });
    await closed;
    await navigation;
    await page.waitForLoadState('load');
    await checkA11y(page, '機關憑證服務');
    expect(pathOf(page)).toBe('/agency');
    // The page reached starts again with its skip link.
    await page.keyboard.press('Tab');
    await expectFocus(page, '跳到主要內容', link('跳到主要內容'));
  }, 120_000);
});
