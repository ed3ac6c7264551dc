import type { Writable } from 'node:stream';
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

/** Tags a row cannot be read without. */
export const REQUIRED_TAGS: XmlTag[] = ['ORG_ID', 'ORG_NAME', 'TITLE', 'NUMBER_OF', 'WORK_PLACE_TYPE', 'DATE_FROM', 'DATE_TO', 'VIEW_URL'];

export function xmlEscape(s: string): string {
  // Characters XML 1.0 cannot carry are dropped.
  return s
    // eslint-disable-next-line no-control-regex -- drops the control characters XML 1.0 cannot carry
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const yn = (b: boolean) => (b ? 'Y' : 'N');
export const viewUrl = (origin: string, workId: number) => `${origin}/jobs/view?work_id=${workId}`;

/** One vacancy as the legacy feed's fields. */
export function legacyFields(v: VacancyRow, origin: string): Record<XmlTag, string> {
  return {
    ORG_ID: v.orgId,
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
    orgId: v.orgId,
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

function csvCell(v: unknown): string {
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

export class FeedError extends Error {}

export interface FeedRow {
  line: number;
  fields: Map<string, string>;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescape(s: string, lineOf: () => number): string {
  if (!s.includes('&')) return s;
  const line = () => lineOf();
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);|&/g, (m, e: string | undefined) => {
    if (!e) throw new FeedError(`第 ${line()} 行：「&」未跳脫`);
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(Number(e.slice(1)));
    if (!(e in ENTITIES)) throw new FeedError(`第 ${line()} 行：不明的實體 &${e};`);
    return ENTITIES[e]!;
  });
}

/**
 * Reads the legacy feed's flat shape: <ROOT><ANNOUNCE_DATE/>, then <ROW> elements with one
 * level of text elements. Anything that is not well-formed XML of that shape is a FeedError.
 */
export function parseFeed(xml: string): { announceDate: string | null; rows: FeedRow[] } {
  let s = xml.replace(/^\uFEFF/, '');
  let seenPos = 0;
  let seenLine = 1;
  const lineAt = (pos: number) => {
    if (pos < seenPos) return s.slice(0, pos).split('\n').length;
    for (let k = s.indexOf('\n', seenPos); k >= 0 && k < pos; k = s.indexOf('\n', k + 1)) seenLine++;
    seenPos = pos;
    return seenLine;
  };
  let i = 0;
  const skipSpace = () => {
    while (i < s.length) {
      if (/\s/.test(s[i]!)) i++;
      else if (s.startsWith('<!--', i)) {
        const e = s.indexOf('-->', i);
        if (e < 0) throw new FeedError(`第 ${lineAt(i)} 行：註解未結束`);
        i = e + 3;
      } else if (s.startsWith('<?', i)) {
        const e = s.indexOf('?>', i);
        if (e < 0) throw new FeedError(`第 ${lineAt(i)} 行：處理指令未結束`);
        i = e + 2;
      } else break;
    }
  };
  const open = (): string | null => {
    skipSpace();
    const m = /^<([A-Za-z_][\w.-]*)\s*(\/?)>/.exec(s.slice(i, i + 200));
    if (!m) return null;
    i += m[0].length;
    return m[2] ? `${m[1]}/` : m[1]!;
  };
  const textUntil = (name: string): string => {
    let out = '';
    for (;;) {
      const lt = s.indexOf('<', i);
      if (lt < 0) throw new FeedError(`第 ${lineAt(i)} 行：缺少 </${name}>`);
      const from = i;
      out += unescape(s.slice(i, lt), () => lineAt(from));
      i = lt;
      if (s.startsWith('<![CDATA[', i)) {
        const e = s.indexOf(']]>', i);
        if (e < 0) throw new FeedError(`第 ${lineAt(i)} 行：CDATA 未結束`);
        out += s.slice(i + 9, e);
        i = e + 3;
        continue;
      }
      const tag = `</${name}>`;
      if (!s.startsWith(tag, i)) throw new FeedError(s.startsWith('</', i) ? `第 ${lineAt(i)} 行：缺少 ${tag}` : `第 ${lineAt(i)} 行：<${name}> 內不可再有元素`);
      i += tag.length;
      return out;
    }
  };
  if (s.trim() === '') throw new FeedError('檔案是空的');
  skipSpace();
  if (s[i] !== '<') throw new FeedError('檔案不是 XML 格式');
  const root = open();
  if (root !== 'ROOT') throw new FeedError(root === null ? '檔案不是 XML 格式' : `根元素須為 <ROOT>，而不是 <${root}>`);
  let announceDate: string | null = null;
  const rows: FeedRow[] = [];
  for (;;) {
    skipSpace();
    if (s.startsWith('</ROOT>', i)) {
      i += 7;
      break;
    }
    const at = i;
    const name = open();
    if (name === null) throw new FeedError(`第 ${lineAt(i)} 行：XML 格式錯誤`);
    if (name === 'ANNOUNCE_DATE') {
      announceDate = textUntil('ANNOUNCE_DATE').trim();
      continue;
    }
    if (name === 'ROW/') {
      rows.push({ line: lineAt(at), fields: new Map() });
      continue;
    }
    if (name !== 'ROW') throw new FeedError(`第 ${lineAt(at)} 行：<ROOT> 下不可有 <${name.replace('/', '')}>`);
    const fields = new Map<string, string>();
    for (;;) {
      skipSpace();
      if (s.startsWith('</ROW>', i)) {
        i += 6;
        break;
      }
      const tag = open();
      if (tag === null) throw new FeedError(`第 ${lineAt(i)} 行：XML 格式錯誤`);
      if (tag.endsWith('/')) fields.set(tag.slice(0, -1), '');
      else fields.set(tag, textUntil(tag));
    }
    rows.push({ line: lineAt(at), fields });
  }
  skipSpace();
  if (i < s.length) throw new FeedError(`第 ${lineAt(i)} 行：</ROOT> 之後不可再有內容`);
  s = '';
  return { announceDate, rows };
}
