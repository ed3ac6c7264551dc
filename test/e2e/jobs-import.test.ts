import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { navigate, pathOf, startBrowserApp, visit, type BrowserApp, signIn } from '../support/browser';
import { importFeed } from '../../src/jobs/opendata/importer';
import { parseFeed } from '../../src/jobs/opendata/format';
import { feed } from '../fixtures/jobs/legacyFeed';

let b: BrowserApp;
beforeAll(async () => {
  b = await startBrowserApp();
}, 120_000);
afterAll(async () => {
  await b?.close();
});

describe('事求人: an older feed is imported, searched, exported; the administrator confirms and merges its agencies', () => {
  it('runs the journey with axe-core on every page', async () => {
    const keyword = `原住民族文化${process.pid % 1000}`;
    // A feed in the older shape (no ORG_ID, agencies not in the directory), read from its file.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-import-e2e-'));
    const file = path.join(dir, 'old.xml');
    fs.writeFileSync(
      file,
      feed([
        { workId: 9960001, orgName: '屏東縣三地門鄉公所', numberOf: '二名', rank: '委任第三職等至第五職等', workItem: `辦理${keyword}推廣業務。`, oldUrl: true },
        { workId: 9960002, orgName: '台東縣 蘭嶼鄉公所', numberOf: '1', rank: '薦任第六職等', workItem: '辦理觀光行政業務。', oldUrl: true },
      ]),
    );
    const r = await importFeed(b.db, fs.createReadStream(file));
    fs.rmSync(dir, { recursive: true, force: true });
    expect([r.fileError, r.inserted, r.errors, r.agencies.map((a) => a.name)]).toEqual([undefined, 2, [], ['屏東縣三地門鄉公所', '台東縣 蘭嶼鄉公所']]);

    // A visitor finds the imported vacancy.
    const visitor = await b.newPage();
    await visit(visitor, '/jobs', '查詢職缺資料');
    await visitor.locator('#q').fill(keyword);
    await navigate(visitor, '查詢結果', () => visitor.locator('form.jobs-search').getByRole('button', { name: '查詢' }).click());
    await navigate(visitor, '職缺內容', () => visitor.locator('a[href="/jobs/view?work_id=9960001"]').click());
    await visitor.getByText(keyword).first().waitFor();
    await visitor.getByText('屏東縣三地門鄉公所').first().waitFor();

    // …and downloads the open-data files with it, in the legacy shape.
    await visit(visitor, '/jobs/opendata', '職缺Open Data');
    const xml = await (await visitor.request.get('/jobs/opendata/vacancies.xml')).text();
    const exported = parseFeed(xml).rows.filter((row) => /work_id=99600\d\d$/.test(row.fields.get('VIEW_URL')!));
    expect(exported.map((row) => [row.fields.get('ORG_ID'), row.fields.get('ORG_NAME'), row.fields.get('NUMBER_OF')])).toEqual([
      ['', '屏東縣三地門鄉公所', '2'],
      ['', '台東縣 蘭嶼鄉公所', '1'],
    ]);
    const json = await (await visitor.request.get('/jobs/opendata/vacancies.json')).json();
    expect(json.vacancies.filter((v: { workId: number }) => v.workId >= 9960001 && v.workId <= 9960002).map((v: { orgName: string }) => v.orgName)).toEqual(['屏東縣三地門鄉公所', '台東縣 蘭嶼鄉公所']);

    // The administrator confirms one agency and merges the other into one of the directory.
    const admin = await b.newPage();
    await signIn(admin, 'portal.admin', { landing: null });
    await visit(admin, '/jobs', '查詢職缺資料 (administrator)');
    await navigate(admin, '匯入機關確認', () => admin.locator('nav.jobs-nav').getByRole('link', { name: '匯入機關確認' }).click());
    expect(pathOf(admin)).toBe('/jobs/imports/agencies');
    await navigate(admin, '匯入機關 (one)', () => admin.getByRole('link', { name: '確認或併入 屏東縣三地門鄉公所' }).click());
    await navigate(admin, '匯入機關 (errors)', () => admin.getByRole('button', { name: '送出' }).click());
    expect(await admin.locator('.error-summary li').allTextContents()).toEqual(['請選擇確認為新機關或併入既有機關']);
    await admin.getByLabel('確認為新機關').check();
    await navigate(admin, '匯入機關確認 (confirmed)', () => admin.getByRole('button', { name: '送出' }).click());
    expect(pathOf(admin)).toBe('/jobs/imports/agencies');
    await admin.getByText('已確認「屏東縣三地門鄉公所」為新機關。').waitFor();

    await navigate(admin, '匯入機關 (two)', () => admin.getByRole('link', { name: '確認或併入 台東縣 蘭嶼鄉公所' }).click());
    await admin.getByLabel('併入既有機關（職缺一併移轉）').check();
    await admin.getByLabel(/併入機關的機關代碼/).fill('Q1');
    await navigate(admin, '匯入機關 (bad code)', () => admin.getByRole('button', { name: '送出' }).click());
    expect(await admin.locator('.error-summary li').allTextContents()).toEqual(['機關代碼為 10 碼英數字，例如 301000000A']);
    expect(await admin.locator('#target').inputValue()).toBe('Q1');
    const taitung = await b.db('agency').where({ name: '臺東縣政府' }).first();
    const into = taitung ?? (await b.db('agency').where({ code: '301000000A' }).first());
    await admin.locator('#target').fill(into.code);
    await navigate(admin, '匯入機關確認 (merged)', () => admin.getByRole('button', { name: '送出' }).click());
    await admin.getByText(`已將「台東縣 蘭嶼鄉公所」併入「${into.name}」（${into.code}），移轉職缺 1 筆。`).waitFor();
    expect(await admin.getByRole('link', { name: /蘭嶼鄉公所|三地門鄉公所/ }).count()).toBe(0);
    expect((await b.db('jobs_vacancy').where({ work_id: 9960002 }).first()).agency_id).toBe(into.id);
  }, 200_000);
});
