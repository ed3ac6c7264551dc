import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/platform/logger';
import { createDb, type Db } from '../../src/platform/database';
import { createServices } from '../../src/services';
import { createApp } from '../../src/app';
import { concrete, routeTable, type RouteEntry } from '../support/routeTable';
import { formFieldNames, fuzzBodies } from '../support/fuzz';
import { Client, startDatabase, type TestDatabase } from './harness';

// Every form of the app, 1,000 malformed bodies each by default (FUZZ_PER_FORM=10000 for the
// full run: about 36 minutes on 2 cores), sent by a user who
// may use it, with a valid CSRF token: no response may be a 500, and no table may change.
// A form that takes an id in its path is sent to an id no row has, so its bodies meet the
// not-found answer, not its fields (their bad inputs are tested in each area's route tests).
const PER_FORM = Number(process.env.FUZZ_PER_FORM ?? 1_000);
const CONCURRENCY = 16;
// Tables that record the traffic itself rather than what a form saves.
const TRAFFIC_TABLES = new Set(['session', 'rate_limit_hit', 'audit_event', 'login_event', 'login_challenge', 'scheduled_run', 'mail_outbox', 'knex_migrations', 'knex_migrations_lock']);

let database: TestDatabase;
let db: Db;
let baseURL: string;
let close: () => Promise<void>;
let routes: RouteEntry[];

beforeAll(async () => {
  database = await startDatabase();
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.url, PKI_DIR: database.pkiDir, UPLOAD_DIR: database.uploadDir, PUBLIC_ORIGIN: 'http://127.0.0.1', LOGIN_RATE_LIMIT_PER_15MIN: '10000000', CHALLENGE_RATE_LIMIT_PER_15MIN: '10000000' });
  const logger = createLogger('silent');
  db = createDb(database.url, 10);
  const services = createServices(db, config, logger);
  const app = createApp({ config, logger, services, databaseUrl: database.url });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes = routeTable(app).filter((r) => r.method === 'POST' && !r.path.startsWith('/api/') && r.path !== '/logout');
  close = async () => {
    server.close();
    await app.close();
    await db.destroy();
  };
}, 240_000);

afterAll(async () => {
  await close?.();
  await database?.destroy();
});

async function tableCounts(): Promise<Record<string, number>> {
  const tables = await db('pg_tables').where({ schemaname: 'public' }).pluck('tablename');
  const out: Record<string, number> = {};
  for (const t of tables as string[]) {
    if (TRAFFIC_TABLES.has(t)) continue;
    out[t] = Number((await db(t).count<{ count: string }[]>('* as count'))[0]!.count);
  }
  return out;
}

/** Who may use a route: the demo account (or card) for its area. */
function personaFor(p: string): { account?: string; card?: string } | null {
  if (/^\/(login|forgot-password|password-reset)/.test(p)) return null;
  if (p.startsWith('/admin')) return { account: 'portal.admin' };
  if (p.startsWith('/cloud/admin')) return { account: 'mocs.admin' };
  if (p.startsWith('/cloud')) return { card: 'agency-ntunhs' };
  if (/^\/pics\/(desk|agent|admin)/.test(p) || p.startsWith('/pics/chat/agent')) return { account: 'cs.lead' };
  if (/^\/jobs\/(manage|admin)/.test(p)) return { card: 'agency-ntunhs' };
  if (p.startsWith('/jobs/review')) return { account: 'jobs.reviewer' };
  if (/^\/mydata\/(hr|admin)/.test(p)) return { account: 'hr.chief' };
  if (p.startsWith('/my/password-reset') || p.startsWith('/agency')) return { account: 'hr.chief' };
  return { account: 'wang.xiaoming' };
}

async function clientFor(p: string): Promise<Client> {
  const c = new Client();
  const who = personaFor(p);
  if (!who) {
    await c.get(`${baseURL}/login`);
  } else if (who.account) {
    await c.signIn(baseURL, who.account);
  } else {
    await c.cardSignIn(baseURL, database.pkiDir, who.card!);
  }
  await c.get(`${baseURL}/my/profile`);
  return c;
}

async function fieldsOf(c: Client, route: string): Promise<string[]> {
  const url = concrete(route);
  let fallback: string[] = [];
  for (const candidate of [`${url}/new`, url, `${url}/edit`, url.replace(/\/[^/]+$/, '/new'), url.replace(/\/[^/]+$/, '')]) {
    const page = await c.get(`${baseURL}${candidate}`).catch(() => null);
    if (page && page.status === 200) {
      const exact = formFieldNames(page.text, url);
      if (exact.length && page.text.includes(`action="${url}`)) return exact;
      if (!fallback.length) fallback = formFieldNames(page.text);
    }
  }
  return fallback;
}

describe(`fuzzing every form with ${PER_FORM} malformed bodies`, () => {
  it('never answers 500 and changes no table', async () => {
    const report: string[] = [];
    for (const route of routes) {
      const c = await clientFor(route.path);
      const fields = await fieldsOf(c, route.path);
      const before = await tableCounts();
      const bodies = fuzzBodies(fields, PER_FORM, route.path.length);
      const statuses = new Map<number, number>();
      let next = 0;
      const cookie = c.cookieHeader();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < bodies.length) {
            const body = bodies[next++]!;
            const res = await fetch(`${baseURL}${concrete(route.path)}`, {
              method: 'POST',
              headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': c.csrf },
              body,
              redirect: 'manual',
            });
            await res.arrayBuffer();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          }
        }),
      );
      const after = await tableCounts();
      const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
      report.push(`${route.path} [${fields.length} fields] ${JSON.stringify(Object.fromEntries(statuses))}${changed.length ? ` CHANGED ${changed.join(',')}` : ''}`);
      expect(statuses.get(500) ?? 0, `${route.path}: 500 responses`).toBe(0);
      expect(changed, `${route.path}: tables changed`).toEqual([]);
    }
    process.stdout.write(`fuzzed ${routes.length} forms × ${PER_FORM}:\n  ${report.join('\n  ')}\n`);
  }, 3_600_000);
});
