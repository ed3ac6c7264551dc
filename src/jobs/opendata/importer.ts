import type { Db } from '../../platform/database';
import { counter } from '../../platform/counter';
import { parseDateInput } from '../../platform/dates';
import { EMAIL_RE } from '../../platform/validation';
import { PERSON_KINDS, SERIES, TITLES, parseNumberOf, parseRank, parseWorkPlaces, chineseNumber } from '../codes';
import { FeedError, parseFeed, REQUIRED_TAGS, XML_TAGS, type FeedRow } from './format';
import { createVacancyRepository, type VacancyData } from '../vacancyRepository';
import { createOpenDataRepository, type FeedAgency as Agency } from './repository';

/** The most rows one file may hold; larger feeds are split. */
export const MAX_IMPORT_ROWS = 5000;

export interface ImportReport {
  rows: number;
  inserted: number;
  updated: number;
  errors: { line: number; workId: string | null; reason: string }[];
  /** Set when the whole file was refused. */
  fileError?: string;
}

const KNOWN = new Set<string>(XML_TAGS);
const YN = (s: string | undefined) => (s ?? '').trim().toUpperCase() === 'Y';

/** Reads one feed row into vacancy data, or says why it cannot. */
export function mapRow(row: FeedRow, agencies: Map<string, Agency>): { workId: number; data: VacancyData } | { workId: string | null; reason: string } {
  const f = row.fields;
  const get = (t: string) => (f.get(t) ?? '').trim();
  const workIdText = /[?&]work_id=(\d{1,12})(?:&|$)/i.exec(get('VIEW_URL'))?.[1] ?? null;
  const fail = (reason: string) => ({ workId: workIdText, reason });
  const unknown = [...f.keys()].filter((k) => !KNOWN.has(k));
  if (unknown.length) return fail(`不明的欄位：${unknown.map((k) => `<${k}>`).join('、')}`);
  const missing = REQUIRED_TAGS.filter((t) => !f.has(t) || get(t) === '');
  if (missing.length) return fail(`缺少必要欄位：${missing.map((k) => `<${k}>`).join('、')}`);
  if (!workIdText) return fail('VIEW_URL 中找不到職缺編號（work_id）');
  const agency = agencies.get(get('ORG_ID'));
  if (!agency) return fail(`查無機關代碼 ${get('ORG_ID')}`);
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
    data: {
      agencyId: agency.id,
      orgId: agency.code,
      orgName: get('ORG_NAME'),
      agencyAddress: agency.address,
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

/** Imports a legacy-shaped feed; idempotent on the vacancy number (work_id of VIEW_URL). */
export async function importFeed(db: Db, xml: string, opts: { now?: Date } = {}): Promise<ImportReport> {
  const report: ImportReport = { rows: 0, inserted: 0, updated: 0, errors: [] };
  let rows: FeedRow[];
  try {
    rows = parseFeed(xml).rows;
  } catch (err) {
    if (err instanceof FeedError) return { ...report, fileError: err.message };
    throw err;
  }
  report.rows = rows.length;
  if (rows.length > MAX_IMPORT_ROWS) return { ...report, fileError: `檔案有 ${rows.length} 筆，超過每次匯入上限 ${MAX_IMPORT_ROWS} 筆，請分批匯入` };
  const repo = createOpenDataRepository(db, createVacancyRepository(db));
  const agencies = new Map<string, Agency>((await repo.agencies()).map((a) => [a.code, a]));
  const seen = new Set<number>();
  const good: { workId: number; data: VacancyData }[] = [];
  const now = opts.now ?? new Date();
  for (const row of rows) {
    const m = mapRow(row, agencies);
    if ('reason' in m) {
      report.errors.push({ line: row.line, workId: m.workId, reason: m.reason });
      continue;
    }
    if (seen.has(m.workId)) {
      report.errors.push({ line: row.line, workId: String(m.workId), reason: '職缺編號與前列重複' });
      continue;
    }
    seen.add(m.workId);
    good.push(m);
  }
  await db.transaction(async (trx) => {
    const written = await repo.upsertImported(good, now, trx);
    report.inserted = written.inserted;
    report.updated = written.updated;
    // Imported vacancies keep their numbers; the work-number counter moves past them, so a
    // vacancy posted later never gets a number already used.
    if (good.length) await counter.raiseTo(trx, 'jobs.vacancy', '', Math.max(...seen));
  });
  return report;
}
