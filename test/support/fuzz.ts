import { prng } from '../../seeds/demo';

/**
 * Malformed form bodies for one route: wrong types (arrays and objects where strings go),
 * huge values, unicode edge cases, duplicated keys, broken percent-encoding. Every body
 * carries at least one field that no valid form has, whatever the parser does with
 * brackets: the field given several times, a value over any limit, or a NUL character —
 * so no body should ever be accepted.
 */
const EDGE = [
  '',
  ' ',
  '\u0000',
  '\u202e\u0041\u0042',
  '\ud83d\ude00'.repeat(50),
  '\u200b\u200d\ufeff',
  'A\u0301\u0301\u0301\u0301',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '../../../../etc/passwd',
  '%00%ff',
  '9'.repeat(400),
  '-1',
  '1e309',
  'NaN',
  'true',
  '{"a":1}',
  '\r\nSet-Cookie: x=1',
  '１２３',
  '𠀀𪚥𩸽',
];

const RAW_EDGE = ['%ED%A0%80', '%C0%AF', '%FF%FE', '%E4%B8', '%', '%%', '%zz', '%2', '%F4%90%80%80'];

export function fuzzBodies(fieldNames: string[], count: number, seed = 1, fileNames: string[] = []): string[] {
  const rnd = prng(seed).next;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const names = fieldNames.length ? fieldNames : ['title', 'body', 'name', 'q', 'id'];
  const enc = encodeURIComponent;
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const parts: string[] = [];
    const mode = i % 6;
    // File inputs go along as text (an urlencoded body cannot carry a file), never as the anchor.
    for (const n of [...names, ...fileNames]) {
      const r = rnd();
      if (r < 0.15) continue; // missing
      if (r < 0.3) parts.push(`${enc(n)}=${enc(pick(EDGE))}&${enc(n)}=${enc(pick(EDGE))}`); // duplicated key → array
      else if (r < 0.4) parts.push(`${enc(n)}[a]=${enc(pick(EDGE))}`); // object
      else if (r < 0.5) parts.push(`${enc(n)}=${pick(RAW_EDGE)}`); // broken encoding
      else parts.push(`${enc(n)}=${enc(pick(EDGE))}`);
    }
    // The malformed anchor: one field structurally wrong whatever the rest is.
    const anchor = pick(names);
    if (mode === 0) parts.push(`${enc(anchor)}=a&${enc(anchor)}=b&${enc(anchor)}=c`);
    else if (mode === 1) parts.push(`${enc(anchor)}=${'字'.repeat(30_000)}`);
    else if (mode === 2) parts.push(`${enc(anchor)}[$ne]=1&${enc(anchor)}=a&${enc(anchor)}=b`);
    else if (mode === 3) parts.push(`${enc(anchor)}=${'%F0%9F%98%80'.repeat(6000)}`);
    else if (mode === 4) parts.push(`${enc(anchor)}[]=1&${enc(anchor)}[]=2&${enc(anchor)}=%00`);
    else parts.push(`__proto__[polluted]=1&constructor[prototype][x]=1&${enc(anchor)}=${'\u0000'.repeat(3)}&${enc(anchor)}=x`);
    bodies.push(parts.join('&'));
  }
  return bodies;
}

/** The fields of one form: what it posts as text (buttons with a name included), and its file inputs. */
export interface FormFields {
  fields: string[];
  files: string[];
}

/**
 * The fields of the POST forms on a page whose action is `action` (its path; any query
 * ignored), or null when no form on the page posts there.
 */
export function formFields(html: string, action: string): FormFields | null {
  let found = false;
  const fields = new Set<string>();
  const files = new Set<string>();
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const attrs = m[1]!;
    const to = /\baction="([^"]*)"/.exec(attrs)?.[1];
    if (to === undefined || to.split('?')[0] !== action || !/\bmethod="post"/i.test(attrs)) continue;
    found = true;
    for (const f of m[2]!.matchAll(/<(input|select|textarea|button)\b([^>]*)>/g)) {
      const name = /\bname="([^"]+)"/.exec(f[2]!)?.[1];
      if (!name || name === '_csrf') continue;
      if (f[1] === 'input' && /\btype="file"/.test(f[2]!)) files.add(name);
      else fields.add(name);
    }
  }
  return found ? { fields: [...fields], files: [...files] } : null;
}
