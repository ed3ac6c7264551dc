import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAccount } from '../support/app';
import { navigate, pathOf, startBrowserApp, visit, type BrowserApp, signIn } from '../support/browser';

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
});
afterAll(async () => {
  await b?.close();
});

describe('問卷管理', () => {
  it('an administrator builds, previews and publishes a questionnaire, a civil servant answers it from 待辦事項, the administrator closes it and reads the chart', async () => {
    const admin = await makeAccount(b.db, { roles: ['portal_admin'] });
    const servant = await makeAccount(b.db);
    const title = `e2e 人事服務網滿意度調查 ${admin.nationalId}`;
    const page = await b.newPage();
    page.on('dialog', (d) => void d.accept());
    await signIn(page, admin.login, { label: '我的專區（管理者）' });
    await navigate(page, '問卷管理', () => page.getByRole('navigation', { name: '我的專區' }).getByRole('link', { name: '問卷管理' }).click());
    expect(pathOf(page)).toBe('/admin/questionnaires');
    await navigate(page, '新增問卷', () => page.getByRole('link', { name: '新增問卷' }).click());

    // Close before open: the form again with the message, what was typed kept.
    await page.getByLabel('問卷名稱').fill(title);
    await page.getByLabel('開始日期').fill('115/12/31');
    await page.getByLabel('截止日期').fill('115/12/01');
    await navigate(page, '新增問卷（日期錯誤）', () => page.getByRole('button', { name: '建立問卷' }).click());
    expect(await page.title()).toMatch(/^錯誤：/);
    expect(await page.locator('.error-summary').innerText()).toContain('截止日期不可早於開始日期');
    expect(await page.getByLabel('問卷名稱').inputValue()).toBe(title);
    await page.getByLabel('開始日期').fill('115/01/01');
    await page.getByLabel('截止日期').fill('188/12/31');
    await navigate(page, '問卷（草稿）', () => page.getByRole('button', { name: '建立問卷' }).click());
    expect(pathOf(page)).toMatch(/^\/admin\/questionnaires\/\d+$/);
    const id = Number(pathOf(page).split('/').pop());

    // Two questions, the second moved up.
    const addForm = page.locator(`main form[action="/admin/questionnaires/${id}/questions"]`);
    await addForm.getByLabel('題型').selectOption('single');
    await addForm.getByLabel('題目').fill('您對人事服務網的整體滿意度');
    await addForm.getByLabel('選項').fill('滿意\n普通\n不滿意');
    await navigate(page, '問卷（一題）', () => addForm.getByRole('button', { name: '新增題目' }).click());
    await addForm.getByLabel('題型').selectOption('long');
    await addForm.getByLabel('題目').fill('其他建議');
    await addForm.getByLabel('必答').uncheck();
    await navigate(page, '問卷（兩題）', () => addForm.getByRole('button', { name: '新增題目' }).click());
    await navigate(page, '問卷（調整順序）', () => page.getByRole('button', { name: /^上移\s*第 2 題$/ }).click());
    expect(await page.locator('main ol.question-list > li').first().innerText()).toContain('其他建議');
    await navigate(page, '預覽問卷', () => page.getByRole('link', { name: '預覽問卷' }).click());
    expect(await page.locator('main').innerText()).toContain('此頁無法送出');
    expect(await page.getByRole('group', { name: /您對人事服務網的整體滿意度/ }).count()).toBe(1);
    await navigate(page, '問卷（回管理）', () => page.getByRole('link', { name: '回問卷管理' }).click());
    await navigate(page, '問卷（已發布）', () => page.getByRole('button', { name: '發布問卷' }).click());
    expect(await page.getByRole('status').innerText()).toBe('問卷已發布，題目不可再修改。');

    // The civil servant finds it in 待辦事項 and answers it.
    const other = await b.newPage();
    await signIn(other, servant.login, { label: '我的專區（公務人員）' });
    await navigate(other, '待辦事項', () => other.getByRole('navigation', { name: '我的專區' }).getByRole('link', { name: '待辦事項' }).click());
    const item = other.locator('main li').filter({ hasText: title });
    expect(await item.innerText()).toContain('(未作答)');
    await navigate(other, '填寫問卷', () => item.getByRole('link', { name: title }).click());
    await navigate(other, '填寫問卷（未作答）', () => other.getByRole('button', { name: '送出' }).click());
    expect(await other.locator('.error-summary').innerText()).toContain('請回答「您對人事服務網的整體滿意度」');
    await other.getByLabel('其他建議').fill('希望增加行動版');
    await other.getByRole('group', { name: /您對人事服務網的整體滿意度/ }).getByLabel('滿意', { exact: true }).check();
    await navigate(other, '待辦事項（已作答）', () => other.getByRole('button', { name: '送出' }).click());
    expect(pathOf(other)).toBe('/my/todo');
    expect(await other.getByRole('status').innerText()).toBe('問卷已送出，感謝您的填答。');
    expect(await other.locator('main').innerText()).not.toContain(title);

    // The administrator closes it early and reads the results.
    await visit(page, `/admin/questionnaires/${id}`, '問卷（已發布）');
    await navigate(page, '問卷（已結束）', () => page.getByRole('button', { name: '提前結束' }).click());
    expect(await page.getByRole('status').innerText()).toBe('問卷已結束，不再接受填答。');
    await navigate(page, '問卷結果', () => page.getByRole('link', { name: '檢視結果' }).click());
    expect(await page.locator('main').innerText()).toContain('共 1 人填答');
    const chart = page.getByRole('img', { name: /您對人事服務網的整體滿意度/ });
    expect(await chart.count()).toBe(1);
    expect(await page.locator('main svg.chart rect[fill="#1f5fa8"]:has(title)').count()).toBe(1);
    expect(await page.getByRole('row', { name: /滿意 1 100%/ }).count()).toBe(1);
    expect(await page.locator('main').innerText()).toContain('希望增加行動版');
    const csv = await page.request.get(`/admin/questionnaires/${id}/results.csv`);
    expect((await csv.text()).startsWith('\uFEFF')).toBe(true);
  }, 240_000);
});
