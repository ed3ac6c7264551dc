/**
 * The 電子賀卡 designs. Each is drawn by views/portal/cards/_svg.ejs as inline SVG (shapes and
 * system fonts only: no image, no remote font); `alt` is its text alternative.
 */
export const DESIGNS = {
  birthday: { label: '生日', headline: '生日快樂', alt: '生日賀卡：粉紅色背景上有插著蠟燭的生日蛋糕與氣球，寫著「生日快樂」' },
  newyear: { label: '新年', headline: '新年快樂', alt: '新年賀卡：紅色背景上有兩盞燈籠與金色煙火，寫著「新年快樂」' },
  midautumn: { label: '中秋', headline: '中秋節快樂', alt: '中秋賀卡：深藍夜空中一輪明月與雲朵，寫著「中秋節快樂」' },
  promotion: { label: '升遷', headline: '榮陞誌喜', alt: '升遷賀卡：綠色背景上有向上的階梯與星星，寫著「榮陞誌喜」' },
  retirement: { label: '退休', headline: '榮退快樂', alt: '退休賀卡：夕陽映照山巒與飛鳥，寫著「榮退快樂」' },
} as const;

export type Design = keyof typeof DESIGNS;
export const DESIGN_KEYS = Object.keys(DESIGNS) as [Design, ...Design[]];

/** The subject of a card's 網頁訊息. */
export const cardSubject = (design: Design) => `電子賀卡：${DESIGNS[design].headline}`;
export const BIRTHDAY_SUBJECT = '生日賀卡：祝您生日快樂';

/**
 * The Taipei calendar day whose people have their birthday: those born on it, and on a
 * 28 February of a common year also those born on 29 February (their day does not come).
 */
export function birthdaysOn(day: string): { year: number; month: number; day: number; leapDayToo: boolean } {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return { year: y, month: m, day: d, leapDayToo: m === 2 && d === 28 && !leap };
}
