import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createDb } from '../../src/platform/database';
import { inject } from 'vitest';
import { buildApp, lastAudit, makeAccount, signIn } from '../support/app';
import { WEBHR_DEMO_KEY } from '../../seeds/pics';

const t = buildApp();
afterAll(() => t.close());

const body = (nationalId: string) => ({ nationalId, kind: '問題', appCode: 'A1', subject: 'WebHR 考績清冊', description: '無法報送', phone: '02-23979108', email: 'webhr@example.gov.tw' });
const post = (b: unknown, key: string | null = WEBHR_DEMO_KEY) => {
  const r = request(t.app).post('/api/pics/tickets').set('content-type', 'application/json');
  if (key) r.set('authorization', `Bearer ${key}`);
  return r.send(JSON.stringify(b));
};

describe('WebHR channel: POST /api/pics/tickets', () => {
  it('files a W ticket for the person with the API key, no session and no CSRF token', async () => {
    const a = await makeAccount(t.db);
    const res = await post(body(a.nationalId));
    expect(res.status).toBe(201);
    expect(res.body.receiptNo).toMatch(/^\d{6}W\d{5}$/);
    const row = await t.db('pics_ticket').where({ receipt_no: res.body.receiptNo }).first();
    expect(row.person_id).toBe(a.personId);
    expect(row.channel).toBe('W');
    const audit = await lastAudit(t.db, 'pics.api.ticket');
    expect(audit.target_id).toBe(res.body.receiptNo);
    expect(audit.actor_label).toBe('WebHR');
    // The person finds it in 掛號查詢.
    const { agent } = await signIn(t.app, a.login);
    expect((await agent.get('/pics/tickets')).text).toContain(res.body.receiptNo);
  });

  it.each([
    ['no key', null],
    ['a wrong key', 'pics_d3b0c0de_WebHR-demo-key-2026-do-not-use-in-productioX'],
    ['an unknown prefix', 'pics_00000000_WebHR-demo-key-2026-do-not-use-in-production'],
    ['garbage', 'hello'],
  ])('refuses %s with 401 and audits it', async (_label, key) => {
    const a = await makeAccount(t.db);
    const res = await post(body(a.nationalId), key);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body.error.code).toBe('unauthorized');
    expect(await t.db('pics_ticket').where({ person_id: a.personId })).toHaveLength(0);
    expect((await lastAudit(t.db, 'pics.api.denied')).outcome).toBe('denied');
  });

  it('refuses a session cookie in place of the key', async () => {
    const a = await makeAccount(t.db, { roles: ['cs_agent'] });
    const { agent } = await signIn(t.app, a.login);
    const res = await agent.post('/api/pics/tickets').set('content-type', 'application/json').send(JSON.stringify(body(a.nationalId)));
    expect(res.status).toBe(401);
  });

  it('answers field messages for bad input (201-character subject, empty description)', async () => {
    const a = await makeAccount(t.db);
    const res = await post({ ...body(a.nationalId), subject: '字'.repeat(201), description: '' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_form');
    expect(res.body.error.fields).toEqual({ subject: '問題主旨不可超過 200 個字', description: '請輸入問題說明' });
    expect(await t.db('pics_ticket').where({ person_id: a.personId })).toHaveLength(0);
  });

  it('answers 400 for a missing field or a non-JSON body, 404 for a person not in the master', async () => {
    const missing = await post({ nationalId: 'A123456789' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('invalid_request');
    expect(missing.body.error.fields.subject).toBeTruthy();
    const form = await request(t.app).post('/api/pics/tickets').set('authorization', `Bearer ${WEBHR_DEMO_KEY}`).type('form').send({ nationalId: 'A123456789' });
    expect(form.status).toBe(400);
    const nobody = await post(body('Z199999990'));
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe('person_not_found');
  });

  it('serves the OpenAPI document', async () => {
    const res = await request(t.app).get('/api/pics/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.paths['/api/pics/tickets'].post.security).toEqual([{ bearer: [] }]);
    expect(res.body.components.schemas.TicketRequest.required).toEqual(['nationalId', 'subject', 'description', 'phone', 'email']);
  });
});

describe('receipt numbers under concurrency', () => {
  it('200 concurrent filings get 200 numbers with no duplicate and no gap', async () => {
    // A pool of its own so the filings really run side by side.
    const db = createDb(inject('databaseUrl'), 30);
    const { createServices } = await import('../../src/services');
    const { createLogger } = await import('../../src/platform/logger');
    const services = createServices(db, t.config, createLogger('silent'));
    try {
      const people: Awaited<ReturnType<typeof makeAccount>>[] = [];
      for (let i = 0; i < 10; i++) people.push(await makeAccount(t.db));
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          services.pics.fileTicket(
            { kind: '問題', appCode: null, subject: `並行 ${i}`, description: '測試', phone: '02-23979108', email: 'c@example.gov.tw', personId: people[i % 10]!.personId, channel: 'H', files: [] },
            { ip: null, requestId: `c${i}` },
          ),
        ),
      );
      const numbers = results.map((r) => r.receiptNo);
      expect(new Set(numbers).size).toBe(200);
      const byPeriod = new Map<string, number[]>();
      for (const n of numbers) byPeriod.set(n.slice(0, 7), [...(byPeriod.get(n.slice(0, 7)) ?? []), Number(n.slice(7))]);
      for (const [prefix, seq] of byPeriod) {
        seq.sort((a, b) => a - b);
        // Consecutive, and the counter row ends at the last one (nothing skipped or reused).
        for (let i = 1; i < seq.length; i++) expect(seq[i]).toBe(seq[i - 1]! + 1);
        const counter = await t.db('document_counter').where({ name: `pics.receipt:${prefix}` }).first('last_value as last_no');
        expect(counter.last_no).toBe(seq[seq.length - 1]);
        const inDb = await t.db('pics_ticket').where('receipt_no', 'like', `${prefix}%`).count<{ count: string }[]>('id as count');
        expect(Number(inDb[0]!.count)).toBe(counter.last_no);
      }
    } finally {
      await services.lifecycle.close();
      await db.destroy();
    }
  });
});

describe('npm run pics:keys (issuing and withdrawing WebHR keys)', () => {
  const cli = (...args: string[]) =>
    promisify(execFile)('npx', ['tsx', 'scripts/pics-keys.ts', ...args], {
      cwd: path.join(import.meta.dirname, '../..'),
      env: { ...process.env, DATABASE_URL: inject('ownerDatabaseUrl'), SEED_DEMO: 'false', LOG_LEVEL: 'silent', DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'pics-keys-')) },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('issues a key that works once shown, lists it without its secret, and revokes it', async () => {
    const issued = await cli('issue', 'HRMIS');
    expect(issued.code).toBe(0);
    const key = /pics_[0-9a-f]{8}_[A-Za-z0-9_-]+/.exec(issued.stdout)?.[0];
    expect(key).toBeTruthy();
    const prefix = key!.split('_')[1]!;
    expect((await t.db('pics_api_credential').where({ key_prefix: prefix }).first()).key_sha256).not.toContain(key!);
    expect((await lastAudit(t.db, 'pics.api_key.issue')).target_id).toBe(prefix);
    const a = await makeAccount(t.db);
    const filed = await post(body(a.nationalId), key!);
    expect(filed.status).toBe(201);
    const listed = await cli('list');
    expect(listed.stdout).toMatch(new RegExp(`HRMIS\\s+pics_${prefix}_…\\s+使用中`));
    expect(listed.stdout).not.toContain(key!.split('_').slice(2).join('_'));
    const revoked = await cli('revoke', prefix);
    expect(revoked.code).toBe(0);
    expect((await lastAudit(t.db, 'pics.api_key.revoke')).target_id).toBe(prefix);
    expect((await post(body(a.nationalId), key!)).status).toBe(401);
    expect((await cli('list')).stdout).toMatch(new RegExp(`pics_${prefix}_…\\s+已停用`));
  });

  it('refuses a bad system name, an unknown prefix and a missing command', async () => {
    const bad = await cli('issue', '人事');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('系統名稱須為');
    const unknown = await cli('revoke', '00000000');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain('查無使用中的金鑰');
    expect((await cli()).code).toBe(2);
  });
});
