import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { navigate, pathOf, startBrowserApp, type BrowserApp, signIn, egovColleague, unreadBadge } from '../support/browser';
import { rocShort, taipeiToday } from '../../src/platform/dates';

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
});
afterAll(async () => {
  await b?.close();
});

describe('電子賀卡: a card to a group, read by a member; HR switches on birthday cards and one arrives on the day', () => {
  it('works end to end', async () => {
    const sender = await egovColleague(b.db);
    const m1 = await egovColleague(b.db, { agencyCode: '376470000A' });
    const m2 = await egovColleague(b.db);
    // Contacts and a group (their own journey is test/e2e/messages.test.ts).
    await b.db('message_contact').insert([m1, m2].map((m) => ({ owner_person_id: sender.personId, person_id: m.personId })));
    const [g] = await b.db('message_group').insert({ owner_person_id: sender.personId, name: '中秋聯誼小組' }).returning('id');
    await b.db('message_group_member').insert([m1, m2].map((m) => ({ group_id: g.id, person_id: m.personId })));

    const page = await b.newPage();
    await signIn(page, sender.login);
    await navigate(page, '電子賀卡', () => page.getByRole('navigation', { name: '我的專區' }).getByRole('link', { name: '電子賀卡' }).click());
    expect(pathOf(page)).toBe('/my/ecards');

    // Pick 中秋, write, choose the group; a date in the past is refused with what was typed kept.
    await page.getByRole('radio', { name: '中秋' }).check();
    await page.getByLabel('祝福語').fill('月圓人團圓，中秋節快樂！');
    await page.getByLabel(/中秋聯誼小組/).check();
    const yesterday = rocShort(new Date(Date.parse(`${taipeiToday()}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10));
    await page.getByLabel(/寄送日期/).fill(yesterday);
    await navigate(page, '電子賀卡（錯誤）', () => page.getByRole('button', { name: '送出' }).click());
    expect(await page.locator('.error-summary').innerText()).toContain('寄送日期不可早於今天');
    expect(await page.getByLabel('祝福語').inputValue()).toBe('月圓人團圓，中秋節快樂！');
    expect(await page.getByRole('radio', { name: '中秋' }).isChecked()).toBe(true);
    expect(await page.getByLabel(/中秋聯誼小組/).isChecked()).toBe(true);
    await page.getByLabel(/寄送日期/).fill('');

    // 預覽, then 送出.
    await navigate(page, '電子賀卡（預覽）', () => page.getByRole('button', { name: '預覽' }).click());
    const preview = page.getByRole('region', { name: '預覽' });
    expect(await preview.getByRole('img', { name: '中秋節快樂' }).count()).toBe(1);
    expect(await preview.innerText()).toContain('月圓人團圓，中秋節快樂！');
    await navigate(page, '寄件備份（賀卡）', () => page.getByRole('button', { name: '送出' }).click());
    expect(pathOf(page)).toMatch(/^\/my\/messages\/sent\/\d+$/);
    expect(await page.getByRole('status').first().innerText()).toContain('賀卡已送出，共 2 位收件人。');

    // A member sees the unread count, opens the card: the design and the greeting.
    const p1 = await b.newPage();
    await signIn(p1, m1.login);
    expect(await unreadBadge(p1).innerText()).toMatch(/^網頁訊息 1\s*則未讀$/);
    await navigate(p1, '網頁訊息（收件匣）', () => unreadBadge(p1).click());
    await navigate(p1, '網頁訊息（賀卡）', () => p1.getByRole('link', { name: '電子賀卡：中秋節快樂' }).click());
    expect(await p1.getByRole('img', { name: '中秋節快樂' }).count()).toBe(1);
    expect(await p1.locator('main').innerText()).toContain('月圓人團圓，中秋節快樂！');
    expect((await unreadBadge(p1).innerText()).trim()).toBe('網頁訊息');

    // HR switches on birthday cards for the agency.
    const hr = await egovColleague(b.db, { roles: ['hr_staff'] });
    const hrPage = await b.newPage();
    await signIn(hrPage, hr.login);
    await navigate(hrPage, '電子賀卡（人事人員）', () => hrPage.getByRole('navigation', { name: '我的專區' }).getByRole('link', { name: '電子賀卡' }).click());
    await navigate(hrPage, '生日賀卡設定', () => hrPage.getByRole('link', { name: '生日賀卡設定' }).click());
    await hrPage.getByLabel('啟用生日賀卡自動寄送').check();
    await hrPage.getByRole('radio', { name: '生日' }).check();
    await hrPage.getByLabel('祝福語').fill('祝您生日快樂，工作順利！');
    await navigate(hrPage, '生日賀卡設定（已儲存）', () => hrPage.getByRole('button', { name: '儲存設定' }).click());
    expect(await hrPage.getByRole('status').first().innerText()).toContain('已啟用生日賀卡');

    // The job runs on a colleague's birthday (09:00 Taipei); the card is in their inbox.
    const star = await egovColleague(b.db);
    await b.db('person').where({ id: star.personId }).update({ birth_date: '1990-10-06' });
    await b.services.cards.sendBirthdays(new Date('2041-10-06T01:00:00Z'));
    const p3 = await b.newPage();
    await signIn(p3, star.login);
    expect(await unreadBadge(p3).innerText()).toMatch(/^網頁訊息 1\s*則未讀$/);
    await navigate(p3, '網頁訊息（收件匣）', () => unreadBadge(p3).click());
    await navigate(p3, '生日賀卡', () => p3.getByRole('link', { name: '生日賀卡：祝您生日快樂' }).click());
    expect(await p3.getByRole('img', { name: '生日快樂' }).count()).toBe(1);
    const text = await p3.locator('main').innerText();
    expect(text).toContain('祝您生日快樂，工作順利！');
    expect(text).toContain('人事室');
  }, 480_000);
});
