import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { agentFor, buildApp, signIn } from '../support/app';
import { cardSignIn } from '../support/cards';
import { concrete, routeTable } from '../support/routeTable';

/**
 * The authorization matrix: every route of the router × every kind of user, with the answer
 * each must get. A route no rule covers fails the test, so a page or a form cannot ship
 * without saying who may use it. GET routes are opened by everyone; state-changing routes
 * are sent, with a valid CSRF token of the sender's own session, by everyone who must be
 * refused (refusal checked, audited, and nothing changed); the users allowed to post are
 * exercised with real bodies by each area's own tests.
 */
const t = buildApp();
afterAll(() => t.close());

type Who = 'anonymous' | 'civilServant' | 'hr' | 'agent' | 'supervisor' | 'agencyCard' | 'reviewer' | 'admin' | 'platformAdmin' | 'otherAgencyHr';
const PEOPLE: Exclude<Who, 'anonymous' | 'agencyCard'>[] = ['civilServant', 'hr', 'agent', 'supervisor', 'reviewer', 'admin', 'platformAdmin', 'otherAgencyHr'];
const EVERYONE: Who[] = ['anonymous', ...PEOPLE, 'agencyCard'];

/** public: anyone; person: any signed-in person; signed-in: a person or an agency card; or the list of who may. */
type Access = 'public' | 'person' | 'signed-in' | 'skip' | Who[] | { only: Who[]; othersRedirectTo: string };

const RULES: [RegExp, Access][] = [
  [/^\/(healthz|readyz)$/, 'public'],
  // Limited by client address (METRICS_ALLOW), not by user: every kind of user here comes
  // from loopback, which the default allows; test/routes/ops-observability.test.ts proves the rule.
  [/^\/metrics$/, 'public'],
  [/^\/(login|forgot-password|login\/certificate)$/, 'public'],
  // Only inside a card activation in progress; otherwise it sends back to 憑證登入.
  [/^\/login\/certificate\/activate$/, 'skip'],
  [/^\/(|sitemap|accessibility|privacy|open-data|announcements|announcements\/:id|polls|polls\/:id|agencies|verify)$/, 'public'],
  [/^\/help\//, 'public'],
  // A person who opens the agency card's page is sent to their own 我的專區.
  [/^\/agency$/, { only: ['agencyCard'], othersRedirectTo: '/my' }],
  [/^\/my\/password-reset(\/lookup)?$/, ['hr', 'agent', 'supervisor', 'otherAgencyHr', 'agencyCard']],
  // 機關通知 of 網頁訊息: HR staff, each to their own agency.
  [/^\/my\/messages\/notice$/, ['hr', 'otherAgencyHr']],
  // 生日賀卡 of 電子賀卡: HR staff, each for their own agency.
  [/^\/my\/ecards\/birthday$/, ['hr', 'otherAgencyHr']],
  [/^\/my(\/|$)/, 'person'],
  // 機關授權: portal administrators, and 銓敘部管理者 for the cloud platform; 權限管理: portal
  // administrators, and HR supervisors for their own agency's people.
  [/^\/admin\/access\/agencies(\/|$)/, ['admin', 'platformAdmin']],
  [/^\/admin\/access(\/|$)/, ['admin', 'hr', 'otherAgencyHr']],
  [/^\/admin\//, ['admin']],
  [/^\/api\/pics\/openapi\.json$/, 'public'],
  [/^\/api\//, 'skip'],
  // PICS: the desk and the chat console for agents; tickets and chats for people.
  // Event streams stay open: their access is tested in the chat's own tests.
  [/\/events$/, 'skip'],
  // 內容管理 and changes to the work calendar: the desk supervisors only (its page is every agent's).
  [/^\/pics\/desk\/(content(\/|$)|calendar\/)/, ['supervisor']],
  // 智慧客服's unanswered questions: the desk supervisors only; the question box: anyone.
  [/^\/pics\/desk\/assistant(\/|$)/, ['supervisor']],
  [/^\/pics\/assistant$/, 'public'],
  [/^\/pics\/(desk|agent)(\/|$)/, ['agent', 'supervisor']],
  // An agency session sees the chat's notice, told to sign in as a person to chat.
  [/^\/pics\/chat$/, 'signed-in'],
  [/^\/pics\/chat\/agent$/, ['agent', 'supervisor']],
  [/^\/pics\/(tickets|chat)(\/|$)/, 'person'],
  [/^\/pics(\/(search|announcements|announcements\/:id|faq|downloads))?$/, 'public'],
  // 雲端服務平台: administrators manage; the agency card applies and downloads; the
  // administrators may also read the site's pages.
  [/^\/cloud\/admin/, ['platformAdmin']],
  [/^\/cloud\/(apply|applications|reports|deliveries)(\/|$)/, ['agencyCard']],
  // What seed 002 shows before the card login: anyone.
  [/^\/cloud(\/(news\/:id|services|services\/:code\/fields\.csv|install|faq|links|contact|search|files|files\/:id|ws\/ca\.pem|ws\/signer\.pem|ws\/openapi\.json))?$/, 'public'],
  [/^\/cloud(\/|$)/, ['agencyCard', 'platformAdmin']],
  // 事求人: posting only with a card (the agency card here; HR with a person card in its tests).
  [/^\/jobs\/manage/, ['agencyCard']],
  [/^\/jobs\/(review|dashboard)(\/|$)/, ['reviewer']],
  // 匯入機關確認: the portal's administrators.
  [/^\/jobs\/imports(\/|$)/, ['admin']],
  // 刊登方式設定: the portal administrators.
  [/^\/jobs\/publishing(\/|$)/, ['admin']],
  [/^\/jobs\/(my\/|view\/:workId\/apply)/, 'person'],
  [/^\/jobs(\/|$)/, 'public'],
  // MyData: a person's own record; HR queues (each HR sees only their agency's requests).
  [/^\/mydata\/hr\//, ['hr', 'otherAgencyHr']],
  [/^\/mydata(\/|$)/, 'person'],
];

function accessOf(path: string): Access | null {
  return RULES.find(([re]) => re.test(path))?.[1] ?? null;
}

function isAllowed(access: Access, who: Who): boolean {
  const list = Array.isArray(access) ? access : typeof access === 'object' ? access.only : null;
  return (
    access === 'public' ||
    (access === 'signed-in' && who !== 'anonymous') ||
    (access === 'person' && who !== 'anonymous' && who !== 'agencyCard') ||
    (list !== null && list.includes(who))
  );
}

/**
 * Who may post where, where it differs from who may open the page: signing in and out,
 * and forms whose page is public but whose action needs a signed-in person.
 */
const POST_RULES: [RegExp, Access][] = [
  [/^\/(login|logout|forgot-password|login\/certificate(\/.*)?)$/, 'skip'],
  [/^\/polls\/:id(\/vote)?$/, 'person'],
  // Adding a day to the work calendar, whose page every agent may open.
  [/^\/pics\/desk\/calendar$/, ['supervisor']],
];

function postAccessOf(path: string): Access | null {
  return POST_RULES.find(([re]) => re.test(path))?.[1] ?? accessOf(path);
}

const ACCOUNTS: Record<Exclude<Who, 'anonymous' | 'agencyCard'>, string> = {
  civilServant: 'wang.xiaoming',
  hr: 'hr.chief',
  agent: 'cs.agent',
  supervisor: 'cs.lead',
  reviewer: 'jobs.reviewer',
  admin: 'portal.admin',
  platformAdmin: 'mocs.admin',
  otherAgencyHr: 'hr.moi',
};

type Agent = ReturnType<typeof request.agent>;
const agents = {} as Record<Who, Agent>;
const tokens = {} as Record<Who, string>;

beforeAll(async () => {
  ({ agent: agents.anonymous, csrf: tokens.anonymous } = await agentFor(t.app));
  for (const [who, account] of Object.entries(ACCOUNTS)) ({ agent: agents[who as Who], csrf: tokens[who as Who] } = await signIn(t.app, account));
  ({ agent: agents.agencyCard, csrf: tokens.agencyCard } = await cardSignIn(t.app, 'agency-ntunhs'));
});

const all = routeTable(t.app);
const routes = all.filter((r) => r.method === 'GET');
const writes = all.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');

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
    if (isAllowed(access, who)) {
      expect([401, 403], `${path} as ${who}: allowed`).not.toContain(res.status);
      expect(location, `${path} as ${who}: not sent to sign in`).not.toMatch(/^\/login/);
      return;
    }
    if (who === 'anonymous') {
      // Sent to sign in (with the way back), or told to.
      expect(res.status === 401 || (res.status === 302 && /^\/login/.test(location)), `${path} anonymous: ${res.status} ${location}`).toBe(true);
      return;
    }
    // 我的專區's pages of a person (機關通知 too): an agency session is sent to its own page.
    if (who === 'agencyCard' && (access === 'person' || path.startsWith('/my/messages/') || path.startsWith('/my/ecards/'))) {
      expect([303, 403, 404], `${path} as agency card`).toContain(res.status);
      return;
    }
    if (typeof access === 'object' && !Array.isArray(access)) {
      expect([res.status, location], `${path} as ${who}`).toEqual([303, access.othersRedirectTo]);
      return;
    }
    expect([403, 404], `${path} as ${who}: refused`).toContain(res.status);
    if (res.status === 403) {
      const denied = await t.db('audit_event').where('id', '>', max).where({ outcome: 'denied', request_id: String(res.headers['x-request-id']) }).first();
      expect(denied, `${path} as ${who}: the refusal is audited`).toBeTruthy();
    }
  }, 120_000); // the first download of the card component builds its package (tens of MB)
});

describe('the authorization matrix for state-changing routes', () => {
  it('covers every state-changing route of the router', () => {
    expect(writes.length).toBeGreaterThan(50);
    const unclassified = writes.map((r) => `${r.method} ${r.path}`).filter((p) => !postAccessOf(p.split(' ')[1]!));
    expect(unclassified).toEqual([]);
  });

  it('has the state changes that used to hide behind a GET as forms of their own', () => {
    // Marking a paper document as printed was a side effect of opening its PDF.
    expect(writes).toContainEqual({ method: 'POST', path: '/mydata/hr/documents/:id/printed' });
    expect(postAccessOf('/mydata/hr/documents/:id/printed')).toEqual(['hr', 'otherAgencyHr']);
  });

  const cases = writes.flatMap((r) => {
    const access = postAccessOf(r.path);
    if (!access || access === 'skip' || access === 'public') return [];
    return EVERYONE.filter((who) => !isAllowed(access, who)).map((who) => [r.method, r.path, who] as const);
  });

  it.each(cases)('%s %s as %s is refused, audited, and changes nothing', async (method, path, who) => {
    const max = Number((await t.db('audit_event').max<{ max: number }[]>('id as max'))[0]?.max ?? 0);
    const agent = agents[who];
    const url = concrete(path);
    const req = method === 'POST' ? agent.post(url) : method === 'PUT' ? agent.put(url) : method === 'PATCH' ? agent.patch(url) : agent.delete(url);
    const res = await req.type('form').set('x-csrf-token', tokens[who]).send({ _csrf: tokens[who] });
    const location = String(res.headers.location ?? '');
    expect(res.status, `${method} ${path} as ${who}`).toBeLessThan(500);
    if (who === 'anonymous') {
      expect(res.status === 401 || res.status === 403 || ([302, 303].includes(res.status) && /^\/login/.test(location)), `${path} anonymous: ${res.status} ${location}`).toBe(true);
    } else if (who === 'agencyCard' && [302, 303].includes(res.status)) {
      // A person's form posted from an agency session: sent to the agency's own page.
      expect(location, `${path} as agency card`).toMatch(/^\/(agency|my|login)/);
    } else {
      expect([403, 404], `${method} ${path} as ${who}: refused (${res.status} ${location})`).toContain(res.status);
    }
    const rid = String(res.headers['x-request-id']);
    const mine = await t.db('audit_event').where('id', '>', max).where({ request_id: rid }).select('action', 'outcome');
    if (res.status === 403) expect(mine.some((a) => a.outcome === 'denied'), `${path} as ${who}: the refusal is audited`).toBe(true);
    // Nothing was done on the refused user's behalf.
    expect(mine.filter((a) => a.outcome !== 'denied'), `${path} as ${who}: nothing done`).toEqual([]);
  });
});
