import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import request from 'supertest';
import { buildApp } from '../support/app';
import { importFeed, MAX_IMPORT_ROWS } from '../../src/jobs/opendata/importer';
import { parseFeed, XML_TAIL, xmlHead } from '../../src/jobs/opendata/format';

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '../fixtures/jobs', name), 'utf8');
let t: ReturnType<typeof buildApp>;
beforeAll(() => {
  t = buildApp();
});
afterAll(() => t.close());

/** The XML rows of the open-data feed for the given work ids, as text, by work id. */
async function exportedRows(ids: number[]): Promise<Map<number, string>> {
  const xml = (await request(t.app).get('/jobs/opendata/vacancies.xml')).text;
  const out = new Map<number, string>();
  for (const m of xml.matchAll(/<ROW>[\s\S]*?<\/ROW>/g)) {
    const id = Number(/work_id=(\d+)/.exec(m[0])![1]);
    if (ids.includes(id)) out.set(id, m[0]);
  }
  return out;
}

describe('importing a legacy-shaped feed', () => {
  it('maps RANK, NUMBER_OF and WORK_PLACE_TYPE, reports unreadable rows, and is idempotent on work_id', async () => {
    const first = await importFeed(t.db, fixture('legacy-sample.xml'));
    expect(first.fileError).toBeUndefined();
    expect(first.rows).toBe(5);
    expect(first.inserted).toBe(3);
    expect(first.errors).toEqual([
      { line: 6, workId: '9100004', reason: '查無機關代碼 Z999999999' },
      { line: 7, workId: '9100005', reason: '名額（NUMBER_OF）無法辨識：「很多」' },
    ]);
    const rows = await t.db('jobs_vacancy').whereIn('work_id', [9100001, 9100002, 9100003]).orderBy('work_id');
    expect(rows.map((r) => [r.rank_from, r.rank_to, r.number_of, r.work_places, r.status])).toEqual([
      [3, 5, null, ['10'], 'approved'],
      [6, 7, 2, ['10', '35'], 'approved'],
      [10, 11, 2, ['10', '23'], 'approved'],
    ]);
    expect(rows[1].work_quality).toBe('熟悉 <Linux> 系統管理');
    expect(rows[1].needs_consent).toBe(true);
    expect(rows[2].gender).toBe('F');
    expect(rows[2].person_kind).toBe('2');
    const again = await importFeed(t.db, fixture('legacy-sample.xml'));
    expect(again.inserted).toBe(0);
    expect(again.updated).toBe(3);
    expect(Number((await t.db('jobs_vacancy').whereIn('work_id', [9100001, 9100002, 9100003]).count({ n: '*' }))[0]!.n)).toBe(3);
  });

  it('import → export → import gives the same vacancies', async () => {
    await importFeed(t.db, fixture('legacy-sample.xml'));
    const ids = [9100001, 9100002, 9100003];
    const exported = await exportedRows(ids);
    expect([...exported.keys()].sort()).toEqual(ids);
    const before = await t.db('jobs_vacancy').whereIn('work_id', ids).orderBy('work_id').select('work_id', 'org_id', 'title', 'rank_from', 'rank_to', 'rank_text', 'number_of', 'reserve_num', 'gender', 'work_places', 'date_from', 'date_to', 'work_quality', 'work_item', 'work_address', 'contact_method', 'url_link', 'is_handicap', 'is_original', 'is_local_original', 'is_training', 'transfer_only', 'needs_consent', 'series_name');
    const feed = xmlHead(new Date()) + [...exported.values()].join('\n') + '\n' + XML_TAIL;
    const report = await importFeed(t.db, feed);
    expect(report.errors).toEqual([]);
    expect(report.updated).toBe(3);
    const after = await t.db('jobs_vacancy').whereIn('work_id', ids).orderBy('work_id').select(Object.keys(before[0]));
    expect(after).toEqual(before);
    expect(await exportedRows(ids)).toEqual(exported);
  });

  it('refuses a file that is not XML', async () => {
    const r = await importFeed(t.db, fixture('not-xml.xml'));
    expect(r.fileError).toBe('檔案不是 XML 格式');
    expect(r.inserted + r.updated).toBe(0);
  });

  it('refuses a file that is not well-formed', async () => {
    const r = await importFeed(t.db, fixture('broken.xml'));
    expect(r.fileError).toBe('第 3 行：缺少 </TITLE>');
  });

  it('reports a row with unknown tags', async () => {
    const r = await importFeed(t.db, fixture('unknown-tags.xml'));
    expect(r.errors).toEqual([{ line: 3, workId: '9200001', reason: '不明的欄位：<SALARY>' }]);
    expect(await t.db('jobs_vacancy').where({ work_id: 9200001 }).first()).toBeUndefined();
  });

  it('reports a row with missing required tags', async () => {
    const r = await importFeed(t.db, fixture('missing-tags.xml'));
    expect(r.errors).toEqual([{ line: 3, workId: '9300001', reason: '缺少必要欄位：<TITLE>、<DATE_TO>' }]);
  });

  it('refuses a file of 10,000 rows (over the limit per import) without writing anything', async () => {
    const row = (i: number) =>
      `<ROW><ORG_ID>A096C0000Q</ORG_ID><ORG_NAME>國立臺北護理健康大學</ORG_NAME><TITLE>組員</TITLE><NUMBER_OF>1</NUMBER_OF><WORK_PLACE_TYPE>,10-臺北市</WORK_PLACE_TYPE><DATE_FROM>1151101</DATE_FROM><DATE_TO>1161231</DATE_TO><VIEW_URL>https://x.gov.tw/v?work_id=${9400000 + i}</VIEW_URL></ROW>\n`;
    const xml = `<ROOT><ANNOUNCE_DATE>1151124</ANNOUNCE_DATE>\n${Array.from({ length: 10_000 }, (_, i) => row(i)).join('')}</ROOT>`;
    const r = await importFeed(t.db, xml);
    expect(r.rows).toBe(10_000);
    expect(r.fileError).toBe(`檔案有 10000 筆，超過每次匯入上限 ${MAX_IMPORT_ROWS} 筆，請分批匯入`);
    expect(await t.db('jobs_vacancy').where('work_id', '>=', 9400000).where('work_id', '<', 9410000).first()).toBeUndefined();
  });

  it('runs as `npm run jobs:import -- FILE.xml`', async () => {
    const run = (file: string) =>
      promisify(execFile)('npx', ['tsx', 'scripts/jobs-import.ts', file], {
        cwd: path.join(import.meta.dirname, '../..'),
        env: { ...process.env, DATABASE_URL: inject('ownerDatabaseUrl'), SEED_DEMO: 'false', LOG_LEVEL: 'silent', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-import-')) },
      }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const ok = await run('test/fixtures/jobs/legacy-sample.xml');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('5 筆');
    expect(ok.stdout).toContain('第 7 行（職缺編號 9100005）：名額（NUMBER_OF）無法辨識：「很多」');
    const bad = await run('test/fixtures/jobs/not-xml.xml');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('無法匯入：檔案不是 XML 格式');
  }, 60_000);

  it('parses its own export with the same reader', async () => {
    const xml = (await request(t.app).get('/jobs/opendata/vacancies.xml')).text;
    expect(parseFeed(xml).rows.length).toBeGreaterThan(0);
  });
});
