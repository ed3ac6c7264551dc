/** ROC (民國) calendar helpers. All display is in Asia/Taipei. */
const TZ = 'Asia/Taipei';
const ROC_OFFSET = 1911;

const partsFmt = new Intl.DateTimeFormat('en-CA', {
  timeZone: TZ,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// formatToParts is slow; the same second (or the same stored timestamp) is asked for
// several times per page, so recent answers are kept.
const recent = new Map<string | number, Parts>();

/** Calendar parts of an instant in Taipei, or of a plain 'YYYY-MM-DD' date. */
export function taipeiParts(value: Date | string): Parts {
  const key = typeof value === 'string' ? value : Math.floor(value.getTime() / 1000);
  const known = recent.get(key);
  if (known) return known;
  const parts = computeParts(value);
  if (recent.size >= 1000) recent.clear();
  recent.set(key, parts);
  return parts;
}

function computeParts(value: Date | string): Parts {
  if (typeof value === 'string') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
    if (m) return { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: 0, minute: 0, second: 0 };
    value = new Date(value);
  }
  const p: Record<string, number> = {};
  for (const part of partsFmt.formatToParts(value)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour!, minute: p.minute!, second: p.second! };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** 民國 115 年 11 月 22 日 */
export function rocLong(value: Date | string): string {
  const p = taipeiParts(value);
  return `民國 ${p.year - ROC_OFFSET} 年 ${pad(p.month)} 月 ${pad(p.day)} 日`;
}

/** 115/11/22 */
export function rocShort(value: Date | string): string {
  const p = taipeiParts(value);
  return `${p.year - ROC_OFFSET}/${pad(p.month)}/${pad(p.day)}`;
}

/** 115/11/22 14:05:09 */
export function rocDateTime(value: Date | string): string {
  const p = taipeiParts(value);
  return `${rocShort(value)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** 1151122 (the legacy feeds' yyyMMdd). */
export function rocCompact(value: Date | string): string {
  const p = taipeiParts(value);
  return `${pad(p.year - ROC_OFFSET, 3)}${pad(p.month)}${pad(p.day)}`;
}

/** Today's calendar date in Taipei as 'YYYY-MM-DD'. */
export function taipeiToday(now: Date = new Date()): string {
  const p = taipeiParts(now);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** The instant at which the Taipei calendar day of `now` began. */
export function startOfTaipeiDay(now: Date = new Date()): Date {
  return new Date(`${taipeiToday(now)}T00:00:00+08:00`);
}

function validYmd(y: number, m: number, d: number): string | null {
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > 31) return null;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/**
 * Parses a date typed in ROC or ISO form and returns 'YYYY-MM-DD', or null.
 * Accepts 115/11/22, 115-11-22, 115.11.22, 1151122, 民國115年11月22日, 2026-11-22, 2026/11/22.
 */
export function parseDateInput(input: string): string | null {
  const s = input.trim().replace(/\s+/g, '');
  // 民國 begins with year 1 (1912); there is no year 0.
  const roc = (y: string, mo: string, d: string) => (+y >= 1 ? validYmd(+y + ROC_OFFSET, +mo, +d) : null);
  let m = /^(?:民國)?(\d{2,3})年(\d{1,2})月(\d{1,2})日?$/.exec(s);
  if (m) return roc(m[1]!, m[2]!, m[3]!);
  m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (m) return validYmd(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{2,3})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(s);
  if (m) return roc(m[1]!, m[2]!, m[3]!);
  m = /^(\d{3})(\d{2})(\d{2})$/.exec(s);
  if (m) return roc(m[1]!, m[2]!, m[3]!);
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return validYmd(+m[1]!, +m[2]!, +m[3]!);
  return null;
}
