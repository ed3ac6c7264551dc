import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import request from 'supertest';
import { buildApp } from '../support/app';
import { importFeed, type ImportEntry } from '../../src/jobs/opendata/importer';
import { parseFeed, XML_TAIL, xmlHead } from '../../src/jobs/opendata/format';
import { feed, feedHead, FEED_TAIL, writeFeedFile, type FeedVacancy } from '../fixtures/jobs/legacyFeed';

const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '../fixtures/jobs', name), 'utf8');
let t: ReturnType<typeof buildApp>;
beforeAll(() => {
  t = buildApp();
});
afterAll(() => t.close());

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'jobs-import-'));
const vacancyCount = async (from: number, to: number) => Number((await t.db('jobs_vacancy').whereBetween('work_id', [from, to]).count({ n: '*' }))[0]!.n);
const agencyNamed = (name: string) => t.db('agency').where({ name }).first();

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

const COMPARED = ['work_id', 'agency_id', 'org_id', 'org_name', 'title', 'rank_from', 'rank_to', 'rank_text', 'number_of', 'reserve_num', 'gender', 'work_places', 'date_from', 'date_to', 'work_quality', 'work_item', 'work_address', 'contact_method', 'url_link', 'is_handicap', 'is_original', 'is_local_original', 'is_training', 'transfer_only', 'needs_consent', 'series_name', 'updated_at'];

describe('importing a feed in the current shape', () => {
  it('maps RANK, NUMBER_OF and WORK_PLACE_TYPE, adds an unknown ORG_ID as 「匯入」, reports unreadable rows, and a re-import changes nothing', async () => {
    const first = await importFeed(t.db, fixture('legacy-sample.xml'));
    expect(first.fileError).toBeUndefined();
    expect(first.rows).toBe(5);
    expect(first.inserted).toBe(4);
    expect(first.errors).toEqual([{ line: 7, workId: '9100005', reason: '名額（NUMBER_OF）無法辨識：「很多」' }]);
    expect(first.agencies).toEqual([{ line: 6, code: 'Z999999999', name: '不存在的機關' }]);
    const added = await t.db('agency').where({ code: 'Z999999999' }).first();
    expect([added.name, added.origin, added.confirmed_at]).toEqual(['不存在的機關', 'import', null]);
    expect((await t.db('jobs_vacancy').where({ work_id: 9100004 }).first()).agency_id).toBe(added.id);
    const rows = await t.db('jobs_vacancy').whereIn('work_id', [9100001, 9100002, 9100003]).orderBy('work_id');
    expect(rows.map((r) => [r.rank_from, r.rank_to, r.number_of, r.work_places, r.status, r.source])).toEqual([
      [3, 5, null, ['10'], 'approved', 'import'],
      [6, 7, 2, ['10', '35'], 'approved', 'import'],
      [10, 11, 2, ['10', '23'], 'approved', 'import'],
    ]);
    expect(rows[1].work_quality).toBe('熟悉 <Linux> 系統管理');
    expect(rows[1].needs_consent).toBe(true);
    expect(rows[2].gender).toBe('F');
    expect(rows[2].person_kind).toBe('2');
    const before = await t.db('jobs_vacancy').whereBetween('work_id', [9100001, 9100005]).orderBy('work_id').select(COMPARED);
    const again = await importFeed(t.db, fixture('legacy-sample.xml'));
    expect([again.inserted, again.updated, again.unchanged, again.agencies]).toEqual([0, 0, 4, []]);
    expect(await t.db('jobs_vacancy').whereBetween('work_id', [9100001, 9100005]).orderBy('work_id').select(COMPARED)).toEqual(before);
    expect(Number((await t.db('agency').where({ code: 'Z999999999' }).count({ n: '*' }))[0]!.n)).toBe(1);
  });

  it('refuses to overwrite a vacancy posted on the portal that has the same number', async () => {
    const own = await t.db('jobs_vacancy').where({ source: 'form' }).whereNull('deleted_at').first();
    const r = await importFeed(t.db, feed([{ workId: own.work_id, orgName: '內政部', title: '不應覆蓋' }]));
    expect(r.errors).toEqual([{ line: 3, workId: String(own.work_id), reason: `職缺編號 ${own.work_id} 已是本系統刊登的職缺，不以匯入覆蓋` }]);
    expect((await t.db('jobs_vacancy').where({ id: own.id }).first()).title).toBe(own.title);
  });
});

describe('importing a feed in the older shape (no ORG_ID, agencies not in the directory)', () => {
  const OLD: FeedVacancy[] = [
    // Exact name of a directory agency.
    { workId: 9500001, orgName: '內政部', numberOf: '二名', rank: '薦任第六職等至第七職等', oldUrl: true },
    // The same agency written with 台, a full-width space and full-width letters.
    { workId: 9500002, orgName: '台北市政府　', numberOf: '若干', rank: '委任第3-5職等', oldUrl: true },
    // Not in the directory: added once, used by both rows.
    { workId: 9500003, orgName: '嘉義縣竹崎鄉公所', numberOf: '1-2名', rank: '委任或薦任第五職等', oldUrl: true, isHandicap: 'Y', type: '2' },
    { workId: 9500004, orgName: '嘉義縣竹崎鄉公所', numberOf: '數名', rank: '職務列等：薦任', oldUrl: false },
    // Truly broken: reported with its line, the rest imported.
    { workId: 9500005, orgName: '雲林縣古坑鄉公所', numberOf: '很多', oldUrl: true },
  ];

  it('matches agencies by exact then normalised name, adds the unknown ones once as 「匯入」, and reads free-text numbers and ranks', async () => {
    const entries: ImportEntry[] = [];
    const r = await importFeed(t.db, feed(OLD), { onEntry: (e) => entries.push(e) });
    expect(r.fileError).toBeUndefined();
    expect([r.rows, r.inserted, r.updated]).toEqual([5, 4, 0]);
    expect(r.errors).toEqual([{ line: 7, workId: '9500005', reason: '名額（NUMBER_OF）無法辨識：「很多」' }]);
    expect(r.agencies).toEqual([{ line: 5, code: null, name: '嘉義縣竹崎鄉公所' }]);
    const rows = await t.db('jobs_vacancy').whereBetween('work_id', [9500001, 9500004]).orderBy('work_id');
    expect(rows.map((v) => [v.org_id, v.org_name, v.number_of, v.rank_from, v.rank_to])).toEqual([
      ['301000000A', '內政部', 2, 6, 7],
      [(await agencyNamed('臺北市政府')).code, '台北市政府', null, 3, 5],
      [expect.stringMatching(/^IMP\d{7}$/), '嘉義縣竹崎鄉公所', 2, 5, 5],
      [rows[2].org_id, '嘉義縣竹崎鄉公所', null, 6, 9],
    ]);
    expect(rows[2].rank_text).toBe('委任或薦任第五職等');
    expect([rows[2].is_handicap, rows[2].needs_consent, rows[2].reserve_num]).toEqual([true, true, 0]);
    const added = await agencyNamed('嘉義縣竹崎鄉公所');
    expect([added.origin, added.code, rows[2].agency_id, rows[3].agency_id]).toEqual(['import', rows[2].org_id, added.id, added.id]);
    expect(await agencyNamed('雲林縣古坑鄉公所')).toBeUndefined();
    expect(entries.map((e) => [e.action, e.line])).toEqual([
      ['agency', 5],
      ['refused', 7],
      ['inserted', 3],
      ['inserted', 4],
      ['inserted', 5],
      ['inserted', 6],
    ]);
  });

  it('a later feed updates the fields that changed and reports which', async () => {
    await importFeed(t.db, feed(OLD));
    const later = OLD.slice(0, 4).map((v) => ({ ...v }));
    later[0]!.numberOf = '3';
    later[1]!.dateTo = '1170131';
    later[1]!.workItem = '辦理人事業務。';
    const r = await importFeed(t.db, feed(later));
    expect([r.inserted, r.updated, r.unchanged, r.errors, r.agencies]).toEqual([0, 2, 2, [], []]);
    expect(r.updates).toEqual([
      { line: 3, workId: 9500001, fields: ['NUMBER_OF'] },
      { line: 4, workId: 9500002, fields: ['DATE_TO', 'WORK_ITEM'] },
    ]);
    const v = await t.db('jobs_vacancy').where({ work_id: 9500002 }).first(t.db.raw('date_to::text AS date_to'), 'work_item');
    expect([v.date_to, v.work_item]).toEqual(['2028-01-31', '辦理人事業務。']);
  });

  it('--dry-run reports what would be added and which agencies created, and writes nothing', async () => {
    const rows = [
      { workId: 9510001, orgName: '屏東縣霧臺鄉公所' },
      { workId: 9510002, orgName: '內政部' },
      { workId: 9510003, orgName: '內政部', workPlace: '火星' },
    ];
    const r = await importFeed(t.db, feed(rows), { dryRun: true });
    expect(r).toMatchObject({ dryRun: true, rows: 3, inserted: 2, updated: 0, agencies: [{ line: 3, code: null, name: '屏東縣霧臺鄉公所' }] });
    expect(r.errors).toEqual([{ line: 5, workId: '9510003', reason: '工作地（WORK_PLACE_TYPE）無法辨識：「火星」' }]);
    expect(await vacancyCount(9510001, 9510003)).toBe(0);
    expect(await agencyNamed('屏東縣霧臺鄉公所')).toBeUndefined();
  });
});

describe('malformed XML: a clear message with the line, nothing half-imported', () => {
  it('a character reference out of range (&#x110000;) refuses that row with its line; the others are imported', async () => {
    const r = await importFeed(t.db, feed([{ workId: 9600001, orgName: '內政部' }, { workId: 9600002, orgName: '內政部', workQuality: 'QQ' }]).replace('QQ', 'a&#x110000;b'));
    expect(r.errors).toEqual([{ line: 4, workId: '9600002', reason: '第 4 行：字元參考不合法（超出範圍或不是 XML 允許的字元）' }]);
    expect(r.inserted).toBe(1);
    expect(await vacancyCount(9600002, 9600002)).toBe(0);
  });

  it('&#0; refuses that row with its line', async () => {
    const r = await importFeed(t.db, feed([{ workId: 9600011, orgName: '內政部', title: 'A' }]).replace('<TITLE>A</TITLE>', '<TITLE>A&#0;</TITLE>'));
    expect(r.errors).toEqual([{ line: 3, workId: '9600011', reason: '第 3 行：字元參考不合法（超出範圍或不是 XML 允許的字元）' }]);
    expect(await vacancyCount(9600011, 9600011)).toBe(0);
  });

  it('elements with attributes are read (the attributes ignored)', async () => {
    const xml = feed([{ workId: 9600021, orgName: '內政部', title: '科員' }]).replace('<ROOT>', '<ROOT xmlns:x="urn:x" version="2">').replace('<ROW>', '<ROW id="1">').replace('<TITLE>', '<TITLE lang="zh-TW">');
    const r = await importFeed(t.db, xml);
    expect([r.errors, r.inserted]).toEqual([[], 1]);
    expect((await t.db('jobs_vacancy').where({ work_id: 9600021 }).first()).title).toBe('科員');
  });

  it('a BOM and CRLF line ends: read, with the right line numbers', async () => {
    const xml = '\uFEFF' + feed([{ workId: 9600031, orgName: '內政部' }, { workId: 9600032, orgName: '內政部', numberOf: '很多' }], '\r\n');
    const r = await importFeed(t.db, Buffer.from(xml, 'utf8').toString('utf8'));
    expect(r.inserted).toBe(1);
    expect(r.errors).toEqual([{ line: 4, workId: '9600032', reason: '名額（NUMBER_OF）無法辨識：「很多」' }]);
    // As bytes from a stream, split inside a multi-byte character, too.
    const bytes = Buffer.from(xml.replace(/96000(3\d)/g, '96001$1'), 'utf8');
    const chunks = async function* () {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    };
    const s = await importFeed(t.db, chunks());
    expect([s.inserted, s.errors.map((e) => e.line)]).toEqual([1, [4]]);
  });

  it('a truncated file is refused with its line, and no row of it is written', async () => {
    const full = feed([{ workId: 9600041, orgName: '內政部' }, { workId: 9600042, orgName: '新的機關甲' }, { workId: 9600043, orgName: '內政部' }]);
    const r = await importFeed(t.db, full.slice(0, full.indexOf('9600043') - 40));
    expect(r.fileError).toMatch(/^第 5 行：缺少 <\/[A-Z_]+>（檔案不完整？）$/);
    expect([r.inserted, r.agencies]).toEqual([0, []]);
    expect(await vacancyCount(9600041, 9600043)).toBe(0);
    expect(await agencyNamed('新的機關甲')).toBeUndefined();
  });

  it('a file that is not well-formed is refused with its line', async () => {
    const r = await importFeed(t.db, fixture('broken.xml'));
    expect(r.fileError).toMatch(/^第 3 行：/);
  });

  it('a file that is not XML, or empty, or not a feed, is refused', async () => {
    expect((await importFeed(t.db, fixture('not-xml.xml'))).fileError).toBe('檔案不是 XML 格式');
    expect((await importFeed(t.db, '\uFEFF \r\n')).fileError).toBe('檔案是空的');
    expect((await importFeed(t.db, '<?xml version="1.0"?>\n<html><body/></html>')).fileError).toBe('第 2 行：根元素須為 <ROOT>，而不是 <html>');
  });

  it('bytes that are not UTF-8 are refused with a line', async () => {
    const big5 = Buffer.concat([Buffer.from(feedHead()), Buffer.from([0xa4, 0xba, 0xac, 0x46, 0xb3, 0xa1]), Buffer.from(FEED_TAIL)]);
    const r = await importFeed(t.db, (async function* () {
      yield big5;
    })());
    expect(r.fileError).toMatch(/^第 \d+ 行附近：檔案不是 UTF-8 編碼$/);
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

  it('an element inside a field refuses that row', async () => {
    const r = await importFeed(t.db, feed([{ workId: 9600051, orgName: '內政部', title: 'A' }]).replace('<TITLE>A</TITLE>', '<TITLE>A<B>b</B></TITLE>'));
    expect(r.errors).toEqual([{ line: 3, workId: '9600051', reason: '第 3 行：<TITLE> 內不可再有元素' }]);
  });

  it('a field longer than any field may be is not kept whole: that row is refused', async () => {
    const r = await importFeed(t.db, feed([{ workId: 9600061, orgName: '內政部', workItem: '字'.repeat(25_000) }, { workId: 9600062, orgName: '內政部' }]));
    expect(r.errors).toEqual([{ line: 3, workId: '9600061', reason: '第 3 行：<WORK_ITEM> 內容超過 20000 個字' }]);
    expect(r.inserted).toBe(1);
  });

  it('a DTD with entities (billion laughs, an external file) is not expanded: the row naming them is refused', async () => {
    const dtd = '<!DOCTYPE ROOT [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]>';
    const xml = feed([{ workId: 9600071, orgName: '內政部', workItem: 'BB' }, { workId: 9600072, orgName: '內政部', workQuality: 'XX' }]).replace('<ROOT>', `${dtd}\n<ROOT>`).replace('BB', '&b;').replace('XX', '&x;');
    const r = await importFeed(t.db, xml);
    expect(r.errors.map((e) => [e.line, e.workId, e.reason])).toEqual([
      [4, '9600071', '第 4 行：不明的實體（XML 只認得 &amp; &lt; &gt; &quot; &apos;）'],
      [5, '9600072', '第 5 行：不明的實體（XML 只認得 &amp; &lt; &gt; &quot; &apos;）'],
    ]);
  });

  it('a 200 MB feed is streamed from its file with memory flat: every row read, the broken ones reported with their lines', async () => {
    const dir = tmp();
    const file = path.join(dir, 'big.xml');
    // Rows of about 14 kB; all but every 1000th carry a WORK_ITEM over its 4,000 characters, so
    // the whole file is read and checked while the database work stays small.
    const long = '辦理人事業務及其他交辦事項。'.repeat(322);
    const rows = 15_500;
    const size = await writeFeedFile(file, rows, 9700000, { workItem: (i) => (i % 1000 === 999 ? undefined : long), agencies: 10 });
    expect(size).toBeGreaterThan(200 * 1024 * 1024);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    let r: Awaited<ReturnType<typeof importFeed>>;
    try {
      r = await importFeed(t.db, fs.createReadStream(file, { highWaterMark: 256 * 1024 }));
    } finally {
      clearInterval(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect([r.fileError, r.rows, r.inserted, r.errors.length]).toEqual([undefined, rows, 15, rows - 15]);
    expect(r.errors[0]).toEqual({ line: 3, workId: '9700000', reason: '<WORK_ITEM> 超過 4000 個字' });
    expect(r.errors.at(-1)!.line).toBe(rows + 2);
    expect(await vacancyCount(9700999, 9700999)).toBe(1);
    // A coarse bound, not a timing: the file (over 200 MB) is never held whole.
    expect(peak - rss0).toBeLessThan(300 * 1024 * 1024);
  }, 600_000);
});

describe('import → export → import', () => {
  it('the open-data XML and JSON carry imported vacancies inside their 有效期間 in the legacy shape, and re-importing the export changes nothing', async () => {
    const rows = [
      { workId: 9800001, orgName: '內政部', oldUrl: true },
      { workId: 9800002, orgName: '彰化縣二林鎮公所', numberOf: '數名', rank: '委任第五職等或薦任第六職等至第七職等', oldUrl: true },
      { workId: 9800003, orgId: 'B123456789', orgName: '新機關有代碼', reserveNum: '2' },
      // Past its 有效期間: not in the current files.
      { workId: 9800004, orgName: '內政部', dateFrom: '1100101', dateTo: '1100201' },
    ];
    const first = await importFeed(t.db, feed(rows));
    expect([first.inserted, first.errors]).toEqual([4, []]);
    const ids = [9800001, 9800002, 9800003];
    const exported = await exportedRows([...ids, 9800004]);
    expect([...exported.keys()].sort()).toEqual(ids);
    // An agency named without a code has no code in the files either.
    expect(exported.get(9800002)).toContain('<ORG_ID></ORG_ID><ORG_NAME>彰化縣二林鎮公所</ORG_NAME>');
    expect(exported.get(9800003)).toContain('<ORG_ID>B123456789</ORG_ID>');
    const json = JSON.parse((await request(t.app).get('/jobs/opendata/vacancies.json')).text) as { vacancies: { workId: number; orgId: string | null; orgName: string; numberOf: number | null; reserveNum: number }[] };
    const inJson = json.vacancies.filter((v) => v.workId >= 9800001 && v.workId <= 9800004);
    expect(inJson.map((v) => [v.workId, v.orgId, v.orgName, v.numberOf, v.reserveNum])).toEqual([
      [9800001, '301000000A', '內政部', 1, 0],
      [9800002, null, '彰化縣二林鎮公所', null, 0],
      [9800003, 'B123456789', '新機關有代碼', 1, 2],
    ]);
    const before = await t.db('jobs_vacancy').whereIn('work_id', ids).orderBy('work_id').select(COMPARED);
    const again = xmlHead(new Date()) + [...exported.values()].join('\n') + '\n' + XML_TAIL;
    const report = await importFeed(t.db, again);
    expect([report.errors, report.inserted, report.updated, report.unchanged, report.agencies]).toEqual([[], 0, 0, 3, []]);
    expect(await t.db('jobs_vacancy').whereIn('work_id', ids).orderBy('work_id').select(COMPARED)).toEqual(before);
    expect(await exportedRows(ids)).toEqual(exported);
  });

  it('parses its own export with the same reader', async () => {
    const xml = (await request(t.app).get('/jobs/opendata/vacancies.xml')).text;
    const { rows } = parseFeed(xml);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.problems.length === 0)).toBe(true);
  });
});

describe('npm run jobs:import', () => {
  const run = (...args: string[]) =>
    promisify(execFile)('npx', ['tsx', 'scripts/jobs-import.ts', ...args], {
      cwd: path.join(import.meta.dirname, '../..'),
      env: { ...process.env, DATABASE_URL: inject('ownerDatabaseUrl'), SEED_DEMO: 'false', LOG_LEVEL: 'silent', DATA_DIR: tmp() },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('imports a file, prints and writes the report as CSV; --dry-run writes nothing; a broken file exits 1 without a stack', async () => {
    const dir = tmp();
    const file = path.join(dir, 'old.xml');
    fs.writeFileSync(file, feed([{ workId: 9900001, orgName: '花蓮縣秀林鄉公所' }, { workId: 9900002, orgName: '內政部', numberOf: '很多' }]));
    const dry = await run('--dry-run', file);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('（試算，未寫入）: 2 筆，新增 1 筆，更新 0 筆，未變動 0 筆，無法匯入 1 筆，新增機關 1 個');
    expect(dry.stdout).toContain('新增機關（匯入）：花蓮縣秀林鄉公所，第 3 行');
    expect(fs.readFileSync(path.join(dir, 'old.dry-run.csv'), 'utf8')).toBe(
      '\uFEFF結果,行號,職缺編號,機關名稱,說明\r\n新增機關,3,,花蓮縣秀林鄉公所,新增機關（匯入），未提供機關代碼\r\n無法匯入,4,9900002,內政部,名額（NUMBER_OF）無法辨識：「很多」\r\n新增,3,9900001,花蓮縣秀林鄉公所,\r\n',
    );
    expect(await vacancyCount(9900001, 9900002)).toBe(0);
    const ok = await run(file, '--report', path.join(dir, 'r.csv'));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('第 4 行（職缺編號 9900002）：名額（NUMBER_OF）無法辨識：「很多」');
    expect(fs.readFileSync(path.join(dir, 'r.csv'), 'utf8')).toContain('新增,3,9900001,花蓮縣秀林鄉公所,');
    expect(await vacancyCount(9900001, 9900002)).toBe(1);
    const bad = await run('test/fixtures/jobs/broken.xml', '--report', path.join(dir, 'bad.csv'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/無法匯入（未寫入任何資料）：第 3 行：/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(fs.readFileSync(path.join(dir, 'bad.csv'), 'utf8')).toMatch(/^\uFEFF結果,行號,職缺編號,機關名稱,說明\r\n檔案無法匯入,,,,第 3 行：/);
    const usage = await run();
    expect(usage.code).toBe(2);
  }, 120_000);
});

