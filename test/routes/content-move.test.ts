import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { up } from '../../migrations/20261206730100_content_item_move';
import { buildApp } from '../support/app';
import { cardSignIn } from '../support/cards';
import { expectZhPage } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

// Migration 20261206730100 moves the content of the old tables into content_item. Here the
// old tables get one entry of each kind with an id far from the demo's, the migration runs,
// and every page that names an entry by id shows the moved one at its old URL.
const ID = 970_001;
const OLD: [table: string, kind: string, row: Record<string, unknown>][] = [
  ['pics_announcement', 'pics.announcements', { title: '搬移測試 PICS 公告', body: '內容', publish_on: '2026-01-05' }],
  ['pics_faq', 'pics.faq', { category: '帳號密碼', question: '搬移測試 PICS 問題？', answer: '答案', sort_order: 9990 }],
  ['pics_download', 'pics.downloads', { title: '搬移測試 PICS 下載', description: '', url: '/public/x.pdf', updated_on: '2026-01-05' }],
  ['pics_canned_reply', 'pics.canned', { title: '搬移測試罐頭', body: '您好', sort_order: 9990 }],
  ['cloud_news', 'cloud.news', { title: '搬移測試雲端消息', body: '內容', published_on: '2026-01-05', author: '銓敘部' }],
  ['cloud_faq', 'cloud.faq', { question: '搬移測試雲端問題？', answer: '答案', sort_order: 9990 }],
  ['cloud_file', 'cloud.files', { title: '搬移測試雲端檔案', description: '', url: '/cloud/install', published_on: '2026-01-05' }],
  ['announcement', 'portal.announcements', { title: '搬移測試入口公告', body: '內容', category: '系統公告', publish_on: '2026-01-05' }],
];

describe('moving the old content tables into content_item', () => {
  it('keeps every entry, its columns and its id, so its URL still works', async () => {
    try {
      for (const [table, , row] of OLD) await t.db(table).insert({ id: ID, ...row });
      await t.db.transaction((trx) => up(trx));
      for (const [, kind, row] of OLD) {
        const { published_on: publishedOn, ...same } = row;
        const moved = await t.db('content_item').where({ kind, id: ID }).first();
        expect(moved, kind).toMatchObject(publishedOn ? { ...same, publish_on: publishedOn } : same);
      }
      expect(Number((await t.db.raw("SELECT last_value FROM content_item_id_seq")).rows[0].last_value)).toBeGreaterThanOrEqual(ID);

      expect((await request(t.app).get(`/announcements/${ID}`)).text).toContain('搬移測試入口公告');
      expect((await request(t.app).get(`/pics/announcements/${ID}`)).text).toContain('搬移測試 PICS 公告');
      expect((await request(t.app).get('/pics/faq')).text).toContain('搬移測試 PICS 問題？');
      const a = await t.db('agency').where({ code: 'A096C0000Q' }).first('id');
      await t.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
      const agency = await cardSignIn(t.app, 'agency-ntunhs');
      const news = await agency.agent.get(`/cloud/news/${ID}`);
      expectZhPage(news, 200);
      expect(news.text).toContain('搬移測試雲端消息');
      expect((await agency.agent.get(`/cloud/files/${ID}`)).headers.location).toBe('/cloud/install');
    } finally {
      for (const [table, kind] of OLD) {
        await t.db(table).where({ id: ID }).delete();
        await t.db('content_item').where({ kind, id: ID }).delete();
      }
    }
  });
});
