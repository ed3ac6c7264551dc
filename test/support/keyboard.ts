import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { checkA11y } from './browser';

/**
 * Keyboard-only journeys: what has focus, whether it shows, and moving with Tab / Shift+Tab.
 * Used by test/e2e/a11y-keyboard*.test.ts.
 */

export interface Focused {
  tag: string;
  id: string;
  name: string;
  type: string;
  text: string;
  label: string;
  href: string;
  classes: string;
  /** A focus ring the user can see: an outline or a box shadow. */
  ring: boolean;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the function runs in the page, whose DOM types this project does not compile with */
/** What has focus now, as a person using the keyboard would recognise it (a function: the pages' CSP forbids eval). */
function focusInfo(): Focused | null {
  const doc = (globalThis as any).document;
  const el = doc.activeElement;
  if (!el || el === doc.body) return null;
  const cs = (globalThis as any).getComputedStyle(el);
  const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
  const shadow = cs.boxShadow && cs.boxShadow !== 'none';
  const label = el.labels && el.labels.length ? el.labels[0].textContent : el.getAttribute('aria-label') || '';
  const squeeze = (t: string) => t.replace(/\s+/g, ' ').trim();
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id || '',
    name: el.getAttribute('name') || '',
    type: el.getAttribute('type') || '',
    text: squeeze(String(el.innerText || el.value || '')).slice(0, 100),
    label: squeeze(String(label || '')),
    href: el.getAttribute('href') || '',
    classes: typeof el.className === 'string' ? el.className : '',
    ring: !!(outline || shadow),
  };
}

export function checkedValue(name: string): string {
  return (globalThis as any).document.querySelector(`input[name="${name}"]:checked`)?.value ?? '';
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export async function focused(page: Page): Promise<Focused | null> {
  return page.evaluate(focusInfo);
}

function show(f: Focused | null): string {
  return f ? `<${f.tag}${f.id ? `#${f.id}` : ''}${f.href ? ` href=${f.href}` : ''}> ${f.label || f.text}` : '(nothing)';
}

/** Asserts the focused element is the one expected and that its focus is visible. */
export async function expectFocus(page: Page, what: string, is: (f: Focused) => boolean): Promise<Focused> {
  const f = await focused(page);
  expect(f && is(f), `focus on ${what}, found ${show(f)}`).toBe(true);
  expect(f!.ring, `visible focus on ${what}`).toBe(true);
  return f!;
}

/**
 * Presses Tab (or Shift+Tab) until the element `is` accepts has focus, at most `max`
 * times; every element passed on the way must show its focus too.
 */
export async function tabTo(page: Page, what: string, is: (f: Focused) => boolean, opts: { back?: boolean; max?: number } = {}): Promise<Focused> {
  const max = opts.max ?? 40;
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    if (!f) continue;
    seen.push(show(f));
    expect(f.ring, `visible focus on ${show(f)} (on the way to ${what})`).toBe(true);
    if (is(f)) return f;
  }
  throw new Error(`${what}: not reached in ${max} presses of ${opts.back ? 'Shift+Tab' : 'Tab'}; passed ${seen.join(' → ')}`);
}

export const link = (text: string) => (f: Focused) => f.tag === 'a' && f.text === text;
export const field = (id: string) => (f: Focused) => f.id === id;
export const button = (text: string) => (f: Focused) => (f.tag === 'button' || (f.tag === 'input' && f.type === 'submit')) && f.text === text;

/** Presses a key that loads a new page (follows a link, sends a form), waits for it and scans it. */
export async function press(page: Page, key: string, label: string) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press(key)]);
  await checkA11y(page, label);
}

