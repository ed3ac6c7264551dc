import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { down, up } from '../../migrations/20261207030100_mydata_announcement_move';
import { buildApp, makeAccount, signIn } from '../support/app';
import { expectZhPage } from '../support/routes';

const t = buildApp();
afterAll(() => t.close());

// Migration 20261207030100 moves MyData's 公告 from mydata_announcement into content_item.
// Here the old table gets an entry with an id far from the demo's, the migration runs, and the
// MyData home page (its one URL) lists the moved entry; rolled back, the old table has it again.
const ID = 970_101;
const OLD = { id: ID, title: '搬移測試個人資料服務網公告', body: '搬移後仍於首頁顯示', publish_on: '2026-11-30' };

describe('moving mydata_announcement into content_item', () => {
  it('keeps the entry, its columns and its id, and the home page shows it', async () => {
    try {
      await t.db('mydata_announcement').insert(OLD);
      await t.db.transaction((trx) => up(trx));
      const moved = await t.db('content_item').where({ kind: 'mydata.announcements', id: ID }).first('id', 'title', 'body');
      expect(moved).toEqual({ id: ID, title: OLD.title, body: OLD.body });
      expect(Number((await t.db.raw('SELECT last_value FROM content_item_id_seq')).rows[0].last_value)).toBeGreaterThanOrEqual(ID);

      const a = await makeAccount(t.db);
      const s = await signIn(t.app, a.login);
      const home = await s.agent.get('/mydata');
      expectZhPage(home, 200);
      expect(home.text).toContain(OLD.title);
      expect(home.text).toContain('115.11.30');
      // The other announcements of the demo are still there, newest first.
      expect(home.text.indexOf(OLD.title)).toBeLessThan(home.text.indexOf('若有網站首頁版面異常'));
      expect((await request(t.app).get('/mydata')).status).toBe(302);

      // Rolled back (in a transaction undone afterwards, so other tests keep the data): the old
      // table holds the entry again and content_item no longer has the kind.
      const undo = new Error('undo');
      await expect(
        t.db.transaction(async (trx) => {
          await down(trx);
          expect(await trx('mydata_announcement').where({ id: ID }).first('title', 'body')).toEqual({ title: OLD.title, body: OLD.body });
          expect(await trx('content_item').where({ kind: 'mydata.announcements' }).first('id')).toBeUndefined();
          throw undo;
        }),
      ).rejects.toBe(undo);
    } finally {
      await t.db('mydata_announcement').where({ id: ID }).delete();
      await t.db('content_item').where({ kind: 'mydata.announcements', id: ID }).delete();
    }
  });

  it('shows only announcements whose publish date has come', async () => {
    const [{ id }] = await t.db('content_item').insert({ kind: 'mydata.announcements', title: '尚未公告之測試公告', body: '', publish_on: '2099-01-01' }).returning('id');
    try {
      const a = await makeAccount(t.db);
      const s = await signIn(t.app, a.login);
      expect((await s.agent.get('/mydata')).text).not.toContain('尚未公告之測試公告');
    } finally {
      await t.db('content_item').where({ kind: 'mydata.announcements', id }).delete();
    }
  });
});
