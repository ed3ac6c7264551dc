import { afterAll, beforeAll, expect, it } from 'vitest';
import { AxeBuilder } from '@axe-core/playwright';
import { startBrowserApp, visit, checkA11y, scanned, type BrowserApp } from '../support/browser';
let b: BrowserApp;
beforeAll(async () => { b = await startBrowserApp(); });
afterAll(async () => { await b?.close(); });
it('probe', async () => {
  const p = await b.newPage();
  for (const path of ['/', '/login', '/forgot-password']) {
    let t0 = Date.now();
    await p.goto(path);
    const t1 = Date.now();
    const r = await new AxeBuilder({ page: p }).withTags(['wcag2a','wcag2aa','wcag21a','wcag21aa']).analyze();
    const t2 = Date.now();
    const r2 = await new AxeBuilder({ page: p }).withTags(['wcag2a','wcag2aa','wcag21a','wcag21aa']).analyze();
    console.log(path, t1 - t0, t2 - t1, Date.now() - t2, r.violations.length, r.passes.length, r.incomplete.map(i=>i.id));
  }
  const q = await b.newPage({ javaScriptEnabled: false });
  let t0 = Date.now();
  try { await visit(q, '/login?returnTo=%2Fmy'); } catch (e) { console.log(String(e)); }
  console.log('nojs', Date.now() - t0, JSON.stringify(scanned.at(-1)));
});
