import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../platform/database';

/** The portal's help pages 智慧客服 answers from, with the view each is rendered from. */
export const HELP_PAGES: { title: string; url: string; view: string }[] = [
  { title: '第一次登入人事服務網說明', url: '/help/first-login', view: 'help/first-login.ejs' },
  { title: '人事服務網相關元件下載區及環境檢測', url: '/help/components', view: 'help/components.ejs' },
  { title: '網站導覽', url: '/sitemap', view: 'portal/sitemap.ejs' },
  { title: '無障礙聲明', url: '/accessibility', view: 'portal/accessibility.ejs' },
  { title: '隱私權及資訊安全政策', url: '/privacy', view: 'portal/privacy.ejs' },
  { title: '政府網站資料開放宣告', url: '/open-data', view: 'portal/open-data.ejs' },
];

export interface HelpText {
  title: string;
  url: string;
  text: string;
}

/** The visible text of a view: without EJS tags, HTML tags and repeated spaces. */
export function textOfView(source: string): string {
  return source
    .replace(/<%[\s\S]*?%>/g, ' ')
    .replace(/<script[\s\S]*?<\/script>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

let cached: HelpText[] | null = null;

/** The help pages' text, read once from their views. */
export function helpTexts(): HelpText[] {
  cached ??= HELP_PAGES.map((p) => {
    const file = path.join(projectRoot, 'views', p.view);
    const text = fs.existsSync(file) ? textOfView(fs.readFileSync(file, 'utf8')) : '';
    return { title: p.title, url: p.url, text };
  });
  return cached;
}
