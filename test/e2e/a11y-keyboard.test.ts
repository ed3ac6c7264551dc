import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { makeAccount, PASSWORD } from '../support/app';
import { checkA11y, pathOf, startBrowserApp, type BrowserApp } from '../support/browser';
import { button, checkedValue, expectFocus, field, focused, link, press, tabTo } from '../support/keyboard';

/**
 * One journey per area done with the keyboard alone: Tab and Shift+Tab to move, Enter to
 * follow a link or send a form, Space to press a button or tick a box, arrow keys in radio
 * groups and lists. Nothing is clicked and nothing is filled that the keyboard did not
 * focus first. At every stop the focused element must show a visible focus ring, and the
 * stop each step aims at must be reached within a bounded number of presses.
 */

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
});
afterAll(async () => {
  await b?.close();
});

/** Signs in without the keyboard journey (areas other than 登入 start signed in). */
async function signedIn(page: Page, account: string) {
  const api = page.context().request;
  const html = await (await api.get('/login')).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  const res = await api.post('/login', { form: { _csrf: csrf, account, password: PASSWORD }, maxRedirects: 0 });
  expect(res.status()).toBe(303);
}

/** The focus ring comes from the site's stylesheet, for keyboard focus only. */
describe('the focus ring', () => {
  it('public/css/site.css styles :focus-visible with an outline', () => {
    const css = fs.readFileSync(path.join(process.cwd(), 'public/css/site.css'), 'utf8');
    expect(css).toMatch(/:focus-visible\s*\{[^}]*outline:\s*3px solid/);
  });
});

describe('登入 by keyboard', () => {
  it('skip link, a wrong password whose error summary takes focus and leads to the field, then 我的專區', async () => {
    const a = await makeAccount(b.db);
    const page = await b.newPage();
    await page.goto('/login');
    await checkA11y(page, '帳號登入');
    // The first stop of every page is 跳到主要內容, and it leads into the main content.
    await page.keyboard.press('Tab');
    await expectFocus(page, '跳到主要內容', link('跳到主要內容'));
    await page.keyboard.press('Enter');
    expect((await focused(page))?.id).toBe('main');
    await tabTo(page, '帳號', field('account'));
    await page.keyboard.type(a.login);
    await page.keyboard.press('Tab');
    await expectFocus(page, '密碼', field('password'));
    await page.keyboard.type('wrong-password-1');
    await press(page, 'Enter', '帳號登入（密碼錯誤）');
    // The error summary has focus, and its entry takes the user to the field.
    await expectFocus(page, 'the error summary', (f) => f.classes.includes('error-summary'));
    expect(await page.title()).toMatch(/^錯誤：/);
    await page.keyboard.press('Tab');
    await expectFocus(page, 'the summary entry for 密碼', (f) => f.tag === 'a' && f.href === '#password');
    await page.keyboard.press('Enter');
    await expectFocus(page, '密碼 (from the summary)', field('password'));
    await page.keyboard.type(PASSWORD);
    // Back to 帳號 with Shift+Tab: what was typed is kept.
    await tabTo(page, '帳號', field('account'), { back: true, max: 3 });
    expect(await page.inputValue('#account')).toBe(a.login);
    await tabTo(page, '登入', button('登入'));
    await press(page, 'Enter', '我的專區');
    expect(pathOf(page)).toBe('/my');
  });
});

describe('我的專區 by keyboard', () => {
  it('個人資料修改: a wrong e-mail comes back with the summary focused; fixed, and a radio chosen with arrow keys', async () => {
    const a = await makeAccount(b.db);
    const page = await b.newPage();
    await signedIn(page, a.login);
    await page.goto('/my');
    await tabTo(page, '個人資料修改', link('個人資料修改'), { max: 60 });
    await press(page, 'Enter', '個人資料修改');
    expect(pathOf(page)).toBe('/my/profile');
    await tabTo(page, '電子郵件', field('email'), { max: 60 });
    await page.keyboard.press('Control+A');
    await page.keyboard.type('not-an-address');
    await press(page, 'Enter', '個人資料修改（有誤）');
    await expectFocus(page, 'the error summary', (f) => f.classes.includes('error-summary'));
    await page.keyboard.press('Tab');
    await expectFocus(page, 'the summary entry for 電子郵件', (f) => f.tag === 'a' && f.href === '#email');
    await page.keyboard.press('Enter');
    await expectFocus(page, '電子郵件 (from the summary)', field('email'));
    expect(await page.inputValue('#email')).toBe('not-an-address');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('keyboard.user@example.gov.tw');
    // The radio group: one Tab stop, the arrow keys choose.
    const radio = await tabTo(page, '是否允許e公務接收訊息', (f) => f.name === 'egovOptIn');
    const before = await page.evaluate(checkedValue, 'egovOptIn');
    await page.keyboard.press(radio.label.includes('是') && before !== 'no' ? 'ArrowRight' : 'ArrowLeft');
    const chosen = (await page.evaluate(checkedValue, 'egovOptIn')) as string;
    expect(chosen).not.toBe(before);
    await expectFocus(page, 'the radio chosen', (f) => f.name === 'egovOptIn');
    await tabTo(page, '修改個人資料', button('修改個人資料'));
    await press(page, 'Space', '個人資料修改（已儲存）');
    expect(await page.locator('.error-summary').count()).toBe(0);
    const account = await b.db('account').where({ id: a.accountId }).first('egov_opt_in');
    expect(account.egov_opt_in).toBe(chosen === 'yes');
  });
});

describe('PICS by keyboard', () => {
  it('from the PICS home to 常見問題 and back with Shift+Tab to the menu', async () => {
    const page = await b.newPage();
    await page.goto('/pics');
    await checkA11y(page, 'PICS 首頁');
    await tabTo(page, '常見問題', link('常見問題'), { max: 60 });
    await press(page, 'Enter', 'PICS 常見問題');
    expect(pathOf(page)).toBe('/pics/faq');
    // From the end of the page (Shift+Tab on a page just opened) backwards to the menu.
    await tabTo(page, '公告事項 of the PICS menu', (f) => f.tag === 'a' && f.href === '/pics/announcements', { back: true, max: 80 });
    await press(page, 'Enter', 'PICS 公告事項');
    expect(pathOf(page)).toBe('/pics/announcements');
  });
});

describe('雲端服務平台 by keyboard', () => {
  it('searches the site from its search box and opens 常見問題 from the menu', async () => {
    const page = await b.newPage();
    await page.goto('/cloud');
    await checkA11y(page, '雲端服務平台');
    await tabTo(page, '網站搜尋', field('cloud-q'), { max: 60 });
    await page.keyboard.type('憑證');
    await press(page, 'Enter', '雲端服務平台搜尋');
    expect(pathOf(page)).toMatch(/^\/cloud\/search\?/);
    await tabTo(page, '常見問題', link('常見問題'), { max: 60 });
    await press(page, 'Enter', '雲端服務平台 常見問題');
    expect(pathOf(page)).toBe('/cloud/faq');
  });
});

describe('事求人 by keyboard', () => {
  it('chooses 官等 with the arrow keys, searches with Space and opens a vacancy with Enter', async () => {
    const page = await b.newPage();
    await page.goto('/jobs');
    await checkA11y(page, '事求人');
    await tabTo(page, '官等', field('grade'), { max: 60 });
    await page.keyboard.press('ArrowDown');
    const grade = await page.inputValue('#grade');
    expect(grade).not.toBe('');
    await expectFocus(page, '官等', field('grade'));
    await tabTo(page, '查詢', button('查詢'));
    await press(page, 'Space', '事求人查詢結果');
    expect(pathOf(page)).toContain(`grade=${encodeURIComponent(grade)}`);
    const first = await tabTo(page, 'the first vacancy', (f) => f.tag === 'a' && f.href.startsWith('/jobs/view?work_id='), { max: 80 });
    await press(page, 'Enter', '職缺內容');
    expect(pathOf(page)).toBe(first.href);
  });
});

describe('MyData by keyboard', () => {
  it('簡要自述維護: an empty text comes back with the summary focused, then saved', async () => {
    const a = await makeAccount(b.db);
    const page = await b.newPage();
    await signedIn(page, a.login);
    await page.goto('/mydata');
    await checkA11y(page, 'MyData 首頁');
    await tabTo(page, '簡要自述維護', link('簡要自述維護'), { max: 80 });
    await press(page, 'Enter', '簡要自述維護');
    expect(pathOf(page)).toBe('/mydata/self');
    await tabTo(page, '簡要自述', field('body'), { max: 60 });
    await tabTo(page, '儲存', button('儲存'));
    await press(page, 'Enter', '簡要自述維護（有誤）');
    await expectFocus(page, 'the error summary', (f) => f.classes.includes('error-summary'));
    await page.keyboard.press('Tab');
    await expectFocus(page, 'the summary entry for 簡要自述', (f) => f.tag === 'a' && f.href === '#body');
    await page.keyboard.press('Enter');
    await expectFocus(page, '簡要自述 (from the summary)', field('body'));
    await page.keyboard.type('熟悉人事法規，以鍵盤操作完成。');
    await tabTo(page, '儲存', button('儲存'));
    await press(page, 'Enter', '簡要自述維護（已儲存）');
    expect(await page.locator('.error-summary').count()).toBe(0);
    expect(await page.locator('main table').innerText()).toContain('以鍵盤操作完成');
  });
});
