/** Reference data of 事求人 (code lists of the manual) and the rank scale helpers. */

/** 工作地 county codes, as on the posting form of the manual. */
export const COUNTIES: ReadonlyArray<{ code: string; name: string }> = [
  ['10', '臺北市'], ['20', '基隆市'], ['23', '新北市'], ['26', '宜蘭縣'], ['30', '新竹市'], ['31', '新竹縣'],
  ['33', '桃園市'], ['35', '苗栗縣'], ['42', '臺中市'], ['50', '彰化縣'], ['54', '南投縣'], ['60', '嘉義市'],
  ['61', '嘉義縣'], ['63', '雲林縣'], ['72', '臺南市'], ['82', '高雄市'], ['88', '澎湖縣'], ['89', '金門縣'],
  ['90', '屏東縣'], ['95', '臺東縣'], ['97', '花蓮縣'], ['98', '連江縣'], ['99', '跨縣市'],
].map(([code, name]) => ({ code: code!, name: name! }));
export const COUNTY_NAME = new Map(COUNTIES.map((c) => [c.code, c.name]));

/** 人員區分. */
export const PERSON_KINDS: ReadonlyArray<{ code: string; name: string }> = [
  ['1', '一般公務人員'], ['2', '約聘人員'], ['3', '約僱人員'], ['4', '教育人員'], ['5', '警察人員'],
  ['6', '醫事人員'], ['7', '技工工友'], ['8', '駐衛警察'], ['9', '其他人員'],
].map(([code, name]) => ({ code: code!, name: name! }));
export const PERSON_KIND_NAME = new Map(PERSON_KINDS.map((c) => [c.code, c.name]));

/** 職系 (code list). */
export const SERIES: ReadonlyArray<{ code: string; name: string }> = [
  ['0101', '一般行政'], ['0102', '一般民政'], ['0103', '社會行政'], ['0104', '人事行政'], ['0105', '勞工行政'],
  ['0201', '教育行政'], ['0301', '文化行政'], ['0401', '法制'], ['0402', '廉政'], ['0501', '財稅行政'],
  ['0502', '金融保險'], ['0601', '會計'], ['0602', '審計'], ['0603', '統計'], ['0701', '經建行政'],
  ['0801', '地政'], ['0901', '衛生行政'], ['1001', '資訊處理'], ['1101', '土木工程'], ['1102', '建築工程'],
  ['1201', '電機工程'], ['1301', '環保技術'], ['1401', '圖書資料管理'], ['1501', '交通行政'], ['1601', '警察行政'],
].map(([code, name]) => ({ code: code!, name: name! }));
export const SERIES_NAME = new Map(SERIES.map((c) => [c.code, c.name]));

/** 職稱 (code list). */
export const TITLES: ReadonlyArray<{ code: string; name: string }> = [
  ['T01', '書記'], ['T02', '辦事員'], ['T03', '助理員'], ['T04', '科員'], ['T05', '組員'], ['T06', '專員'],
  ['T07', '技佐'], ['T08', '技士'], ['T09', '技正'], ['T10', '視察'], ['T11', '編審'], ['T12', '秘書'],
  ['T13', '科長'], ['T14', '專門委員'], ['T15', '副處長'], ['T16', '處長'], ['T17', '約聘人員'], ['T18', '約僱人員'],
  ['T19', '護理師'], ['T20', '研究員'], ['T21', '輔導員'], ['T22', '稽查員'],
].map(([code, name]) => ({ code: code!, name: name! }));
export const TITLE_NAME = new Map(TITLES.map((c) => [c.code, c.name]));

/** 官等: 委任 1–5, 薦任 6–9, 簡任 10–14. */
export const GRADES = [
  { code: '委任', from: 1, to: 5 },
  { code: '薦任', from: 6, to: 9 },
  { code: '簡任', from: 10, to: 14 },
] as const;
export type Grade = (typeof GRADES)[number]['code'];

const NUMERALS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '十一', '十二', '十三', '十四'];

export function gradeOf(level: number): Grade {
  return level <= 5 ? '委任' : level <= 9 ? '薦任' : '簡任';
}

/** 薦任第七職等 */
export function levelText(level: number): string {
  return `${gradeOf(level)}第${NUMERALS[level]}職等`;
}

/** The 官職等 of a range as text: 薦任第六職等至第八職等, 委任第五職等至薦任第七職等. */
export function rankText(from: number | null, to: number | null): string {
  if (from === null || to === null) return '';
  if (from === to) return levelText(from);
  if (gradeOf(from) === gradeOf(to)) return `${levelText(from)}至第${NUMERALS[to]}職等`;
  return `${levelText(from)}至${levelText(to)}`;
}

/** All levels 1–14 with their text, for pickers. */
export const LEVELS = Array.from({ length: 14 }, (_, i) => ({ value: i + 1, text: levelText(i + 1) }));

/** Parses a Chinese or Arabic number up to 99 (十二, 二十, 廿, ３). */
export function chineseNumber(s: string): number | null {
  const t = s.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  if (/^\d{1,4}$/.test(t)) return Number(t);
  const digit: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 壹: 1, 二: 2, 貳: 2, 兩: 2, 三: 3, 參: 3, 四: 4, 肆: 4, 五: 5, 伍: 5, 六: 6, 陸: 6, 七: 7, 柒: 7, 八: 8, 捌: 8, 九: 9, 玖: 9 };
  const m = /^([一二三四五六七八九壹貳參肆伍陸柒捌玖兩]?)(十|拾)([一二三四五六七八九壹貳參肆伍陸柒捌玖]?)$/.exec(t);
  if (m) return (m[1] ? digit[m[1]]! : 1) * 10 + (m[3] ? digit[m[3]]! : 0);
  if (t === '廿') return 20;
  if (t.length === 1 && t in digit) return digit[t]!;
  return null;
}

/**
 * Reads a free-text 官職等 of the legacy feed: 「薦任第七職等」, 「委任第三職等至第五職等」,
 * 「薦任第6-7職等」, 「簡任第十至十一職等」, or a bare 官等 「薦任」 (its whole range).
 */
export function parseRank(text: string): { from: number; to: number } | null {
  const s = text.replace(/\s+/g, '').replace(/[～~－—–]/g, '-');
  const nums: number[] = [];
  for (const m of s.matchAll(/第?([0-9０-９]{1,2}|[一二三四五六七八九十]{1,3})(?=職等|-|至|或|、|到)/g)) {
    const n = chineseNumber(m[1]!);
    if (n !== null && n >= 1 && n <= 14) nums.push(n);
  }
  if (nums.length) return { from: Math.min(...nums), to: Math.max(...nums) };
  const grades = GRADES.filter((g) => s.includes(g.code));
  if (grades.length) return { from: grades[0]!.from, to: grades[grades.length - 1]!.to };
  return null;
}

/** NUMBER_OF of the legacy feed: 「3」, 「數名」, 「1-2」 (the upper bound), 「二名」, 「１人」. */
export function parseNumberOf(text: string): number | null | 'invalid' {
  const s = text.trim().replace(/[名人員]$/u, '').replace(/[～~－—–]/g, '-');
  if (s === '數' || s === '若干' || s === '數名') return null;
  const range = /^(.+?)-(.+)$/.exec(s);
  if (range) {
    const a = chineseNumber(range[1]!);
    const b = chineseNumber(range[2]!);
    return a !== null && b !== null && a > 0 && b >= a ? b : 'invalid';
  }
  const n = chineseNumber(s);
  return n !== null && n > 0 && n <= 999 ? n : 'invalid';
}

/** WORK_PLACE_TYPE: 「,35-苗栗縣,10-臺北市」 or county names only. */
export function parseWorkPlaces(text: string): string[] {
  const codes = new Set<string>();
  for (const part of text.split(/[,，、;；\s]+/)) {
    if (!part) continue;
    const m = /^(\d{2})(?:-|$)/.exec(part);
    if (m && COUNTY_NAME.has(m[1]!)) {
      codes.add(m[1]!);
      continue;
    }
    const byName = COUNTIES.find((c) => part.includes(c.name) || part.includes(c.name.replace('臺', '台')));
    if (byName) codes.add(byName.code);
  }
  return [...codes];
}

export function workPlacesText(codes: string[]): string {
  return codes.map((c) => `,${c}-${COUNTY_NAME.get(c) ?? ''}`).join('');
}

export const GENDER_TEXT: Record<string, string> = { M: '男', F: '女', A: '不拘' };
