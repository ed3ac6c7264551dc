import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp } from '../support/app';
import { expectZhPage } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

const PAGES: [string, string, string[]][] = [
  ['/accessibility', '無障礙聲明', ['AA 等級', 'WCAG 2.1', '問題反映', '02-23979108', '/pics/tickets/new']],
  ['/privacy', '隱私權及資訊安全政策', ['個人資料保護法', 'Cookie', '資訊安全政策', '稽核紀錄']],
  ['/open-data', '政府網站資料開放宣告', ['政府資料開放授權條款', '/jobs/opendata/vacancies.csv', '個人資料']],
];

describe('the pages every government site has', () => {
  for (const [url, title, contains] of PAGES) {
    it(`${url}: ${title}, for anyone`, async () => {
      const res = await request(t.app).get(url);
      expectZhPage(res, 200);
      expect(res.text).toContain(`<h1>${title}</h1>`);
      for (const text of contains) expect(res.text).toContain(text);
    });
  }

  it('every layout\'s footer links to the three pages (portal, PICS, 事求人, the sign-in page, an error page)', async () => {
    for (const url of ['/', '/pics', '/pics/faq', '/jobs', '/login', '/sitemap', '/no-such-page']) {
      const res = await request(t.app).get(url).redirects(3);
      const footer = /<footer class="site-footer">[\s\S]*?<\/footer>/.exec(res.text)?.[0] ?? '';
      for (const [href, title] of PAGES) expect(footer, url).toContain(`<a href="${href}">${title}</a>`);
    }
  });

  it('every page has the print stylesheet and the upload progress script', async () => {
    const res = await request(t.app).get('/jobs');
    expect(res.text).toContain('<link rel="stylesheet" href="/public/css/print.css" media="print">');
    expect(res.text).toContain('<script src="/public/js/upload-progress.js" defer></script>');
    const css = await request(t.app).get('/public/css/print.css');
    expect(css.status).toBe(200);
    expect(css.text).toContain('@media print');
    expect((await request(t.app).get('/public/js/upload-progress.js')).status).toBe(200);
  });
});
