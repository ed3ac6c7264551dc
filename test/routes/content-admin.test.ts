import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, lastAudit, signIn } from '../support/app';
import { expectZhPage } from '../support/routes';
import { CONTENT_KINDS as PICS_KINDS } from '../../src/pics/content/contentKinds';
import { CLOUD_EDITED_KINDS } from '../../src/cloud/site/contentKinds';
import { PORTAL_KINDS } from '../../src/portal/contentKinds';

const t = buildApp();
afterAll(() => t.close());

// The one set of editor pages (src/platform/content/routes.ts) at each site's URLs, kind by kind.
const SITES = [
  { site: 'pics', base: '/pics/desk/content', editor: 'cs.lead' },
  { site: 'cloud', base: '/cloud/admin', editor: 'mocs.admin' },
  { site: 'portal', base: '/admin', editor: 'portal.admin' },
] as const;
const EDITED = { pics: PICS_KINDS, cloud: CLOUD_EDITED_KINDS, portal: PORTAL_KINDS };
const kinds = SITES.flatMap((s) => EDITED[s.site].map((k) => [k.id, s, k] as const));
const accountId = async (username: string) => (await t.db('account').where({ username }).first('id')).id as number;

describe('content editor pages', () => {
  it('serves every kind of the three sites', () => {
    expect(kinds.map(([id]) => id).sort()).toEqual(['cloud.faq', 'cloud.news', 'pics.announcements', 'pics.canned', 'pics.downloads', 'pics.faq', 'portal.announcements']);
  });

  it.each(kinds)('%s: an unknown id is a 404 with an audit entry, on the edit page and on delete', async (_id, s, kind) => {
    const { agent, csrf } = await signIn(t.app, s.editor);
    const me = await accountId(s.editor);
    const edit = await agent.get(`${s.base}/${kind.slug}/999999/edit`);
    expectZhPage(edit, 404);
    expect(await lastAudit(t.db, `${kind.auditPrefix}.not_found`)).toMatchObject({ actor_account_id: me, target_type: kind.auditType, target_id: '999999', outcome: 'failed' });
    expectZhPage(await agent.post(`${s.base}/${kind.slug}/abc/delete`).type('form').send({ _csrf: csrf }), 404);
    expect(await lastAudit(t.db, `${kind.auditPrefix}.not_found`)).toMatchObject({ actor_account_id: me, target_id: 'abc' });
  });

  it.each(kinds)('%s: another site’s editor is refused with 403 and an audit entry', async (_id, s, kind) => {
    const other = SITES.find((x) => x.site !== s.site)!;
    const { agent, csrf } = await signIn(t.app, other.editor);
    const me = await accountId(other.editor);
    const before = Number((await t.db('content_item').where({ kind: kind.id }).count({ n: '*' }))[0]!.n);
    expectZhPage(await agent.post(`${s.base}/${kind.slug}`).type('form').send({ _csrf: csrf, title: '不該存在', question: '不該存在' }), 403);
    expect(await lastAudit(t.db, 'access.denied')).toMatchObject({ actor_account_id: me, outcome: 'denied' });
    expect(Number((await t.db('content_item').where({ kind: kind.id }).count({ n: '*' }))[0]!.n)).toBe(before);
  });
});
