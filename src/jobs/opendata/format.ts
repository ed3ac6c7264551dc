import type { Writable } from 'node:stream';
import { SaxesParser } from 'saxes';
import { rocCompact } from '../../platform/dates';
import { COUNTY_NAME, GENDER_TEXT, PERSON_KIND_NAME, rankText, workPlacesText } from '../codes';
import type { VacancyRow } from '../vacancyRepository';

/** The legacy feed's tags, in its order. */
export const XML_TAGS = [
  'ORG_ID', 'ORG_NAME', 'PERSON_KIND', 'RANK', 'TITLE', 'SYSNAM', 'NUMBER_OF', 'RESERVE_NUM', 'GENDER_TYPE', 'WORK_PLACE_TYPE',
  'DATE_FROM', 'DATE_TO', 'IS_HANDICAP', 'IS_ORIGINAL', 'IS_LOCAL_ORIGINAL', 'IS_TRANING', 'IS_TRANSFER', 'TYPE', 'VITAE_EMAIL',
  'WORK_QUALITY', 'WORK_ITEM', 'WORK_ADDRESS', 'CONTACT_METHOD', 'URL_LINK', 'VIEW_URL',
] as const;
export type XmlTag = (typeof XML_TAGS)[number];

/** Tags a row cannot be read without (earlier feeds carry no ORG_ID: the agency is named only). */
export const REQUIRED_TAGS: XmlTag[] = ['ORG_NAME', 'TITLE', 'NUMBER_OF', 'WORK_PLACE_TYPE', 'DATE_FROM', 'DATE_TO', 'VIEW_URL'];

export function xmlEscape(s: string): string {
  // Characters XML 1.0 cannot carry are dropped.
  return s
    // eslint-disable-next-line no-control-regex -- drops the control characters XML 1.0 cannot carry
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The code given to an imported agency its feed named without one. */
export const standInCode = (agencyId: number) => `IMP${String(agencyId).padStart(7, '0')}`;
export const isStandInCode = (code: string) => /^IMP\d{7}$/.test(code);

const yn = (b: boolean) => (b ? 'Y' : 'N');
export const viewUrl = (origin: string, workId: number) => `${origin}/jobs/view?work_id=${workId}`;

/** One vacancy as the legacy feed's fields. */
export function legacyFields(v: VacancyRow, origin: string): Record<XmlTag, string> {
  return {
    // An agency a feed named without a code has a stand-in code (IMP…) that is not published.
    ORG_ID: isStandInCode(v.orgId) ? '' : v.orgId,
    ORG_NAME: v.orgName,
    PERSON_KIND: PERSON_KIND_NAME.get(v.personKind) ?? v.personKind,
    RANK: v.rankText || rankText(v.rankFrom, v.rankTo),
    TITLE: v.title,
    SYSNAM: v.seriesName,
    NUMBER_OF: v.numberOf === null ? '數名' : String(v.numberOf),
    RESERVE_NUM: String(v.reserveNum),
    GENDER_TYPE: GENDER_TEXT[v.gender]!,
    WORK_PLACE_TYPE: workPlacesText(v.workPlaces),
    DATE_FROM: rocCompact(v.dateFrom),
    DATE_TO: rocCompact(v.dateTo),
    IS_HANDICAP: yn(v.isHandicap),
    IS_ORIGINAL: yn(v.isOriginal),
    IS_LOCAL_ORIGINAL: yn(v.isLocalOriginal),
    IS_TRANING: yn(v.isTraining),
    IS_TRANSFER: yn(v.transferOnly),
    TYPE: v.needsConsent ? '2' : '1',
    VITAE_EMAIL: v.hideContact ? '' : v.fillerEmail,
    WORK_QUALITY: v.workQuality,
    WORK_ITEM: v.workItem,
    WORK_ADDRESS: v.workAddress,
    CONTACT_METHOD: v.hideContact ? '' : v.contactMethod,
    URL_LINK: v.urlLink,
    VIEW_URL: viewUrl(origin, v.workId),
  };
}

export function xmlRow(v: VacancyRow, origin: string): string {
  const f = legacyFields(v, origin);
  return `<ROW>${XML_TAGS.map((t) => `<${t}>${xmlEscape(f[t])}</${t}>`).join('')}</ROW>\n`;
}

export const xmlHead = (announce: Date | string) => `<?xml version="1.0" encoding="UTF-8"?>\n<ROOT><ANNOUNCE_DATE>${rocCompact(announce)}</ANNOUNCE_DATE>\n`;
export const XML_TAIL = '</ROOT>\n';

/** The stable JSON/CSV record of a vacancy (ISO dates, numeric ranks, coded 職系). */
export function openRecord(v: VacancyRow, origin: string) {
  return {
    workId: v.workId,
    orgId: isStandInCode(v.orgId) ? null : v.orgId,
    orgName: v.orgName,
    personKindCode: v.personKind,
    personKind: PERSON_KIND_NAME.get(v.personKind) ?? v.personKind,
    rankFrom: v.rankFrom,
    rankTo: v.rankTo,
    rank: v.rankText || rankText(v.rankFrom, v.rankTo),
    title: v.title,
    seriesCode: v.seriesCode,
    seriesName: v.seriesName,
    numberOf: v.numberOf,
    reserveNum: v.reserveNum,
    gender: v.gender,
    workPlaces: v.workPlaces.map((code) => ({ code, name: COUNTY_NAME.get(code) ?? '' })),
    dateFrom: v.dateFrom,
    dateTo: v.dateTo,
    isHandicap: v.isHandicap,
    isOriginal: v.isOriginal,
    isLocalOriginal: v.isLocalOriginal,
    isTraining: v.isTraining,
    isTransfer: v.transferOnly,
    resumeNeedsConsent: v.needsConsent,
    vitaeEmail: v.hideContact ? null : v.fillerEmail || null,
    workQuality: v.workQuality,
    workItem: v.workItem,
    workAddress: v.workAddress,
    contactMethod: v.hideContact ? null : v.contactMethod,
    urlLink: v.urlLink || null,
    viewUrl: viewUrl(origin, v.workId),
  };
}
export type OpenRecord = ReturnType<typeof openRecord>;

export const CSV_COLUMNS = [
  'workId', 'orgId', 'orgName', 'personKindCode', 'personKind', 'rankFrom', 'rankTo', 'rank', 'title', 'seriesCode', 'seriesName',
  'numberOf', 'reserveNum', 'gender', 'workPlaces', 'dateFrom', 'dateTo', 'isHandicap', 'isOriginal', 'isLocalOriginal', 'isTraining',
  'isTransfer', 'resumeNeedsConsent', 'vitaeEmail', 'workQuality', 'workItem', 'workAddress', 'contactMethod', 'urlLink', 'viewUrl',
] as const;

export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  // A cell a spreadsheet would run as a formula is quoted with a leading apostrophe.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(r: OpenRecord): string {
  return (
    CSV_COLUMNS.map((c) => {
      if (c === 'workPlaces') return csvCell(r.workPlaces.map((p) => p.code).join(';'));
      const v = r[c];
      return csvCell(typeof v === 'boolean' ? (v ? 'Y' : 'N') : v);
    }).join(',') + '\r\n'
  );
}
export const CSV_HEAD = '\uFEFF' + CSV_COLUMNS.join(',') + '\r\n';

/** Writes with back-pressure. */
export async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
}

// --- reading a legacy feed ---

/** A feed that cannot be read at all; the message names the line. */
export class FeedError extends Error {}

export interface FeedRow {
  /** The line of the row's <ROW>. */
  line: number;
  fields: Map<string, string>;
  /** What made the row itself unreadable (a bad character reference, a nested element). */
  problems: string[];
}

/** saxes' messages, as the import report words them. */
function feedMessage(raw: string): string {
  const m = raw.replace(/^\d+:\d+: /, '').replace(/\.$/, '');
  const rules: [RegExp, (x: RegExpExecArray) => string][] = [
    [/^malformed character entity/, () => '字元參考不合法（超出範圍或不是 XML 允許的字元）'],
    [/^undefined entity/, () => '不明的實體（XML 只認得 &amp; &lt; &gt; &quot; &apos;）'],
    [/^disallowed character/, () => '含有 XML 不允許的字元'],
    [/^unclosed tag: (.+)$/, (x) => `缺少 </${x[1]}>（檔案不完整？）`],
    [/^unexpected close tag/, () => '結束標記與開始標記不符'],
    [/^unmatched closing tag: (.+)$/, (x) => `多出的結束標記 </${x[1]}>`],
    [/^text data outside of root node/, () => '根元素之外不可有文字'],
    [/^document must contain a root element/, () => '檔案不是 XML 格式'],
    [/^unescaped & /, () => '「&」未跳脫'],
  ];
  for (const [re, say] of rules) {
    const x = re.exec(m);
    if (x) return say(x);
  }
  return `XML 格式錯誤（${m}）`;
}

/** A text longer than any field may be (the longest holds 4,000 characters) is not kept whole. */
export const MAX_FIELD_CHARS = 20_000;
/** More elements than a row has tags (a row of thousands of elements is not kept whole). */
export const MAX_ROW_FIELDS = 100;

/** Messages a row survives (the parser goes on; the row is refused). */
const ROW_LEVEL = /^(malformed character entity|undefined entity|disallowed character)/;

/**
 * A streaming reader of the legacy feed's flat shape (<ROOT><ANNOUNCE_DATE/>, then <ROW>
 * elements with one level of text elements), on saxes. Attributes are ignored; a BOM and
 * CRLF are taken as XML takes them. `write` hands the complete rows to `onRow` as they end;
 * anything that breaks the file's structure is a FeedError with its line.
 */
export function createFeedReader(onRow: (row: FeedRow) => void) {
  const p = new SaxesParser({ position: true });
  let depth = 0;
  let row: FeedRow | null = null;
  let field: string | null = null;
  let text = '';
  let nested = false;
  let sawRoot = false;
  let seenText = false;
  let announceDate: string | null = null;
  let failure: FeedError | null = null;
  /** What is wrong with a row (the first few things: a row cannot grow a list without end). */
  const problem = (r: FeedRow, msg: string) => {
    if (r.problems.length < 5) r.problems.push(msg);
  };
  const fail = (msg: string, line = p.line) => {
    failure ??= new FeedError(`第 ${line} 行：${msg}`);
  };
  /** The element closed last, to say which one a wrong end tag left unclosed. */
  let lastClosed: string | null = null;
  p.on('error', (err) => {
    const msg = err.message.replace(/^\d+:\d+: /, '');
    // saxes closes the element left open before it reports the end tag that did not match.
    if (/^unexpected close tag/.test(msg) && lastClosed) fail(`缺少 </${lastClosed}>`);
    else if (row && ROW_LEVEL.test(msg)) problem(row, `第 ${p.line} 行：${feedMessage(msg)}`);
    else if (!sawRoot && /^(text data outside|document must contain)/.test(msg)) failure ??= new FeedError('檔案不是 XML 格式');
    else fail(feedMessage(msg));
  });
  p.on('opentag', (tag) => {
    if (failure) return;
    depth++;
    if (depth === 1) {
      sawRoot = true;
      if (tag.name !== 'ROOT') fail(`根元素須為 <ROOT>，而不是 <${tag.name}>`);
    } else if (depth === 2) {
      tooLong = false;
      if (tag.name === 'ROW') row = { line: p.line, fields: new Map(), problems: [] };
      else if (tag.name === 'ANNOUNCE_DATE') text = '';
      else fail(`<ROOT> 下不可有 <${tag.name}>`);
    } else if (depth === 3 && row) {
      field = tag.name;
      text = '';
      tooLong = false;
      nested = false;
      if (row.fields.size === MAX_ROW_FIELDS) problem(row, `第 ${p.line} 行：<ROW> 內元素過多（超過 ${MAX_ROW_FIELDS} 個）`);
    } else if (depth === 4 && row && field && !nested) {
      nested = true;
      problem(row, `第 ${p.line} 行：<${field}> 內不可再有元素`);
    }
  });
  let tooLong = false;
  const append = (t: string) => {
    if (depth < 2 || tooLong) return;
    if (text.length + t.length > MAX_FIELD_CHARS) {
      // A hostile or broken file cannot make one field take the memory: the row is refused.
      tooLong = true;
      if (row) problem(row, `第 ${p.line} 行：<${field ?? 'ROW'}> 內容超過 ${MAX_FIELD_CHARS} 個字`);
      else fail(`內容超過 ${MAX_FIELD_CHARS} 個字`);
      return;
    }
    text += t;
  };
  p.on('text', append);
  p.on('cdata', append);
  p.on('closetag', (tag) => {
    lastClosed = tag.name;
    if (failure) return;
    if (depth === 3 && row && field) {
      if (row.fields.has(field)) problem(row, `第 ${p.line} 行：<${field}> 重複出現`);
      else if (row.fields.size < MAX_ROW_FIELDS) row.fields.set(field, tooLong ? '' : text);
      field = null;
      tooLong = false;
    } else if (depth === 2 && tag.name === 'ANNOUNCE_DATE') {
      announceDate = text.trim();
    } else if (depth === 2 && row) {
      const done = row;
      row = null;
      onRow(done);
    }
    if (depth <= 2) text = '';
    depth--;
  });
  return {
    /** The line the reader is at. */
    line: () => p.line,
    /** Reads one chunk of text; throws the FeedError as soon as the file is known broken. */
    write(chunk: string) {
      if (!seenText && chunk.replace(/^\uFEFF/, '').trim() === '') return;
      seenText = true;
      p.write(chunk);
      if (failure) throw failure;
    },
    /** Ends the file; throws when it is empty, truncated or not a feed. */
    close(): { announceDate: string | null } {
      if (!seenText) throw new FeedError('檔案是空的');
      p.close();
      if (failure) throw failure;
      if (!sawRoot) throw new FeedError('檔案不是 XML 格式');
      return { announceDate };
    },
  };
}

/** Reads a whole feed held in memory (tests, small files). */
export function parseFeed(xml: string): { announceDate: string | null; rows: FeedRow[] } {
  const rows: FeedRow[] = [];
  const reader = createFeedReader((r) => rows.push(r));
  reader.write(xml);
  return { ...reader.close(), rows };
}
