import type { Db } from '../../platform/database';
import { counter } from '../../platform/counter';
import { parseDateInput } from '../../platform/dates';
import { EMAIL_RE } from '../../platform/validation';
import { PERSON_KINDS, SERIES, TITLES, parseNumberOf, parseRank, parseWorkPlaces, chineseNumber } from '../codes';
import { createFeedReader, csvCell, FeedError, REQUIRED_TAGS, XML_TAGS, type FeedRow } from './format';
import { createVacancyRepository, type VacancyData } from '../vacancyRepository';
import { createOpenDataRepository, type FeedAgency as Agency, type OpenDataRepository } from './repository';

/** What one feed did (or, on a dry run, would do). */
export interface ImportReport {
  dryRun: boolean;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows refused, with the line of their <ROW>. */
  errors: { line: number; workId: string | null; reason: string }[];
  /** Vacancies updated, with the feed's tags that changed. */
  updates: { line: number; workId: number; fields: string[] }[];
  /** Agencies the directory did not know, added as 「匯入」. */
  agencies: { line: number; code: string | null; name: string }[];
  /** Set when the whole file was refused; nothing was written then. */
  fileError?: string;
}

/** One line of the import's CSV report, handed out as the feed is read. */
export interface ImportEntry {
  action: 'inserted' | 'updated' | 'unchanged' | 'refused' | 'agency';
  line: number;
  workId: string | null;
  orgName: string;
  detail: string;
}

const KNOWN = new Set<string>(XML_TAGS);
/** The IS_* flags as feeds give them (Y/N, also 是/否 and 1/0). */
const YN = (s: string | undefined) => ['Y', '是', '1', 'TRUE'].includes((s ?? '').trim().toUpperCase());
/** The vacancy number in VIEW_URL, in its current form (…WANTF00003.aspx?GETJOB=Y&work_id=N, /jobs/view?work_id=N) and the older one (…?WORK_ID=N, &amp;amp; left escaped). */
const WORK_ID_RE = /[?&;]work_?id=(\d{1,12})(?:[&#]|$)/i;

/** Which agency a row names: its code (ORG_ID) if the feed gives one, and its name. */
export interface AgencyRef {
  code: string | null;
  name: string;
}

/** Where a name is compared loosely: full-width/half-width, 臺/台 and spaces do not count. */
export function agencyNameKey(name: string): string {
  return name.normalize('NFKC').replace(/台/g, '臺').replace(/\s+/g, '');
}

/** Reads one feed row into vacancy data (the agency still to be found), or says why it cannot. */
export function mapRow(row: FeedRow): { workId: number; agency: AgencyRef; data: Omit<VacancyData, 'agencyId' | 'orgId' | 'agencyAddress'> } | { workId: string | null; reason: string } {
  const f = row.fields;
  const get = (t: string) => (f.get(t) ?? '').trim();
  const workIdText = WORK_ID_RE.exec(get('VIEW_URL'))?.[1] ?? null;
  const fail = (reason: string) => ({ workId: workIdText, reason });
  if (row.problems.length) return fail(row.problems.join('；'));
  const unknown = [...f.keys()].filter((k) => !KNOWN.has(k));
  if (unknown.length) return fail(`不明的欄位：${unknown.map((k) => `<${k}>`).join('、')}`);
  const missing = REQUIRED_TAGS.filter((t) => !f.has(t) || get(t) === '');
  if (missing.length) return fail(`缺少必要欄位：${missing.map((k) => `<${k}>`).join('、')}`);
  if (!workIdText) return fail('VIEW_URL 中找不到職缺編號（work_id）');
  const code = get('ORG_ID').normalize('NFKC').toUpperCase();
  if (code && !/^[A-Z0-9]{10}$/.test(code)) return fail(`機關代碼（ORG_ID）格式錯誤：「${get('ORG_ID')}」`);
  const numberOf = parseNumberOf(get('NUMBER_OF'));
  if (numberOf === 'invalid') return fail(`名額（NUMBER_OF）無法辨識：「${get('NUMBER_OF')}」`);
  const reserveText = get('RESERVE_NUM');
  const reserve = reserveText === '' ? 0 : chineseNumber(reserveText.replace(/[名人]$/, ''));
  if (reserve === null || reserve < 0 || reserve > 999) return fail(`候用名額（RESERVE_NUM）無法辨識：「${reserveText}」`);
  const places = parseWorkPlaces(get('WORK_PLACE_TYPE'));
  if (!places.length) return fail(`工作地（WORK_PLACE_TYPE）無法辨識：「${get('WORK_PLACE_TYPE')}」`);
  const dateFrom = parseDateInput(get('DATE_FROM'));
  const dateTo = parseDateInput(get('DATE_TO'));
  if (!dateFrom) return fail(`有效期間起日（DATE_FROM）格式錯誤：「${get('DATE_FROM')}」`);
  if (!dateTo) return fail(`有效期間迄日（DATE_TO）格式錯誤：「${get('DATE_TO')}」`);
  if (dateTo < dateFrom) return fail('有效期間迄日早於起日');
  const genderText = get('GENDER_TYPE');
  const gender = genderText === '男' ? 'M' : genderText === '女' ? 'F' : genderText === '' || genderText === '不拘' ? 'A' : null;
  if (!gender) return fail(`性別（GENDER_TYPE）無法辨識：「${genderText}」`);
  const rankRaw = get('RANK');
  const rank = rankRaw ? parseRank(rankRaw) : null;
  const email = get('VITAE_EMAIL');
  if (email && !EMAIL_RE.test(email)) return fail(`VITAE_EMAIL 格式錯誤：「${email}」`);
  const limits: [string, number][] = [['ORG_NAME', 100], ['TITLE', 50], ['SYSNAM', 50], ['RANK', 100], ['WORK_ADDRESS', 200], ['CONTACT_METHOD', 500], ['URL_LINK', 500], ['WORK_QUALITY', 4000], ['WORK_ITEM', 4000]];
  for (const [t, max] of limits) if ([...get(t)].length > max) return fail(`<${t}> 超過 ${max} 個字`);
  const title = get('TITLE');
  const seriesName = get('SYSNAM');
  const kindName = get('PERSON_KIND');
  return {
    workId: Number(workIdText),
    agency: { code: code || null, name: get('ORG_NAME') },
    data: {
      orgName: get('ORG_NAME'),
      fillerName: '',
      fillerPhone: '',
      fillerExt: '',
      fillerEmail: email,
      personKind: PERSON_KINDS.find((k) => k.name === kindName || k.code === kindName)?.code ?? '9',
      rankFrom: rank?.from ?? null,
      rankTo: rank?.to ?? null,
      rankText: rankRaw,
      titleCode: TITLES.find((t) => t.name === title)?.code ?? null,
      title,
      seriesCode: SERIES.find((s) => s.name === seriesName.replace(/職系$/, ''))?.code ?? null,
      seriesName,
      numberOf,
      reserveNum: reserve,
      gender,
      genderReason: '',
      workPlaces: places.sort(),
      dateFrom,
      dateTo,
      workQuality: get('WORK_QUALITY'),
      workItem: get('WORK_ITEM'),
      workAddress: get('WORK_ADDRESS'),
      contactMethod: get('CONTACT_METHOD'),
      urlLink: get('URL_LINK'),
      isHandicap: YN(f.get('IS_HANDICAP')),
      isOriginal: YN(f.get('IS_ORIGINAL')),
      isLocalOriginal: YN(f.get('IS_LOCAL_ORIGINAL')),
      isTraining: YN(f.get('IS_TRANING')),
      transferOnly: YN(f.get('IS_TRANSFER')),
      needsConsent: get('TYPE') === '2',
      hideContact: false,
    },
  };
}

/** The feed's tag a vacancy field comes from, for the report of what changed. */
const FIELD_TAG: Partial<Record<keyof VacancyData, string>> = {
  agencyId: 'ORG_ID', orgId: 'ORG_ID', orgName: 'ORG_NAME', agencyAddress: 'ORG_ID', fillerEmail: 'VITAE_EMAIL', personKind: 'PERSON_KIND',
  rankFrom: 'RANK', rankTo: 'RANK', rankText: 'RANK', titleCode: 'TITLE', title: 'TITLE', seriesCode: 'SYSNAM', seriesName: 'SYSNAM',
  numberOf: 'NUMBER_OF', reserveNum: 'RESERVE_NUM', gender: 'GENDER_TYPE', workPlaces: 'WORK_PLACE_TYPE', dateFrom: 'DATE_FROM', dateTo: 'DATE_TO',
  workQuality: 'WORK_QUALITY', workItem: 'WORK_ITEM', workAddress: 'WORK_ADDRESS', contactMethod: 'CONTACT_METHOD', urlLink: 'URL_LINK',
  isHandicap: 'IS_HANDICAP', isOriginal: 'IS_ORIGINAL', isLocalOriginal: 'IS_LOCAL_ORIGINAL', isTraining: 'IS_TRANING', transferOnly: 'IS_TRANSFER', needsConsent: 'TYPE',
};
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** The directory as the importer finds agencies in it: by code, by exact name, by loose name. */
function agencyBook(list: Agency[]) {
  const byId = new Map<number, Agency>();
  const byCode = new Map<string, Agency>();
  const byName = new Map<string, Agency>();
  const byKey = new Map<string, Agency>();
  const add = (a: Agency) => {
    byId.set(a.id, a);
    byCode.set(a.code, a);
    // The first (oldest) agency of a name wins; merged ones stay findable by their old name.
    if (!byName.has(a.name)) byName.set(a.name, a);
    const k = agencyNameKey(a.name);
    if (!byKey.has(k)) byKey.set(k, a);
  };
  list.forEach(add);
  /** A merged agency stands for the one it was merged into. */
  const live = (a: Agency | undefined): Agency | undefined => {
    for (let i = 0; a?.mergedInto && i < 20; i++) a = byId.get(a.mergedInto);
    return a;
  };
  return {
    add,
    find: (ref: AgencyRef): Agency | undefined => (ref.code ? live(byCode.get(ref.code)) : live(byName.get(ref.name) ?? byKey.get(agencyNameKey(ref.name)))),
  };
}

/** The text of a feed given as a string, or as a stream of bytes (read as UTF-8). */
async function* textOf(source: string | AsyncIterable<Buffer | string>, line: () => number): AsyncGenerator<string> {
  if (typeof source === 'string') {
    yield source;
    return;
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of source) yield typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    yield decoder.decode();
  } catch (err) {
    if (err instanceof TypeError && /encoded data was not valid|invalid/i.test(err.message)) throw new FeedError(`第 ${line()} 行附近：檔案不是 UTF-8 編碼`);
    throw err;
  }
}

class DryRunDone extends Error {}
const BATCH = 500;

/**
 * Imports a legacy-shaped feed, read as a stream: all of it in one transaction (a file that
 * turns out broken, even at its end, leaves nothing behind), idempotent on the vacancy number
 * (work_id of VIEW_URL). A re-import of the same feed changes nothing; a later one updates the
 * fields that changed. Agencies the directory does not know are added as 「匯入」.
 * `dryRun` does all of it and rolls back: the report says what would be done.
 */
export async function importFeed(
  db: Db,
  source: string | AsyncIterable<Buffer | string>,
  opts: { now?: Date; dryRun?: boolean; onEntry?: (e: ImportEntry) => void } = {},
): Promise<ImportReport> {
  const dryRun = opts.dryRun === true;
  const report: ImportReport = { dryRun, rows: 0, inserted: 0, updated: 0, unchanged: 0, errors: [], updates: [], agencies: [] };
  const now = opts.now ?? new Date();
  const entry = opts.onEntry ?? (() => undefined);
  const repo = createOpenDataRepository(db, createVacancyRepository(db));
  try {
    await db.transaction(async (trx) => {
      const book = agencyBook(await repo.agencies(trx));
      const seen = new Set<number>();
      let maxWorkId = 0;
      let queue: FeedRow[] = [];
      let batch: { line: number; workId: number; data: VacancyData }[] = [];
      const reader = createFeedReader((r) => queue.push(r));
      const refuse = (line: number, workId: string | null, orgName: string, reason: string) => {
        report.errors.push({ line, workId, reason });
        entry({ action: 'refused', line, workId, orgName, detail: reason });
      };
      const flush = () => flushBatch(trx, repo, batch, now, report, entry).then(() => void (batch = []));
      const drain = async () => {
        const rows = queue;
        queue = [];
        for (const row of rows) {
          report.rows++;
          const m = mapRow(row);
          const orgName = (row.fields.get('ORG_NAME') ?? '').trim();
          if ('reason' in m) {
            refuse(row.line, m.workId, orgName, m.reason);
            continue;
          }
          if (seen.has(m.workId)) {
            refuse(row.line, String(m.workId), orgName, '職缺編號與前列重複');
            continue;
          }
          seen.add(m.workId);
          maxWorkId = Math.max(maxWorkId, m.workId);
          let agency = book.find(m.agency);
          if (!agency) {
            agency = await repo.addImportedAgency(trx, m.agency, now);
            book.add(agency);
            report.agencies.push({ line: row.line, code: m.agency.code, name: m.agency.name });
            entry({ action: 'agency', line: row.line, workId: null, orgName: m.agency.name, detail: m.agency.code ? `新增機關（匯入），機關代碼 ${m.agency.code}` : '新增機關（匯入），未提供機關代碼' });
          }
          batch.push({ line: row.line, workId: m.workId, data: { ...m.data, agencyId: agency.id, orgId: agency.code, agencyAddress: agency.address } });
          if (batch.length >= BATCH) await flush();
        }
      };
      for await (const text of textOf(source, () => reader.line())) {
        reader.write(text);
        await drain();
      }
      reader.close();
      await drain();
      await flush();
      // Imported vacancies keep their numbers; the work-number counter moves past them, so a
      // vacancy posted later never gets a number already used.
      if (maxWorkId) await counter.raiseTo(trx, 'jobs.vacancy', '', maxWorkId);
      if (dryRun) throw new DryRunDone();
    });
  } catch (err) {
    if (err instanceof DryRunDone) return report;
    if (err instanceof FeedError) return { ...report, inserted: 0, updated: 0, unchanged: 0, updates: [], agencies: [], fileError: err.message };
    throw err;
  }
  return report;
}

async function flushBatch(trx: Db, repo: OpenDataRepository, batch: { line: number; workId: number; data: VacancyData }[], now: Date, report: ImportReport, entry: (e: ImportEntry) => void) {
  if (!batch.length) return;
  const stored = await repo.storedByWorkId(trx, batch.map((b) => b.workId));
  const inserts: typeof batch = [];
  for (const b of batch) {
    const s = stored.get(b.workId);
    const base = { line: b.line, workId: String(b.workId), orgName: b.data.orgName };
    if (!s) {
      inserts.push(b);
      continue;
    }
    if (s.source !== 'import') {
      const reason = `職缺編號 ${b.workId} 已是本系統刊登的職缺，不以匯入覆蓋`;
      report.errors.push({ line: b.line, workId: base.workId, reason });
      entry({ action: 'refused', ...base, detail: reason });
      continue;
    }
    const changed: Partial<VacancyData> = {};
    const tags = new Set<string>();
    for (const [k, v] of Object.entries(b.data) as [keyof VacancyData, unknown][]) {
      if (same(v, s.vacancy[k])) continue;
      (changed as Record<string, unknown>)[k] = v;
      tags.add(FIELD_TAG[k] ?? k);
    }
    if (s.deleted) tags.add('（已刪除，重新刊登）');
    if (!tags.size) {
      report.unchanged++;
      entry({ action: 'unchanged', ...base, detail: '' });
      continue;
    }
    await repo.updateImported(trx, b.workId, changed, now);
    const fields = [...tags];
    report.updated++;
    report.updates.push({ line: b.line, workId: b.workId, fields });
    entry({ action: 'updated', ...base, detail: `變更欄位：${fields.join('、')}` });
  }
  await repo.insertImported(trx, inserts.map((b) => ({ workId: b.workId, data: b.data })), now);
  for (const b of inserts) entry({ action: 'inserted', line: b.line, workId: String(b.workId), orgName: b.data.orgName, detail: '' });
  report.inserted += inserts.length;
}

/** The CSV report of an import (one line per row, and per agency added). */
export const REPORT_CSV_HEAD = '\uFEFF結果,行號,職缺編號,機關名稱,說明\r\n';
const ACTION_TEXT: Record<ImportEntry['action'], string> = { inserted: '新增', updated: '更新', unchanged: '未變動', refused: '無法匯入', agency: '新增機關' };
export function reportCsvLine(e: ImportEntry): string {
  return [ACTION_TEXT[e.action], e.line, e.workId ?? '', e.orgName, e.detail].map(csvCell).join(',') + '\r\n';
}
