import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { checkA11y, navigate, pathOf, signInOnPics, startBrowserApp, visit, type BrowserApp } from '../support/browser';
import { rocShort, taipeiToday } from '../../src/platform/dates';
import { shiftDay, weekdayOf } from '../../src/pics/calendar';

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
});
afterAll(async () => {
  await b?.close();
});


/** Clicks a delete button, accepting its confirmation, and scans the page it leads to. */
async function deleteWith(page: Page, label: string, button: ReturnType<Page['getByRole']>) {
  page.once('dialog', (d) => void d.accept());
  await navigate(page, label, () => button.click());
}

describe('PICS 內容管理: the desk supervisor maintains the FAQ and the work calendar', () => {
  it('adds a FAQ entry the public then sees, and a holiday the desk counts at once; every page passes axe', async () => {
    const page = await b.newPage();
    await signInOnPics(page, 'cs.lead');
    await visit(page, '/pics/desk', '客服工作台');
    const deskNav = page.getByRole('navigation', { name: '客服工作台選單' });
    await navigate(page, '內容管理', () => deskNav.getByRole('link', { name: '內容管理' }).click());
    expect(pathOf(page)).toBe('/pics/desk/content');

    // Every kind's list, its new form and (for the seeded entries) an edit form.
    for (const [label, noun] of [
      ['公告事項', '公告'],
      ['檔案下載', '下載項目'],
      ['罐頭回覆', '罐頭回覆'],
      ['常見問題', '常見問題'],
    ]) {
      // From the index's list the first time, then from the sections' menu.
      const menu = pathOf(page) === '/pics/desk/content' ? page.locator('ul.pics-content-index') : page.getByRole('navigation', { name: '內容管理項目' });
      await navigate(page, `${label}管理`, () => menu.getByRole('link', { name: label, exact: true }).click());
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`${label}管理`);
      await navigate(page, `修改${noun}`, () => page.locator('main table tbody tr').first().getByRole('link', { name: /^修改/ }).click());
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`修改${noun}`);
      await navigate(page, `${label}管理（取消修改）`, () => page.locator('main form').getByRole('link', { name: '取消' }).click());
      await navigate(page, `新增${noun}`, () => page.getByRole('link', { name: `新增${noun}` }).click());
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`新增${noun}`);
      if (label !== '常見問題') await navigate(page, `${label}管理（取消新增）`, () => page.locator('main form').getByRole('link', { name: '取消' }).click());
    }

    // 常見問題: first with a bad 排序 and no answer, then right.
    const question = `如何更新人事服務網的 Email？（${Date.now().toString(36)}）`;
    await page.getByLabel('分類').fill('帳號密碼');
    await page.getByLabel('問題').fill(question);
    await page.getByLabel('排序').fill('-1');
    await navigate(page, '新增常見問題（有誤）', () => page.getByRole('button', { name: '儲存' }).click());
    expect(await page.title()).toMatch(/^錯誤：/);
    expect(await page.locator('.error-summary').innerText()).toContain('請輸入答案');
    expect(await page.locator('.error-summary').innerText()).toContain('排序須為 0 至 9999 的整數');
    expect(await page.getByLabel('問題').inputValue()).toBe(question);
    await page.getByRole('textbox', { name: '答案' }).fill('請登入後至「我的專區 > 個人資料」修改。');
    await page.getByLabel('排序').fill('5');
    await navigate(page, '常見問題管理（已新增）', () => page.getByRole('button', { name: '儲存' }).click());
    expect(pathOf(page)).toBe('/pics/desk/content/faq');
    expect(await page.getByRole('status').innerText()).toBe(`已新增常見問題「${question}」。`);

    const visitor = await b.newPage();
    await visit(visitor, '/pics/faq', '常見問題（公開）');
    expect(await visitor.locator('main').innerText()).toContain(question);

    // 辦公日曆: a Sunday holiday is refused; a Wednesday in the year after next is added.
    await navigate(page, '辦公日曆', () => deskNav.getByRole('link', { name: '辦公日曆' }).click());
    await navigate(page, '新增辦公日曆日期', () => page.getByRole('link', { name: '新增日期' }).click());
    const year = Number(taipeiToday().slice(0, 4)) + 2;
    const dayOf = async (wd: number) => {
      let d = `${year}-04-01`;
      while (weekdayOf(d) !== wd || (await b.db('pics_calendar_day').where({ day: d }).first())) d = shiftDay(d, 1);
      return d;
    };
    const sunday = await dayOf(0);
    const wednesday = await dayOf(3);
    await page.getByLabel('日期').fill(rocShort(sunday));
    await page.getByLabel('放假').check();
    await page.getByLabel('說明').fill('測試放假');
    await navigate(page, '新增辦公日曆日期（有誤）', () => page.getByRole('button', { name: '新增', exact: true }).click());
    expect(await page.locator('.error-summary').innerText()).toContain('原本就是例假日');
    expect(await b.services.pics.calendar.isWorkdayYmd(wednesday)).toBe(true);
    await page.getByLabel('日期').fill(rocShort(wednesday));
    await navigate(page, '辦公日曆（已新增）', () => page.getByRole('button', { name: '新增', exact: true }).click());
    expect(pathOf(page)).toBe(`/pics/desk/calendar?year=${year}`);
    expect(await page.getByRole('status').innerText()).toBe(`已新增 ${rocShort(wednesday)}（放假：測試放假）。`);
    expect(await page.locator('main table').innerText()).toContain('測試放假');
    expect(await b.services.pics.calendar.isWorkdayYmd(wednesday)).toBe(false);

    // Both removed again through their delete buttons (confirmed).
    await deleteWith(page, '辦公日曆（已刪除）', page.getByRole('button', { name: `刪除 ${rocShort(wednesday)} 測試放假` }));
    expect(await page.getByRole('status').innerText()).toBe(`已刪除 ${rocShort(wednesday)}（放假：測試放假）。`);
    expect(await b.services.pics.calendar.isWorkdayYmd(wednesday)).toBe(true);
    await visit(page, '/pics/desk/content/faq', '常見問題管理');
    await deleteWith(page, '常見問題管理（已刪除）', page.getByRole('button', { name: `刪除 ${question}` }));
    expect(await b.db('content_item').where({ kind: 'pics.faq', question })).toEqual([]);
    await visitor.reload();
    await checkA11y(visitor, '常見問題（公開，已刪除）');
    expect(await visitor.locator('main').innerText()).not.toContain(question);
  }, 240_000);
});
