import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { camelCase, camelCased } from '../../src/platform/rows';
import { auditSource } from '../../src/platform/audit';
import { routerOf } from '../../src/platform/web/routers';
import type { SessionUser } from '../../src/platform/identity/sessionUser';

describe('camelCased', () => {
  it('names columns the TypeScript way and keeps the values', () => {
    const at = new Date(0);
    expect(camelCased({ id: 1, to_address: 'a@b.tw', sent_at: at, issuer_agency_id: null, sha256: 'x' })).toEqual({
      id: 1,
      toAddress: 'a@b.tw',
      sentAt: at,
      issuerAgencyId: null,
      sha256: 'x',
    });
    expect(camelCase('revoked_reason')).toBe('revokedReason');
    expect(camelCase('line_2_text')).toBe('line2Text');
  });
});

describe('auditSource', () => {
  const ctx = { ip: '203.0.113.9', requestId: 'req-1' };
  it('labels a person by name and an agency session by its name and code', () => {
    const person = { kind: 'person', accountId: 7, name: '王小明' } as SessionUser;
    const agency = { kind: 'agency', accountId: 0, name: '', agencyName: '行政院人事行政總處', agencyCode: 'A096C0000Q' } as SessionUser;
    expect(auditSource(person, ctx)).toEqual({ actor: { accountId: 7, label: '王小明' }, ip: '203.0.113.9', requestId: 'req-1' });
    expect(auditSource(agency, ctx)).toEqual({ actor: { accountId: null, label: '行政院人事行政總處（A096C0000Q）' }, ip: '203.0.113.9', requestId: 'req-1' });
  });
});

describe('routerOf', () => {
  it('serves each part in turn', async () => {
    const a = express.Router().get('/a', (_req, res) => res.send('a'));
    const b = express.Router().get('/b', (_req, res) => res.send('b'));
    const app = express().use(routerOf(a, b));
    expect((await request(app).get('/a')).text).toBe('a');
    expect((await request(app).get('/b')).text).toBe('b');
    expect((await request(app).get('/c')).status).toBe(404);
  });
});
