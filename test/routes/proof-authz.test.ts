import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { buildApp, signIn } from '../support/app';
import { cardSignIn } from '../support/cards';
import { concrete, routeTable } from '../support/routeTable';

/**
 * The authorization matrix: every GET route of the router × every kind of user, with the
 * answer each must get. A route no rule covers fails the test, so a new page cannot ship
 * without saying who may open it. State-changing routes are covered by the CSRF suite and
 * by each area's own tests.
 */
const t = buildApp();
afterAll(() => t.close());

type Who = 'anonymous' | 'civilServant' | 'hr' | 'agent' | 'agencyCard' | 'reviewer' | 'admin' | 'platformAdmin' | 'otherAgencyHr';
const PEOPLE: Exclude<Who, 'anonymous' | 'agencyCard'>[] = ['civilServant', 'hr', 'agent', 'reviewer', 'admin', 'platformAdmin', 'otherAgencyHr'];
const EVERYONE: Who[] = ['anonymous', ...PEOPLE, 'agencyCard'];

/** public: anyone; person: any signed-in person; signed-in: a person or an agency card; or the list of who may. */
type Access = 'public' | 'person' | 'signed-in' | 'skip' | Who[] | { only: Who[]; othersRedirectTo: string };

const RULES: [RegExp, Access][] = [
  [/^\/(healthz|readyz)$/, 'public'],
  [/^\/(login|forgot-password|login\/certificate)$/, 'public'],
  // Only inside a card activation in progress; otherwise it sends back to 憑證登入.
  [/^\/login\/certificate\/activate$/, 'skip'],
  [/^\/(|sitemap|announcements|announcements\/:id|polls|polls\/:id|agencies|verify)$/, 'public'],
  [/^\/help\//, 'public'],
  // A person who opens the agency card's page is sent to their own 我的專區.
  [/^\/agency$/, { only: ['agencyCard'], othersRedirectTo: '/my' }],
  [/^\/my\/password-reset$/, ['hr', 'agent', 'otherAgencyHr', 'agencyCard']],
  [/^\/my(\/|$)/, 'person'],
  [/^\/admin\//, ['admin']],
  [/^\/api\/pics\/openapi\.json$/, 'public'],
  [/^\/api\//, 'skip'],
  // PICS: the desk and the chat console for agents; tickets and chats for people.
  // Event streams stay open: their access is tested in the chat's own tests.
  [/\/events$/, 'skip'],
  [/^\/pics\/(desk|agent)(\/|$)/, ['agent']],
  // An agency session sees the chat's notice, told to sign in as a person to chat.
  [/^\/pics\/chat$/, 'signed-in'],
  [/^\/pics\/chat\/agent$/, ['agent']],
  [/^\/pics\/(tickets|chat)(\/|$)/, 'person'],
  [/^\/pics(\/(search|announcements|announcements\/:id|faq|downloads))?$/, 'public'],
  // 雲端服務平台: administrators manage; the agency card applies and downloads; the
  // administrators may also read the site's pages.
  [/^\/cloud\/admin/, ['platformAdmin']],
  [/^\/cloud\/(apply|applications|reports|deliveries)(\/|$)/, ['agencyCard']],
  [/^\/cloud(\/|$)/, ['agencyCard', 'platformAdmin']],
  // 事求人: posting only with a card (the agency card here; HR with a person card in its tests).
  [/^\/jobs\/manage/, ['agencyCard']],
  [/^\/jobs\/(review|dashboard)(\/|$)/, ['reviewer']],
  [/^\/jobs\/(my\/|view\/:workId\/apply)/, 'person'],
  [/^\/jobs(\/|$)/, 'public'],
  // MyData: a person's own record; HR queues (each HR sees only their agency's requests).
  [/^\/mydata\/hr\//, ['hr', 'otherAgencyHr']],
  [/^\/mydata(\/|$)/, 'person'],
];

function accessOf(path: string): Access | null {
  return RULES.find(([re]) => re.test(path))?.[1] ?? null;
}

const ACCOUNTS: Record<Exclude<Who, 'anonymous' | 'agencyCard'>, string> = {
  civilServant: 'wang.xiaoming',
  hr: 'hr.chief',
  agent: 'cs.agent',
  reviewer: 'jobs.reviewer',
  admin: 'portal.admin',
  platformAdmin: 'mocs.admin',
  otherAgencyHr: 'hr.moi',
};

type Agent = ReturnType<typeof request.agent>;
const agents = {} as Record<Who, Agent>;

beforeAll(async () => {
  agents.anonymous = request.agent(t.app);
  for (const [who, account] of Object.entries(ACCOUNTS)) agents[who as Who] = (await signIn(t.app, account)).agent;
  agents.agencyCard = (await cardSignIn(t.app, 'agency-ntunhs')).agent;
});

const routes = routeTable(t.app).filter((r) => r.method === 'GET');

describe('the authorization matrix', () => {
  it('covers every GET route of the router', () => {
    const unclassified = routes.map((r) => r.path).filter((p) => !accessOf(p));
    expect(unclassified).toEqual([]);
  });

  const cases = routes.flatMap((r) => {
    const access = accessOf(r.path);
    if (!access || access === 'skip') return [];
    return EVERYONE.map((who) => [r.path, who, access] as const);
  });

  it.each(cases)('GET %s as %s', async (path, who, access) => {
    const max = Number((await t.db('audit_event').max<{ max: number }[]>('id as max'))[0]?.max ?? 0);
    const res = await agents[who].get(concrete(path));
    const location = String(res.headers.location ?? '');
    expect(res.status, `${path} as ${who}`).toBeLessThan(500);
    const list = Array.isArray(access) ? access : typeof access === 'object' ? access.only : null;
    const allowed =
      access === 'public' ||
      (access === 'signed-in' && who !== 'anonymous') ||
      (access === 'person' && who !== 'anonymous' && who !== 'agencyCard') ||
      (list !== null && list.includes(who));
    if (allowed) {
      expect([401, 403], `${path} as ${who}: allowed`).not.toContain(res.status);
      expect(location, `${path} as ${who}: not sent to sign in`).not.toMatch(/^\/login/);
      return;
    }
    if (who === 'anonymous') {
      // Sent to sign in (with the way back), or told to.
      expect(res.status === 401 || (res.status === 302 && /^\/login/.test(location)), `${path} anonymous: ${res.status} ${location}`).toBe(true);
      return;
    }
    if (who === 'agencyCard' && access === 'person') {
      expect([303, 403, 404], `${path} as agency card`).toContain(res.status);
      return;
    }
    if (typeof access === 'object' && !Array.isArray(access)) {
      expect([res.status, location], `${path} as ${who}`).toEqual([303, access.othersRedirectTo]);
      return;
    }
    expect([403, 404], `${path} as ${who}: refused`).toContain(res.status);
    if (res.status === 403) {
      const denied = await t.db('audit_event').where('id', '>', max).where({ outcome: 'denied' }).first();
      expect(denied, `${path} as ${who}: the refusal is audited`).toBeTruthy();
    }
  });
});
