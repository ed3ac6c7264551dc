import os from 'node:os';
import path from 'node:path';
import { afterAll, inject } from 'vitest';
import request from 'supertest';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/platform/database';
import { createLogger, type Logger } from '../../src/platform/logger';
import { createServices } from '../../src/services';
import { createApp } from '../../src/app';
import { hashPassword } from '../../src/platform/identity/hashing';
import { withCheckDigit } from '../../seeds/demo';

export const PASSWORD = 'Ecpa#2026';

let apps = 0;

/**
 * The real app on the run's test database; `env` overrides configuration. Each app has its
 * own job queues (QUEUE_NAMESPACE), so apps built by test files running side by side never
 * take each other's jobs; `services.scheduler.drain()` runs what an app queued.
 */
export function buildApp(env: Record<string, string> = {}, opts: { clock?: () => Date; logger?: Logger } = {}) {
  const url = inject('databaseUrl');
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOGIN_RATE_LIMIT_PER_15MIN: '100000',
    CHALLENGE_RATE_LIMIT_PER_15MIN: '100000',
    REFUSAL_RATE_LIMIT_PER_15MIN: '100000',
    SUBSCRIBE_RATE_LIMIT_PER_15MIN: '100000',
    ASSISTANT_RATE_LIMIT_PER_15MIN: '100000',
    DATABASE_URL: url,
    PKI_DIR: inject('pkiDir'),
    PUBLIC_ORIGIN: 'http://portal.test',
    UPLOAD_DIR: path.join(os.tmpdir(), 'ecpa-test-uploads'),
    QUEUE_NAMESPACE: `t${process.pid}_${++apps}_`,
    ...env,
  });
  const logger = opts.logger ?? createLogger(config.logLevel);
  const db = createDb(url, 5);
  const services = createServices(db, config, logger, opts);
  const app = createApp({ config, logger, services, databaseUrl: url });
  return {
    app,
    db,
    services,
    config,
    close: async () => {
      await app.close();
      await db.destroy();
    },
  };
}

export type TestApp = ReturnType<typeof buildApp>;

/** Two instances of the portal on one database, as behind the load balancer; closed after the file. */
export function twoInstances(): [TestApp, TestApp] {
  const a = buildApp();
  const b = buildApp();
  afterAll(async () => {
    await a.close();
    await b.close();
  });
  return [a, b];
}

let counter = 0;
// Argon2 is slow on purpose; the accounts with the default password share one hash.
let defaultHash: Promise<string> | null = null;
/** A new person with an account, so tests never share state. */
export async function makeAccount(
  db: Knex,
  opts: {
    agencyCode?: string;
    roles?: string[];
    password?: string;
    username?: string | null;
    email?: string | null;
    status?: '在職' | '卸職';
    mustChange?: boolean;
    tempExpires?: Date | null;
  } = {},
) {
  counter++;
  const agency = await db('agency').where({ code: opts.agencyCode ?? 'A096C0000Q' }).first();
  const unique = `${process.pid % 1000}${String(counter).padStart(4, '0')}`.padStart(7, '0').slice(-7);
  let nationalId = '';
  for (const letter of 'QRSTUVWXYZ') {
    nationalId = withCheckDigit(`${letter}1${unique}`);
    if (!(await db('person').where({ national_id: nationalId }).first())) break;
  }
  const tag = `t${nationalId.toLowerCase()}`;
  const [person] = await db('person')
    .insert({
      national_id: nationalId,
      name: `測試${counter}`,
      agency_id: agency.id,
      status: opts.status ?? '在職',
      title: '科員',
      rank: '薦任第七職等',
      series: '一般行政',
      unit: '人事室',
      personnel_kind: '簡薦委公務人員',
      appointed_on: '2020-01-01',
      birth_date: '1990-01-01',
      gender: 'M',
    })
    .returning('id');
  const username = opts.username === undefined ? tag : opts.username;
  const email = opts.email === undefined ? `${tag}@example.gov.tw` : opts.email;
  const [account] = await db('account')
    .insert({
      person_id: person.id,
      username,
      email,
      password_hash: await (opts.password === undefined ? (defaultHash ??= hashPassword(PASSWORD)) : hashPassword(opts.password)),
      must_change_password: opts.mustChange ?? false,
      temp_password_expires_at: opts.tempExpires ?? null,
    })
    .returning('id');
  for (const role of opts.roles ?? []) {
    await db('role_grant').insert({ account_id: account.id, role, agency_id: role.startsWith('hr_') ? agency.id : null });
  }
  return { accountId: account.id as number, personId: person.id as number, nationalId, username, email, login: username ?? nationalId, agencyId: agency.id as number };
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token on the page');
  return m[1]!;
}

/** A cookie-keeping client that has fetched a CSRF token. */
export async function agentFor(app: Parameters<typeof request.agent>[0]) {
  const agent = request.agent(app);
  const page = await agent.get('/login');
  return { agent, csrf: csrfFrom(page.text) };
}

export async function signIn(app: Parameters<typeof request.agent>[0], login: string, password = PASSWORD) {
  const { agent, csrf } = await agentFor(app);
  const res = await agent.post('/login').type('form').send({ _csrf: csrf, account: login, password });
  if (res.status !== 303) throw new Error(`sign-in failed for ${login}: ${res.status}`);
  const page = await agent.get('/my/profile');
  return { agent, csrf: csrfFrom(page.text), landing: res.headers.location as string };
}

/** Signs in through the real form without an agent; returns the session cookie (`ecpa.sid=…`) and its CSRF token. */
export async function signInCookie(app: Parameters<typeof request>[0], login: string, password = PASSWORD): Promise<{ cookie: string; csrf: string }> {
  const form = await request(app).get('/login');
  const pre = form.headers['set-cookie']![0]!.split(';')[0]!;
  const res = await request(app).post('/login').set('Cookie', pre).type('form').send({ _csrf: csrfFrom(form.text), account: login, password });
  if (res.status !== 303) throw new Error(`sign-in failed for ${login}: ${res.status}`);
  const sid = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('ecpa.sid='))!.split(';')[0]!;
  const page = await request(app).get('/my/profile').set('Cookie', sid);
  return { cookie: sid, csrf: csrfFrom(page.text) };
}

export async function lastAudit(db: Knex, action: string) {
  return db('audit_event').where({ action }).orderBy('id', 'desc').first();
}
