import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, signIn } from '../support/app';
import { concrete, routeTable } from '../support/routeTable';

// Every state-changing route of the whole app, read from the router: without the CSRF
// token, or with a wrong one, the request is refused before it does anything.
const t = buildApp();
afterAll(() => t.close());

const routes = routeTable(t.app).filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
// Machine APIs authenticate each call with a credential header, never the session cookie.
const browserRoutes = routes.filter((r) => !r.path.startsWith('/api/'));

let session: Awaited<ReturnType<typeof signIn>>;
beforeAll(async () => {
  session = await signIn(t.app, 'portal.admin');
});

describe('CSRF on every state-changing route', () => {
  it('finds the routes in the router', () => {
    expect(browserRoutes.length).toBeGreaterThan(20);
    expect(browserRoutes.map((r) => r.path)).toEqual(expect.arrayContaining(['/login', '/logout', '/my/password']));
  });

  it.each(browserRoutes.map((r) => [r.method, r.path] as const))('%s %s without a token → 403 and no change', async (method, path) => {
    const { agent } = session;
    const before = await t.db('audit_event').count<{ count: string }[]>('id as count');
    const res = await agent[method.toLowerCase() as 'post'](concrete(path)).type('form').send({ x: '1' });
    expect(res.status).toBe(403);
    // Only the denial itself may be recorded, nothing the route would have done.
    const after = await t.db('audit_event').count<{ count: string }[]>('id as count');
    expect(Number(after[0]!.count) - Number(before[0]!.count)).toBeLessThanOrEqual(1);
  });

  it.each(browserRoutes.map((r) => [r.method, r.path] as const))('%s %s with a wrong token → 403', async (method, path) => {
    const { agent } = session;
    const res = await agent[method.toLowerCase() as 'post'](concrete(path)).type('form').send({ _csrf: 'forged-token-value', x: '1' });
    expect(res.status).toBe(403);
  });

  it('refuses a token from another session', async () => {
    const a = await signIn(t.app, 'wang.xiaoming');
    const b = await signIn(t.app, 'chen.meiling');
    const res = await a.agent.post('/my/password').type('form').send({ _csrf: b.csrf, current: 'x', password: 'y', confirm: 'y' });
    expect(res.status).toBe(403);
  });
});
