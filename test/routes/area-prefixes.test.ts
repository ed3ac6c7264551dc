import request from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../support/app';

// Each area's routes run only for the paths under its prefixes (src/platform/web/under.ts): a
// route written outside them would never be reached. These tests read every route of every
// gated router and check it lies under its prefixes.
const t = buildApp();
afterAll(() => t.close());

interface LayerLike {
  rawPath?: unknown;
  route?: { path: string | string[] };
  handle?: { stack?: LayerLike[]; prefixes?: readonly string[]; pages?: readonly string[] };
}

/** The full paths of a router's routes (routers mounted in it included). */
function pathsOf(stack: LayerLike[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) return [layer.route.path].flat().map((p) => `${prefix}${p}`);
    if (layer.handle?.stack) return pathsOf(layer.handle.stack, prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : ''));
    return [];
  });
}

/** Every gated router reachable from the app, with the prefix it is mounted at. */
function gated(stack: LayerLike[], prefix = ''): { prefixes: readonly string[]; pages: readonly string[]; paths: string[]; at: string }[] {
  return stack.flatMap((layer) => {
    const h = layer.handle;
    if (!h?.stack) return [];
    const at = prefix + (typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '');
    const inner = gated(h.stack, at);
    return h.prefixes ? [{ prefixes: h.prefixes, pages: h.pages ?? [], paths: pathsOf(h.stack), at }, ...inner] : inner;
  });
}

const under = (path: string, area: { prefixes: readonly string[]; pages: readonly string[] }) =>
  area.pages.includes(path) || area.prefixes.some((p) => path.toLowerCase() === p.toLowerCase() || path.toLowerCase().startsWith(`${p.toLowerCase()}/`));

describe('areas mounted by path prefix', () => {
  it('every route of every area lies under the prefixes its area is mounted with', () => {
    const areas = gated((t.app as unknown as { router: { stack: LayerLike[] } }).router.stack);
    // auth (two), portal, verification, pics, cloud, jobs, mydata, messages, cards.
    expect(areas.length).toBeGreaterThanOrEqual(10);
    for (const area of areas) {
      expect(area.paths.length).toBeGreaterThan(0);
      const outside = area.paths.filter((p) => !under(p, area));
      expect(outside, `routes outside ${[...area.pages, ...area.prefixes].join(', ')}`).toEqual([]);
    }
  });

  it('paths compare without case and with a trailing slash, as Express routes do', async () => {
    expect((await request(t.app).get('/ANNOUNCEMENTS')).status).toBe(200);
    expect((await request(t.app).get('/announcements/')).status).toBe(200);
    expect((await request(t.app).get('/Jobs')).status).toBe(200);
    // A page of its own (not a prefix) with a trailing slash: the sign-in it asks for, not a 404.
    const my = await request(t.app).get('/my/');
    expect(my.status).toBe(302);
    expect(my.headers.location).toMatch(/^\/login/);
  });

  it('a path only sharing the start of a prefix is not the area’s (/jobsx is no /jobs page)', async () => {
    expect((await request(t.app).get('/jobsx')).status).toBe(404);
    expect((await request(t.app).get('/mydata2')).status).toBe(404);
  });
});
