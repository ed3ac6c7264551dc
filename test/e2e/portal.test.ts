import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { makeAccount, PASSWORD } from '../support/app';
import { navigate, pathOf, startBrowserApp, visit, type BrowserApp } from '../support/browser';
import { rocShort } from '../../src/platform/dates';

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
});
afterAll(async () => {
  await b?.close();
});

async function signIn(page: Page, account: string, label: string) {
  await visit(page, '/login', '帳號登入');
  const form = page.locator('main form[action="/login"]');
  await form.getByLabel('帳號').fill(account);
  await form.getByLabel('密碼').fill(PASSWORD);
  await navigate(page, label, () => form.getByRole('button', { name: '登入' }).click());
  expect(pathOf(page)).toBe('/my');
}

describe('常用應用系統', () => {
  it('pins an app from 應用系統, shows it in 我的專區 and removes it there', async () => {
    const a = await makeAccount(b.db);
    const page = await b.newPage();
    await signIn(page, a.login, '我的專區');
    const favorites = page.getByRole('region', { name: '常用應用系統' });
    expect(await favorites.innerText()).toContain('尚未設定常用應用系統');

    await navigate(page, '應用系統', () => favorites.getByRole('link', { name: '應用系統' }).click());
    expect(pathOf(page)).toBe('/my/apps');
    const b6 = page.locator('main details li').filter({ hasText: 'B6:' });
    expect(await b6.innerText()).toContain('PICS人事資訊系統客服網');
    await navigate(page, '應用系統（已設為常用）', () => b6.getByRole('button', { name: '設為常用 PICS人事資訊系統客服網' }).click());
    expect(pathOf(page)).toBe('/my/apps');
    expect(await page.getByRole('status').innerText()).toBe('已將 B6 設定為常用應用系統。');
    expect(await page.getByRole('region', { name: '常用應用系統' }).innerText()).toContain('B6: PICS人事資訊系統客服網');
    // The button now undoes it.
    expect(await page.locator('main details li').filter({ hasText: 'B6:' }).getByRole('button', { name: '取消常用 PICS人事資訊系統客服網' }).count()).toBe(1);

    await navigate(page, '我的專區（有常用應用系統）', () => page.getByRole('navigation', { name: '我的專區' }).getByRole('link', { name: '我的專區' }).click());
    expect(pathOf(page)).toBe('/my');
    const pinned = page.getByRole('region', { name: '常用應用系統' }).getByRole('listitem').filter({ hasText: 'B6:' });
    expect(await pinned.innerText()).toContain('PICS人事資訊系統客服網');
    expect(await pinned.getByRole('link', { name: '連結 PICS人事資訊系統客服網' }).getAttribute('href')).toBe('/my/apps/B6/open');

    await navigate(page, '我的專區（已移除常用）', () => pinned.getByRole('button', { name: '移除 PICS人事資訊系統客服網' }).click());
    expect(pathOf(page)).toBe('/my');
    expect(await page.getByRole('status').innerText()).toBe('已將 B6 自常用應用系統移除。');
    expect(await page.getByRole('region', { name: '常用應用系統' }).innerText()).toContain('尚未設定常用應用系統');
    expect(await b.db('favorite_app').where({ account_id: a.accountId }).first()).toBeUndefined();
  });
});

describe('公告管理', () => {
  it('publishes an announcement (after an empty submit shows the error summary) that the home page lists at once', async () => {
    const admin = await makeAccount(b.db, { roles: ['portal_admin'] });
    const title = `e2e 系統維護公告 ${admin.nationalId}`;
    const visitor = await b.newPage();
    // The home page caches its latest list; load it first so the cache is warm.
    await visit(visitor, '/', '首頁');
    expect(await visitor.getByRole('region', { name: '最新公告' }).innerText()).not.toContain(title);

    const page = await b.newPage();
    await signIn(page, admin.login, '我的專區（管理者）');
    await navigate(page, '公告管理', () => page.getByRole('navigation', { name: '主選單' }).getByRole('link', { name: '公告管理' }).click());
    expect(pathOf(page)).toBe('/admin/announcements');
    await navigate(page, '新增公告', () => page.getByRole('link', { name: '新增公告' }).click());
    expect(pathOf(page)).toBe('/admin/announcements/new');

    const form = page.locator('main form[action="/admin/announcements"]');
    await page.getByLabel('公告日期').fill('');
    await navigate(page, '新增公告（未填寫）', () => form.getByRole('button', { name: '儲存' }).click());
    expect(await page.title()).toMatch(/^錯誤：/);
    const summary = page.locator('.error-summary');
    expect(await summary.getByRole('heading').innerText()).toBe('資料有誤，請修正下列項目：');
    const links = await Promise.all((await summary.getByRole('link').all()).map((l) => l.getAttribute('href')));
    expect(links).toEqual(expect.arrayContaining(['#title', '#category', '#body', '#publishOn']));
    expect(await page.locator('.error-summary:focus').count()).toBe(1);
    expect(await page.locator('#category-error').innerText()).toContain('請選擇公告類別');
    expect(await page.getByLabel('類別').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('標題').fill(title);
    await page.getByLabel('類別').selectOption('系統公告');
    await page.getByLabel('內容').fill('本系統將於週末進行維護。\n維護期間暫停服務。');
    const today = rocShort(new Date());
    expect(today).toMatch(/^1\d\d\/\d\d\/\d\d$/);
    await page.getByLabel('公告日期').fill(today);
    await navigate(page, '公告管理（已新增）', () => form.getByRole('button', { name: '儲存' }).click());
    expect(pathOf(page)).toBe('/admin/announcements');
    expect(await page.getByRole('status').innerText()).toBe('公告已新增。');
    expect(await page.getByRole('table').innerText()).toContain(title);

    // Another visitor sees it on the home page straight away.
    await visit(visitor, '/', '首頁（新公告）');
    const latest = visitor.getByRole('region', { name: '最新公告' });
    const item = latest.getByRole('listitem').filter({ hasText: title });
    expect(await item.innerText()).toContain(today);
    expect(await item.innerText()).toContain('系統公告');
    await navigate(visitor, '公告內容', () => item.getByRole('link', { name: title }).click());
    expect(await visitor.locator('main h1').innerText()).toBe(title);
    expect(await visitor.locator('main .body').innerText()).toContain('維護期間暫停服務。');
  });
});
