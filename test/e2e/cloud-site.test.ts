import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { PASSWORD } from '../support/app';
import { navigate, pathOf, visit } from '../support/browser';
import { cardSignInPage, DEMO_PIN, startCardBrowserApp, type CardBrowserApp } from '../support/cardBrowser';
import { makeApplication } from '../routes/cloud-site-support';

// The site's journeys in Chromium: an agency with its card reads the portal pages, files
// an error report, downloads and opens its encrypted data file (openssl and the bridge's
// decrypt command), gets the 介接模組; the Ministry's administrator manages content, the
// data dictionary and services, handles the report, searches the audit log and reads the
// dashboard. axe-core scans every page.
let b: CardBrowserApp;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-site-e2e-'));

beforeAll(async () => {
  b = await startCardBrowserApp();
  const a = await b.db('agency').where({ code: 'A096C0000Q' }).first('id');
  await b.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
}, 120_000);
afterAll(async () => {
  await b?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('an agency on the platform', () => {
  let signedIn: Page | null = null;
  async function agencyPage(): Promise<Page> {
    if (signedIn) return signedIn;
    const page = await b.newPage({ acceptDownloads: true });
    await cardSignInPage(page, b, 'agency-ntunhs');
    return (signedIn = page);
  }

  it('reads the portal pages', async () => {
    const page = await agencyPage();
    await visit(page, '/cloud', '最新公告');
    expect(pathOf(page)).toBe('/cloud');
    await page.getByLabel('公告關鍵字').fill('退休資料');
    await navigate(page, '最新公告 搜尋', () => page.getByRole('button', { name: '搜尋公告' }).click());
    expect(await page.locator('main table').innerText()).toContain('新增[退休資料]服務公告');
    await navigate(page, '公告內容', () => page.getByRole('link', { name: '新增[退休資料]服務公告' }).click());
    await navigate(page, '服務說明', () => page.getByRole('navigation', { name: '平台資訊' }).getByRole('link', { name: '服務說明' }).click());
    expect(await page.locator('main tbody tr').count()).toBe(13);
    const sheet = page.waitForEvent('download');
    await page.getByRole('link', { name: '下載 退休資料欄位說明' }).click();
    const csv = fs.readFileSync((await (await sheet).path())!, 'utf8');
    expect(csv).toContain('retire_kind,退休種類');
    await navigate(page, '安裝說明', () => page.getByRole('navigation', { name: '平台資訊' }).getByRole('link', { name: '安裝說明' }).click());
    await navigate(page, '常見問題', () => page.getByRole('navigation', { name: '平台資訊' }).getByRole('link', { name: '常見問題' }).click());
    await visit(page, '/cloud/links', '相關連結');
    await visit(page, '/cloud/contact', '聯絡我們');
    await visit(page, '/cloud/files', '檔案下載');
    await page.getByLabel('站內搜尋').fill('解密程式');
    await navigate(page, '搜尋結果', () => page.locator('form[action="/cloud/search"]').first().locator('button[type=submit]').click());
    expect(await page.locator('main').innerText()).toContain('如何開啟下載的資料交換檔案？');

  });

  it('files an error report (a mistake first, then with an attachment)', async () => {
    const page = await agencyPage();
    await visit(page, '/cloud/reports', '錯誤回報 查詢');
    await navigate(page, '新增錯誤回報', () => page.getByRole('link', { name: '新增錯誤回報' }).click());
    await page.getByLabel('姓名').fill('林小美');
    await page.getByLabel('連絡電話').fill('02-28227101');
    await page.getByLabel('電子郵件').fill('not-mail');
    await page.getByLabel('問題內容').fill('下載退休資料時出現錯誤');
    await navigate(page, '錯誤回報 欄位錯誤', () => page.getByRole('button', { name: '送出' }).click());
    expect(await page.locator('.error-summary').innerText()).toContain('電子郵件格式錯誤');
    expect(await page.getByLabel('問題內容').inputValue()).toBe('下載退休資料時出現錯誤');
    await page.getByLabel('電子郵件').fill('hr@ntunhs.edu.tw');
    await page.getByLabel(/服務代碼/).selectOption('SQ_MA_001');
    const shot = path.join(tmp, '錯誤畫面.txt');
    fs.writeFileSync(shot, '錯誤訊息：連線逾時\n');
    await page.getByLabel(/附件/).setInputFiles(shot);
    await navigate(page, '錯誤回報 明細', () => page.getByRole('button', { name: '送出' }).click());
    expect(pathOf(page)).toMatch(/^\/cloud\/reports\/\d{8}$/);
    expect(await page.locator('main').innerText()).toContain('錯誤畫面.txt');

  });

  it('downloads its data file and opens it with openssl and the bridge decrypt command; gets the 介接模組', async () => {
    const page = await agencyPage();
    const app = await makeApplication(b.db, { kind: 'file', approved: ['SQ_MA_001', 'SQ_COM_01'], pkiDir: b.pkiDir });
    const wsApp = await makeApplication(b.db, { kind: 'ws', approved: ['SQ_TA_002'], pkiDir: b.pkiDir });
    await visit(page, '/cloud/deliveries', '資料交換下載');
    const dl = page.waitForEvent('download');
    await page.getByRole('link', { name: `下載 ${app.number} 資料交換檔案` }).click();
    const file = path.join(tmp, `${app.number}.p7m`);
    await (await dl).saveAs(file);
    // Encrypted to the agency card's encryption certificate (cert2); the bridge opens it with cert2's key.
    const key = path.join(b.pkiDir, 'cards', 'agency-ntunhs', 'enc-key.pem');
    const cert = path.join(b.pkiDir, 'cards', 'agency-ntunhs', 'enc-cert.pem');
    const viaOpenssl = execFileSync('openssl', ['cms', '-decrypt', '-inform', 'DER', '-in', file, '-recip', cert, '-inkey', key]).toString('utf8');
    expect(viaOpenssl).toContain('#SQ_MA_001,退休資料');
    expect(viaOpenssl).toContain('#SQ_COM_01,代碼檔');
    // The bridge's decrypt command, with the card (SoftHSM2 token) and its PIN.
    const manifest = JSON.parse(fs.readFileSync(path.join(b.pkiDir, 'manifest.json'), 'utf8'));
    const out = path.join(tmp, `${app.number}.csv`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/bridge/server.ts', 'decrypt', '--in', file, '--out', out, '--pin', DEMO_PIN], {
      env: { ...process.env, SOFTHSM2_CONF: manifest.softhsmConf, BRIDGE_STATE_FILE: path.join(tmp, 'bridge-state.json') },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toBe(viaOpenssl);

    // 介接模組 of an approved web-service application.
    await visit(page, `/cloud/deliveries/${wsApp.id}/module`, '介接模組下載');
    await navigate(page, '介接模組 已產生', () => page.getByRole('button', { name: '產生介接模組' }).click());
    expect(await page.locator('#p12-password').innerText()).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });
});

describe('the Ministry administrator', () => {
  let signedIn: Page | null = null;
  async function adminPage(): Promise<Page> {
    if (signedIn) return signedIn;
    const page = await b.newPage();
    await visit(page, '/login', '帳號登入');
    const form = page.locator('main form[action="/login"]');
    await form.getByLabel('帳號').fill('mocs.admin');
    await form.getByLabel('密碼').fill(PASSWORD);
    await navigate(page, '登入後', () => form.getByRole('button', { name: '登入' }).click());
    return (signedIn = page);
  }

  it('manages news, FAQ and files', async () => {
    const page = await adminPage();
    await visit(page, '/cloud/admin/news', '最新消息管理');
    await navigate(page, '新增最新消息', () => page.getByRole('link', { name: '新增最新消息' }).click());
    await navigate(page, '新增最新消息 錯誤', () => page.getByRole('button', { name: '儲存' }).click());
    expect(await page.locator('.error-summary').innerText()).toContain('請輸入公告標題');
    await page.getByLabel('公告標題').fill('端對端測試公告');
    await page.getByLabel('公告內容').fill('內容');
    await navigate(page, '最新消息 已新增', () => page.getByRole('button', { name: '儲存' }).click());
    expect(await page.locator('main').innerText()).toContain('端對端測試公告');
    await visit(page, '/cloud/admin/faq', '常見問題管理');
    await visit(page, '/cloud/admin/faq/new', '新增常見問題');
    await visit(page, '/cloud/admin/files', '檔案下載管理');
  });

  it('manages the data dictionary and the services', async () => {
    const page = await adminPage();

    await visit(page, '/cloud/admin/tables', '資料表及欄位管理');
    await navigate(page, '資料表 退休', () => page.getByRole('link', { name: '管理 退休資料表欄位' }).click());
    await page.getByLabel('欄位代碼').fill('no_such_column');
    await page.getByLabel('欄位名稱').fill('不存在');
    await navigate(page, '新增欄位 錯誤', () => page.getByRole('button', { name: '新增欄位' }).click());
    expect(await page.locator('.error-summary').innerText()).toContain('沒有欄位 no_such_column');
    await navigate(page, '修改欄位', () => page.getByRole('link', { name: '修改 last_rank' }).click());

    await visit(page, '/cloud/admin/services', '服務管理');
    await visit(page, '/cloud/admin/services/new', '新增服務');
    await page.getByLabel('服務代碼').fill('bad');
    await navigate(page, '新增服務 錯誤', () => page.getByRole('button', { name: '儲存' }).click());
    expect(await page.locator('.error-summary').innerText()).toContain('服務代碼格式錯誤');
  });

  it('handles an error report, searches the audit log, reads the dashboard', async () => {
    const page = await adminPage();

    const agency = await b.db('agency').where({ code: 'A096C0000Q' }).first('id');
    await b.db('cloud_report').insert({ agency_id: agency.id, reporter_name: '林小美', phone: '02-28227101', email: 'hr@ntunhs.edu.tw', occurred_on: '2026-11-20', content: '下載逾時' });
    await visit(page, '/cloud/admin/reports?status=open', '錯誤回報管理');
    const first = page.locator('main tbody a').first();
    await navigate(page, '錯誤回報處理', () => first.click());
    await page.getByLabel('已結案').check();
    await page.getByLabel('處理說明').fill('已修正下載逾時問題');
    await navigate(page, '錯誤回報 已處理', () => page.getByRole('button', { name: '儲存處理情形' }).click());
    expect(await page.locator('main').innerText()).toContain('已修正下載逾時問題');

    await visit(page, '/cloud/admin/audit?event=download', '稽核管理');
    expect(await page.locator('main').innerText()).toMatch(/共 \d+ 筆/);
    await visit(page, '/cloud/admin/dashboard', '統計圖表');
    expect(await page.locator('main svg').count()).toBe(2);
  });
});
