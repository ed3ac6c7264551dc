import { execFile, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, lastAudit } from '../support/app';
import { cardSignIn } from '../support/cards';
import { expectZhPage, type Agent } from '../support/routes';
import { startCloudWebService } from '../../src/cloud/site';
import { makeApplication, pkiFile } from './cloud-site-support';

const t = buildApp();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cloud-site-delivery-'));
let ws: { port: number; close(): Promise<void> };
let ntunhs: { agent: Agent; csrf: string };
let dgpa: { agent: Agent; csrf: string };

beforeAll(async () => {
  for (const code of ['A096C0000Q', '376470000A']) {
    const a = await t.db('agency').where({ code }).first('id');
    await t.db('agency_area_grant').insert({ agency_id: a.id, area: 'cloud' }).onConflict().ignore();
  }
  ntunhs = await cardSignIn(t.app, 'agency-ntunhs');
  dgpa = await cardSignIn(t.app, 'agency-dgpa');
  ws = await startCloudWebService(t.services, { port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await ws?.close();
  await t.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** One service's part of a delivered CSV: the header line and the data lines. */
function section(csv: string, code: string): { header: string; rows: string[] } {
  const lines = csv.replace(/^\ufeff/, '').split('\r\n');
  const at = lines.findIndex((l) => l.startsWith(`#${code},`));
  if (at < 0) throw new Error(`no section ${code}`);
  const rest = lines.slice(at + 2);
  const end = rest.findIndex((l) => l === '' || l.startsWith('#'));
  return { header: lines[at + 1]!, rows: end < 0 ? rest : rest.slice(0, end) };
}

// Deliveries are encrypted to the agency card's ENCRYPTION certificate (cert2).
const AGENCY_KEY = () => pkiFile('cards', 'agency-ntunhs', 'enc-key.pem');
const AGENCY_CERT = () => pkiFile('cards', 'agency-ntunhs', 'enc-cert.pem');
const SIGNING_KEY = () => pkiFile('cards', 'agency-ntunhs', 'key.pem');
const SIGNING_CERT = () => pkiFile('cards', 'agency-ntunhs', 'cert.pem');

async function download(agent: Agent, url: string): Promise<{ status: number; body: Buffer; headers: Record<string, string> }> {
  const res = await agent.get(url).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
  return { status: res.status, body: res.body as Buffer, headers: res.headers as Record<string, string> };
}

describe('資料交換 下載 (單次服務)', () => {
  it('lists only the agency\'s approved applications', async () => {
    const mine = await makeApplication(t.db, { kind: 'file', approved: ['SQ_MA_001'] });
    const rejected = await makeApplication(t.db, { kind: 'file', approved: [], rejected: ['SQ_MA_001'] });
    const theirs = await makeApplication(t.db, { kind: 'file', approved: ['SQ_MA_001'], agencyCode: '376470000A', card: 'agency-dgpa' });
    const page = await ntunhs.agent.get('/cloud/deliveries');
    expectZhPage(page, 200);
    expect(page.text).toContain(mine.number);
    expect(page.text).not.toContain(rejected.number);
    expect(page.text).not.toContain(theirs.number);
  });

  it('delivers the approved services as CMS EnvelopedData that openssl opens with the agency card\'s encryption key (cert2), not its signing key (cert1)', async () => {
    const app = await makeApplication(t.db, { kind: 'file', approved: ['SQ_MA_001', 'SQ_TA_002'], rejected: ['SQ_TA_003'] });
    const res = await download(ntunhs.agent, `/cloud/deliveries/${app.id}/data.p7m`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toContain(`${app.number}.p7m`);
    const file = path.join(tmp, `${app.number}.p7m`);
    fs.writeFileSync(file, res.body);
    // Not readable as plain text.
    expect(res.body.includes(Buffer.from('national_id'))).toBe(false);
    const csv = execFileSync('openssl', ['cms', '-decrypt', '-inform', 'DER', '-in', file, '-recip', AGENCY_CERT(), '-inkey', AGENCY_KEY()]).toString('utf8');
    // The one recipient is cert2: the signing certificate's key (cert1) does not open it.
    const withSigningKey = spawnSync('openssl', ['cms', '-decrypt', '-inform', 'DER', '-in', file, '-recip', SIGNING_CERT(), '-inkey', SIGNING_KEY()]);
    expect(withSigningKey.status).not.toBe(0);
    const info = execFileSync('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file]).toString('utf8');
    const encSerial = new (await import('node:crypto')).X509Certificate(fs.readFileSync(AGENCY_CERT())).serialNumber;
    // One recipient (key transport), named by cert2's issuer and serial number.
    expect(info.match(/d\.ktri:/g)?.length).toBe(1);
    expect(info).toMatch(new RegExp(`serialNumber: ${BigInt(`0x${encSerial}`).toString()}\\b`));
    expect(csv).toContain('#SQ_MA_001,退休資料');
    expect(csv).toContain('#SQ_TA_002,考績資料');
    expect(csv).not.toContain('SQ_TA_003');
    const { header, rows: retirementSection } = section(csv, 'SQ_MA_001');
    expect(header).toBe('agency_id,national_id,name,retire_kind,retire_on,service_years,pension_kind,last_rank');
    // Exactly the agency's own rows.
    const agency = await t.db('agency').where({ code: 'A096C0000Q' }).first('id');
    const expected = await t.db('hr_retirement').where({ agency_id: agency.id }).orderBy('id').select('national_id');
    expect(retirementSection.length).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(0);
    expect(retirementSection.every((l) => l.startsWith(`${agency.id},`))).toBe(true);
    expect(retirementSection[0]).toContain(expected[0].national_id);
    // Recorded once, with a verification code, and the download audited.
    const d = await t.db('cloud_delivery').where({ application_id: app.id }).first();
    expect(d.recipient_thumbprint).toBe(new (await import('node:crypto')).X509Certificate(fs.readFileSync(AGENCY_CERT())).fingerprint256.replace(/:/g, '').toLowerCase());
    expect(d.sha256).toBe((await import('node:crypto')).createHash('sha256').update(res.body).digest('hex'));
    expect(d.rows).toBe(csv.split('\r\n').filter((l) => /^\d+,[A-Z]\d{9},/.test(l)).length);
    expect((await lastAudit(t.db, 'cloud.delivery.download')).target_id).toBe(app.number);
    const verify = await ntunhs.agent.get(`/verify?code=${encodeURIComponent(d.verification_code)}`);
    expect(verify.text).toContain(d.sha256);
  });

  it('the platform signature (.p7s) verifies against the platform CA with openssl', async () => {
    const app = await makeApplication(t.db, { kind: 'file', approved: ['SQ_COM_01'] });
    const data = await download(ntunhs.agent, `/cloud/deliveries/${app.id}/data.p7m`);
    const sig = await download(ntunhs.agent, `/cloud/deliveries/${app.id}/data.p7s`);
    expect(sig.status).toBe(200);
    const ca = await download(ntunhs.agent, '/cloud/ws/ca.pem');
    fs.writeFileSync(path.join(tmp, 'a.p7m'), data.body);
    fs.writeFileSync(path.join(tmp, 'a.p7s'), sig.body);
    fs.writeFileSync(path.join(tmp, 'ca.pem'), ca.body);
    const ok = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(tmp, 'a.p7s'), '-content', path.join(tmp, 'a.p7m'), '-CAfile', path.join(tmp, 'ca.pem'), '-purpose', 'any', '-out', '/dev/null']);
    expect(ok.status).toBe(0);
    // A changed byte breaks it.
    const at = data.body.length - 40;
    data.body.writeUInt8(data.body.readUInt8(at) ^ 0xff, at);
    fs.writeFileSync(path.join(tmp, 'a.p7m'), data.body);
    const bad = spawnSync('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', path.join(tmp, 'a.p7s'), '-content', path.join(tmp, 'a.p7m'), '-CAfile', path.join(tmp, 'ca.pem'), '-purpose', 'any', '-out', '/dev/null']);
    expect(bad.status).not.toBe(0);
  });

  it("another agency's download is a 404, audited", async () => {
    const app = await makeApplication(t.db, { kind: 'file', approved: ['SQ_MA_001'] });
    const res = await dgpa.agent.get(`/cloud/deliveries/${app.id}/data.p7m`);
    expectZhPage(res, 404);
    const audit = await lastAudit(t.db, 'cloud.access.denied');
    expect(audit.target_id).toBe(String(app.id));
    expect(audit.actor_label).toContain('376470000A');
    expect(await t.db('cloud_delivery').where({ application_id: app.id }).first()).toBeUndefined();
    expectZhPage(await dgpa.agent.get(`/cloud/deliveries/${app.id}/data.p7s`), 404);
  });

  it('refuses, with the reason, to build the file of an application whose encryption certificate is not known (never encrypted to the signing one)', async () => {
    const app = await makeApplication(t.db, { kind: 'file', approved: ['SQ_MA_001'], encCert: false });
    const res = await ntunhs.agent.get(`/cloud/deliveries/${app.id}/data.p7m`);
    expectZhPage(res, 409);
    expect(res.text).toContain('未登錄機關憑證IC卡的加密用憑證');
    expect(await t.db('cloud_delivery').where({ application_id: app.id }).first()).toBeUndefined();
  });

  it('a rejected application, a web-service one, or an unknown id has no data file', async () => {
    const rejected = await makeApplication(t.db, { kind: 'file', approved: [], rejected: ['SQ_MA_001'] });
    const wsApp = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_MA_001'] });
    expectZhPage(await ntunhs.agent.get(`/cloud/deliveries/${rejected.id}/data.p7m`), 404);
    expectZhPage(await ntunhs.agent.get(`/cloud/deliveries/${wsApp.id}/data.p7m`), 404);
    expectZhPage(await ntunhs.agent.get('/cloud/deliveries/999999/data.p7m'), 404);
    expectZhPage(await ntunhs.agent.get('/cloud/deliveries/abc/data.p7m'), 404);
  });

  it('delivers only the columns the data dictionary marks as delivered', async () => {
    const app = await makeApplication(t.db, { kind: 'file', approved: ['SQ_TA_004'] });
    const f = await t.db('cloud_dict_field as f').join('cloud_dict_table as t', 't.id', 'f.table_id').where({ 't.name': 'hr_separation', 'f.column_name': 'national_id' }).first('f.id');
    await t.db('cloud_dict_field').where({ id: f.id }).update({ delivered: false });
    try {
      const res = await download(ntunhs.agent, `/cloud/deliveries/${app.id}/data.p7m`);
      fs.writeFileSync(path.join(tmp, 'c.p7m'), res.body);
      const csv = execFileSync('openssl', ['cms', '-decrypt', '-inform', 'DER', '-in', path.join(tmp, 'c.p7m'), '-recip', AGENCY_CERT(), '-inkey', AGENCY_KEY()]).toString('utf8');
      expect(section(csv, 'SQ_TA_004').header).toBe('agency_id,name,reason,left_on,last_title');
      expect(csv).not.toMatch(/[A-Z]\d{9}/);
    } finally {
      await t.db('cloud_dict_field').where({ id: f.id }).update({ delivered: true });
    }
  });
});

/** curl, run asynchronously: the web service answers from this same process. */
function curl(args: string[]): Promise<{ status: number; body: Record<string, unknown>; stderr: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-w', '\n%{http_code}', ...args], { encoding: 'utf8' }, (_err, stdout, stderr) => {
      const lines = stdout.trimEnd().split('\n');
      const status = Number(lines.pop());
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(lines.join('\n'));
      } catch {
        // not JSON
      }
      resolve({ status, body, stderr });
    });
  });
}

async function issueModule(s: { agent: Agent; csrf: string }, appId: number, number: string) {
  const page = await s.agent.post(`/cloud/deliveries/${appId}/module`).type('form').send({ _csrf: s.csrf });
  expect(page.status).toBe(200);
  const password = /id="p12-password">([^<]+)</.exec(page.text)![1]!;
  const p12 = await download(s.agent, `/cloud/deliveries/${appId}/module/client.p12`);
  expect(p12.status).toBe(200);
  const file = path.join(tmp, `${number}-${Date.now()}.p12`);
  fs.writeFileSync(file, p12.body);
  return { file, password, page: page.text };
}

describe('介接模組 and the mutual-TLS web service', () => {
  const caFile = () => {
    const f = path.join(tmp, 'platform-ca.pem');
    fs.writeFileSync(f, t.services.cloud.site.caCertPem());
    return f;
  };
  const url = (number: string, code: string, qs = '') => `https://127.0.0.1:${ws.port}/api/v1/applications/${number}/services/${code}${qs}`;

  it('issues a PKCS#12 shown once; curl with it gets the approved service, paged, and every call is logged', async () => {
    const app = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_TA_002', 'SQ_MA_001'], rejected: ['SQ_TA_003'] });
    const page = await ntunhs.agent.get(`/cloud/deliveries/${app.id}/module`);
    expectZhPage(page, 200);
    expect(page.text).toContain('產生介接模組');
    expect(page.text).toContain('curl --cert-type P12');
    const m = await issueModule(ntunhs, app.id, app.number);
    expect(m.page).toContain('僅顯示這一次');
    expect((await ntunhs.agent.get(`/cloud/deliveries/${app.id}/module`)).text).not.toContain(m.password);
    expect((await lastAudit(t.db, 'cloud.ws.module')).target_id).toBe(app.number);

    const agency = await t.db('agency').where({ code: 'A096C0000Q' }).first('id');
    const total = Number((await t.db('hr_performance').where({ agency_id: agency.id }).count({ n: '*' }))[0]!.n);
    const r = await curl(['--cert-type', 'P12', '--cert', `${m.file}:${m.password}`, '--cacert', caFile(), url(app.number, 'SQ_TA_002', '?page=2&size=3')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(total);
    expect(r.body.page).toBe(2);
    expect((r.body.rows as unknown[]).length).toBe(Math.min(3, Math.max(0, total - 3)));
    expect((r.body.columns as Array<{ column: string }>).map((c) => c.column)).toContain('grade');
    const list = await curl(['--cert-type', 'P12', '--cert', `${m.file}:${m.password}`, '--cacert', caFile(), `https://127.0.0.1:${ws.port}/api/v1/applications/${app.number}/services`]);
    expect((list.body.services as Array<{ code: string }>).map((s) => s.code).sort()).toEqual(['SQ_MA_001', 'SQ_TA_002']);
    const log = await t.db('cloud_ws_call').where({ application_number: app.number, service_code: 'SQ_TA_002' }).orderBy('id', 'desc').first();
    expect(log).toMatchObject({ status: 200, result: 'ok', rows: (r.body.rows as unknown[]).length });
    expect(log.thumbprint).toMatch(/^[0-9a-f]{64}$/);
    expect(log.duration_ms).toBeGreaterThanOrEqual(0);
  });

  it('refuses a call without a client certificate (logged)', async () => {
    const app = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_MA_001'] });
    const r = await curl(['--cacert', caFile(), url(app.number, 'SQ_MA_001')]);
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('client_certificate_required');
    const log = await t.db('cloud_ws_call').orderBy('id', 'desc').first();
    expect(log).toMatchObject({ status: 401, result: 'client_certificate_required', thumbprint: null });
  });

  it('refuses a certificate of another application, and one replaced by a newer module', async () => {
    const a = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_MA_001'] });
    const b = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_MA_001'] });
    const ma = await issueModule(ntunhs, a.id, a.number);
    const r = await curl(['--cert-type', 'P12', '--cert', `${ma.file}:${ma.password}`, '--cacert', caFile(), url(b.number, 'SQ_MA_001')]);
    expect(r.status).toBe(403);
    expect(r.body.error).toBe('wrong_application');
    await issueModule(ntunhs, a.id, a.number);
    const old = await curl(['--cert-type', 'P12', '--cert', `${ma.file}:${ma.password}`, '--cacert', caFile(), url(a.number, 'SQ_MA_001')]);
    expect(old.status).toBe(403);
    expect(old.body.error).toBe('certificate_revoked');
  });

  it('refuses a service not approved for the application', async () => {
    const app = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_MA_001'], rejected: ['SQ_TA_003'] });
    const m = await issueModule(ntunhs, app.id, app.number);
    for (const code of ['SQ_TA_003', 'SQ_TA_001', 'NOPE']) {
      const r = await curl(['--cert-type', 'P12', '--cert', `${m.file}:${m.password}`, '--cacert', caFile(), url(app.number, code)]);
      expect(r.status).toBe(403);
      expect(r.body.error).toBe('service_not_approved');
    }
    expect(await t.db('cloud_ws_call').where({ application_number: app.number, status: 403 }).count({ n: '*' })).toEqual([{ n: 3 }]);
  });

  it.each(['page=0', 'page=-1', 'page=abc', 'size=0', 'size=501', 'size=1.5', 'page=1&page=2'])('refuses malformed paging %s with 400', async (qs) => {
    const app = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_MA_001'] });
    const m = await issueModule(ntunhs, app.id, app.number);
    const r = await curl(['--cert-type', 'P12', '--cert', `${m.file}:${m.password}`, '--cacert', caFile(), url(app.number, 'SQ_MA_001', `?${qs}`)]);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('bad_paging');
    expect(String(r.body.message)).toMatch(/須為 1 至 \d+ 之整數/);
  });

  it('refuses calls after 服務使用起迄 (and before it)', async () => {
    const app = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_MA_001'], periodFrom: '2026-01-01', periodTo: '2027-12-31' });
    const m = await issueModule(ntunhs, app.id, app.number);
    const later = buildApp({}, { clock: () => new Date('2028-01-01T01:00:00+08:00') });
    const earlier = buildApp({}, { clock: () => new Date('2025-12-31T12:00:00+08:00') });
    const wsLater = await startCloudWebService(later.services, { port: 0, host: '127.0.0.1' });
    const wsEarlier = await startCloudWebService(earlier.services, { port: 0, host: '127.0.0.1' });
    try {
      for (const port of [wsLater.port, wsEarlier.port]) {
        const r = await curl(['--cert-type', 'P12', '--cert', `${m.file}:${m.password}`, '--cacert', caFile(), `https://127.0.0.1:${port}/api/v1/applications/${app.number}/services/SQ_MA_001`]);
        expect(r.status).toBe(403);
        expect(r.body.error).toBe('outside_period');
      }
      // The module page refuses a new certificate once the period is over.
      const ok = await curl(['--cert-type', 'P12', '--cert', `${m.file}:${m.password}`, '--cacert', caFile(), url(app.number, 'SQ_MA_001')]);
      expect(ok.status).toBe(200);
    } finally {
      await wsLater.close();
      await wsEarlier.close();
      await later.close();
      await earlier.close();
    }
  });

  it('refuses a client certificate not issued by the platform', async () => {
    const app = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_MA_001'] });
    const r = await curl(['--cert', AGENCY_CERT(), '--key', AGENCY_KEY(), '--cacert', caFile(), url(app.number, 'SQ_MA_001')]);
    expect(r.status).toBe(401);
    expect(r.body.error).toBe('untrusted_certificate');
  });

  it('issues one module at a time: posts at once (a double click, two tabs) all answer, and one certificate stays valid', async () => {
    const app = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_MA_001'] });
    const posts = await Promise.all(Array.from({ length: 6 }, () => ntunhs.agent.post(`/cloud/deliveries/${app.id}/module`).type('form').send({ _csrf: ntunhs.csrf })));
    expect(posts.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const clients = await t.db('cloud_ws_client').where({ application_id: app.id });
    expect(clients).toHaveLength(6);
    expect(clients.filter((c) => c.revoked_at === null)).toHaveLength(1);
  });

  it("another agency cannot open or issue the module (404, audited)", async () => {
    const app = await makeApplication(t.db, { kind: 'ws', approved: ['SQ_MA_001'] });
    expectZhPage(await dgpa.agent.get(`/cloud/deliveries/${app.id}/module`), 404);
    const post = await dgpa.agent.post(`/cloud/deliveries/${app.id}/module`).type('form').send({ _csrf: dgpa.csrf });
    expectZhPage(post, 404);
    expect((await lastAudit(t.db, 'cloud.access.denied')).target_id).toBe(String(app.id));
    expect(await t.db('cloud_ws_client').where({ application_id: app.id }).first()).toBeUndefined();
    expectZhPage(await dgpa.agent.get(`/cloud/deliveries/${app.id}/module/client.p12`), 404);
  });

  it('offers the OpenAPI description and the CA certificate', async () => {
    const api = await ntunhs.agent.get('/cloud/ws/openapi.json');
    expect(api.status).toBe(200);
    const doc = JSON.parse(api.text ?? '{}');
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toContain('/api/v1/applications/{number}/services/{code}');
    const ca = await ntunhs.agent.get('/cloud/ws/ca.pem');
    expect(ca.text ?? ca.body.toString()).toContain('BEGIN CERTIFICATE');
  });
});
