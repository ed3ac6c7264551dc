import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildApp, csrfFrom, lastAudit } from '../support/app';
import { createAdministrator } from '../../src/portal/admin/firstAdministrator';
import { FormError } from '../../src/platform/errors';
import { withCheckDigit } from '../../seeds/demo';

const t = buildApp();
afterAll(() => t.close());

let counter = 0;
/** A national ID no person of the master has yet (check digit right). */
async function freshNationalId(): Promise<string> {
  for (;;) {
    counter++;
    const id = withCheckDigit(`K2${String((process.pid * 7 + counter * 7919) % 10_000_000).padStart(7, '0')}`);
    if (!(await t.db('person').where({ national_id: id }).first())) return id;
  }
}

const cli = { actorLabel: 'command line admin:create (OS user test)' };

async function formErrorOf(p: Promise<unknown>): Promise<Record<string, string>> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(FormError);
  return (err as FormError).errors;
}

describe('npm run admin:create', () => {
  it('prints a one-time password, grants portal_admin, forces a change at the first sign-in and is audited', async () => {
    const nationalId = await freshNationalId();
    const account = `admin.${nationalId.toLowerCase()}`;
    // As the operator runs it: a production start against the app's and the owner's logins.
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/admin-create.ts', '--national-id', nationalId, '--account', account, '--email', 'first.admin@example.gov.tw', '--name', '林管理', '--agency', 'A096C0000Q', '--birth-date', '1980-01-31'],
      {
        cwd: path.join(import.meta.dirname, '../..'),
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'production',
          SESSION_SECRET: 's'.repeat(40),
          PKI_DIR: inject('pkiDir'),
          DATABASE_URL: inject('databaseUrl'),
          DATABASE_OWNER_URL: inject('ownerDatabaseUrl'),
          DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'admin-create-')),
          LOG_LEVEL: 'silent',
        },
      },
    );
    const password = /一次性密碼：(\S+)/.exec(run.stdout)?.[1];
    expect(password, run.stdout + run.stderr).toMatch(/^[A-Z2-9]{8}$/);
    expect(run.stdout).toContain(`已建立管理者帳號 ${account}`);
    const row = await t.db('account as a').join('person as p', 'p.id', 'a.person_id').where('a.username', account).first('a.id', 'a.password_hash', 'a.must_change_password', 'a.temp_password_expires_at', 'p.name', 'p.national_id');
    expect(row).toMatchObject({ must_change_password: true, name: '林管理', national_id: nationalId });
    expect(row.password_hash).not.toContain(password);
    const hours = (new Date(row.temp_password_expires_at).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(71);
    expect(hours).toBeLessThanOrEqual(72);
    expect(await t.db('role_grant').where({ account_id: row.id }).select('role', 'agency_id', 'granted_by_label')).toEqual([{ role: 'portal_admin', agency_id: null, granted_by_label: '系統管理指令（admin:create）' }]);
    // The password is not mailed: nothing for this address in the outbox.
    expect(await t.db('mail_outbox').where({ to_address: 'first.admin@example.gov.tw' }).first()).toBeUndefined();
    expect(await lastAudit(t.db, 'admin.create_administrator')).toMatchObject({
      actor_account_id: null,
      actor_label: expect.stringMatching(/^command line admin:create \(OS user .+\)$/),
      target_type: 'account',
      target_id: String(row.id),
      outcome: 'ok',
      details: { username: account, role: 'portal_admin', agency: 'A096C0000Q', personAdded: true },
    });
    // First sign-in: the password must be changed before anything else, then the admin pages open.
    const agent = (await import('supertest')).default.agent(t.app);
    const login = await agent.get('/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrfFrom(login.text), account, password });
    expect(res.status).toBe(303);
    const admin = await agent.get('/admin/apps');
    expect(admin.status).toBe(303);
    expect(admin.headers.location).toBe('/my/password');
  });

  it('refuses bad input with a clear message per option, and saves nothing', async () => {
    const nationalId = await freshNationalId();
    const base = { nationalId, account: `adm.${nationalId.toLowerCase()}`, email: 'a@example.gov.tw', name: '陳管理', agency: 'A096C0000Q', birthDate: '1979-05-01' };
    const people = Number((await t.db('person').count({ n: '*' }))[0]!.n);
    const accounts = Number((await t.db('account').count({ n: '*' }))[0]!.n);
    expect(await formErrorOf(createAdministrator(t.db, t.services.audit, { ...base, account: 'wang.xiaoming' }, cli))).toEqual({ account: '自訂帳號 wang.xiaoming 已有人使用，請改用其他帳號' });
    expect(await formErrorOf(createAdministrator(t.db, t.services.audit, { ...base, account: 'WANG.XIAOMING' }, cli))).toEqual({ account: '自訂帳號 WANG.XIAOMING 已有人使用，請改用其他帳號' });
    expect(await formErrorOf(createAdministrator(t.db, t.services.audit, { ...base, email: 'not-an-address' }, cli))).toEqual({ email: '電子郵件格式錯誤，例如 name@example.gov.tw' });
    expect(await formErrorOf(createAdministrator(t.db, t.services.audit, { ...base, agency: 'Z888888888' }, cli))).toEqual({ agency: '查無機關代碼 Z888888888' });
    expect(await formErrorOf(createAdministrator(t.db, t.services.audit, { ...base, agency: 'bad' }, cli))).toEqual({ agency: '機關代碼格式錯誤（10 碼英文字母或數字）' });
    const wrongDigit = nationalId.slice(0, 9) + String((Number(nationalId[9]) + 1) % 10);
    expect(await formErrorOf(createAdministrator(t.db, t.services.audit, { ...base, nationalId: wrongDigit }, cli))).toEqual({ nationalId: '身分證字號格式錯誤（英文字母加 9 位數字，檢查碼須正確）' });
    expect(await formErrorOf(createAdministrator(t.db, t.services.audit, { nationalId, account: base.account, email: base.email }, cli))).toEqual({
      name: '人事資料中沒有這位人員：請輸入姓名（--name）',
      agency: '人事資料中沒有這位人員：請輸入機關代碼（--agency）',
      birthDate: '人事資料中沒有這位人員：請輸入出生日期（--birth-date，例如 1980-01-31）',
    });
    // 王小明 (A123456789) already has an account.
    expect(await formErrorOf(createAdministrator(t.db, t.services.audit, { ...base, nationalId: 'A123456789', name: '' }, cli))).toEqual({ nationalId: '此人員已有人事服務網帳號；請由現有管理者授與權限' });
    expect(Number((await t.db('person').count({ n: '*' }))[0]!.n)).toBe(people);
    expect(Number((await t.db('account').count({ n: '*' }))[0]!.n)).toBe(accounts);
  });

  it('takes a person already in the personnel master', async () => {
    const nationalId = await freshNationalId();
    const agency = await t.db('agency').where({ code: 'A096C0000Q' }).first('id');
    await t.db('person').insert({ national_id: nationalId, name: '黃人事', agency_id: agency.id, title: '科長', rank: '薦任第九職等', series: '人事行政', unit: '人事室', personnel_kind: '公務人員', appointed_on: '2010-01-01', birth_date: '1975-03-03', gender: 'F' });
    expect(await formErrorOf(createAdministrator(t.db, t.services.audit, { nationalId, account: `hr.${nationalId.toLowerCase()}`, email: 'h@example.gov.tw', name: '黃人員' }, cli))).toEqual({ name: `身分證字號 ${nationalId} 在人事資料中的姓名不是「黃人員」` });
    const made = await createAdministrator(t.db, t.services.audit, { nationalId, account: `hr.${nationalId.toLowerCase()}`, email: 'h@example.gov.tw' }, cli);
    expect(made).toMatchObject({ name: '黃人事', agency: { code: 'A096C0000Q' } });
    expect(await lastAudit(t.db, 'admin.create_administrator')).toMatchObject({ target_id: String(made.accountId), details: { personAdded: false } });
  });

  it('the command refuses unknown options with its usage', async () => {
    const run = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/admin-create.ts', '--acount', 'x'], { cwd: path.join(import.meta.dirname, '../..'), env: { PATH: process.env.PATH } }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(run?.code).toBe(2);
    expect(run?.stderr).toContain('usage: npm run admin:create');
  });
});
