import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROUTE_DEPS } from '../../src/services';
import { buildApp } from '../support/app';

// Each area's routes get what their factory declares and nothing else (src/services.ts).
// The compiler checks each ROUTE_DEPS list against the factory's declared parameter; these
// tests check the objects actually handed over, and that app.ts hands over no other.
const t = buildApp();
afterAll(() => t.close());

const AREA_SERVICES = ['auth', 'cardLogin', 'portal', 'admin', 'pics', 'cloud', 'jobs', 'mydata', 'messages', 'cards', 'routes'];

describe('route dependencies', () => {
  it.each(Object.keys(ROUTE_DEPS) as (keyof typeof ROUTE_DEPS)[])('the %s routes get exactly what they declare', (area) => {
    const given = t.services.routes[area];
    expect(Object.keys(given).sort()).toEqual([...ROUTE_DEPS[area]].sort());
    for (const key of ROUTE_DEPS[area]) expect((given as Record<string, unknown>)[key], key).toBeDefined();
  });

  it('no area is handed another area’s services unless it declares the call', () => {
    const declaredCalls: Record<string, string[]> = { auth: ['auth', 'cardLogin'], cloud: ['cloud', 'cardLogin'] };
    for (const [area, keys] of Object.entries(ROUTE_DEPS)) {
      const foreign = (keys as readonly string[]).filter((k) => AREA_SERVICES.includes(k) && k !== area && !(declaredCalls[area] ?? []).includes(k));
      expect(foreign, area).toEqual([]);
    }
  });

  it('app.ts mounts every area with its own object, never the whole services', () => {
    const app = fs.readFileSync(path.resolve(import.meta.dirname, '../../src/app.ts'), 'utf8');
    const mounts = [...app.matchAll(/\b(\w+Routes)\(([\w.]+)/g)].map((m) => [m[1], m[2]]);
    expect(mounts.map(([factory]) => factory).sort()).toEqual(
      ['authRoutes', 'cardRoutes', 'portalRoutes', 'adminRoutes', 'verificationRoutes', 'picsRoutes', 'cloudRoutes', 'jobsRoutes', 'mydataRoutes', 'messagesRoutes', 'cardsRoutes'].sort(),
    );
    for (const [factory, arg] of mounts) expect(arg, factory).toMatch(/^areas\.\w+$/);
  });
});
