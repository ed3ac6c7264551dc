import { taipeiToday, rocShort } from '../../src/platform/dates';

export const addDays = (iso: string, n: number) => new Date(Date.parse(iso) + n * 86_400_000).toISOString().slice(0, 10);
export const today = () => taipeiToday();

/** A valid 機關徵才登錄 form, as [name, value] pairs (workPlaces repeats). */
export function vacancyForm(over: Record<string, string | string[] | undefined> = {}): Record<string, string | string[]> {
  const base: Record<string, string | string[]> = {
    agencyAddress: '臺北市北投區明德路365號',
    fillerName: '林淑芬',
    fillerPhone: '02-28227101',
    fillerExt: '123',
    fillerEmail: 'hr@ntunhs.edu.tw',
    personKind: '1',
    rankFrom: '6',
    rankTo: '7',
    titleCode: 'T04',
    seriesCode: '0101',
    numberOf: '1',
    reserveNum: '0',
    gender: 'A',
    genderReason: '',
    workPlaces: ['10'],
    dateFrom: rocShort(today()),
    dateTo: rocShort(addDays(today(), 30)),
    workQuality: '具公務人員任用資格，並具一般行政職系任用資格者。',
    workItem: '辦理一般行政業務。',
    workAddress: '臺北市北投區明德路365號',
    contactMethod: '請將履歷寄至 hr@ntunhs.edu.tw',
    urlLink: '',
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}

/** URL-encodes a form with repeated fields as a browser would. */
export function encode(form: Record<string, string | string[]>, csrf: string): string {
  const p = new URLSearchParams();
  p.append('_csrf', csrf);
  for (const [k, v] of Object.entries(form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  return p.toString();
}
