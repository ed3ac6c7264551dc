import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import type { Knex } from 'knex';

/**
 * An application as the wizard would have stored it (signed with `card`), with its
 * service lines already reviewed: for delivery tests that do not walk the wizard.
 */
export async function makeApplication(
  db: Knex,
  opts: {
    agencyCode?: string; kind: 'file' | 'ws'; approved: string[]; rejected?: string[]; periodFrom?: string; periodTo?: string; card?: string; pkiDir?: string;
    /** false: an application filed before the card's encryption certificate (cert2) was read with it. */
    encCert?: boolean;
  },
) {
  const agency = await db('agency').where({ code: opts.agencyCode ?? 'A096C0000Q' }).first('id');
  const certPem = fs.readFileSync(path.join(opts.pkiDir ?? inject('pkiDir'), 'cards', opts.card ?? 'agency-ntunhs', 'cert.pem'), 'utf8');
  const certb64 = certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const thumb = new crypto.X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase();
  // The card's encryption certificate (cert2), read by card.js with the signature.
  const encPem = opts.encCert === false ? null : fs.readFileSync(path.join(opts.pkiDir ?? inject('pkiDir'), 'cards', opts.card ?? 'agency-ntunhs', 'enc-cert.pem'), 'utf8');
  const enc = encPem
    ? { enc_certb64: encPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, ''), enc_cert_thumbprint: new crypto.X509Certificate(encPem).fingerprint256.replace(/:/g, '').toLowerCase() }
    : {};
  // ROC year 199: never one the wizard hands out.
  const unique = `${opts.kind === 'file' ? 'APFQ' : 'APSQ'}199${String(crypto.randomInt(0, 100000)).padStart(5, '0')}`;
  const status = opts.approved.length && opts.rejected?.length ? 'partial' : opts.approved.length ? 'approved' : 'rejected';
  const [app] = await db('cloud_application')
    .insert({
      number: unique,
      kind: opts.kind,
      agency_id: agency.id,
      contact_name: '林小美',
      contact_phone: '02-28227101',
      contact_email: 'hr@ntunhs.edu.tw',
      period_from: opts.periodFrom ?? '2026-01-01',
      period_to: opts.periodTo ?? '2027-12-31',
      purpose: '人事資料比對',
      legal_basis: '公務人員任用法',
      specific_purpose: '人事管理',
      system_name: '人事管理系統',
      os: 'Linux',
      language: 'TypeScript',
      database_name: 'PostgreSQL',
      computer_name: 'hr-01',
      ip_addresses: db.raw("'{127.0.0.1}'::inet[]"),
      user_scopes: db.raw("'{internal}'::text[]"),
      status,
      digest: 'a'.repeat(64),
      tbs: 'tbs',
      signature: 'sig',
      certb64,
      cert_thumbprint: thumb,
      ...enc,
      card_number: null,
      verification_code: `T${crypto.randomBytes(9).toString('hex')}`.slice(0, 19),
      submitted_at: new Date(),
    })
    .returning(['id', 'number']);
  const services = await db('cloud_service').whereIn('code', [...opts.approved, ...(opts.rejected ?? [])]).select('id', 'code');
  await db('cloud_application_service').insert(
    services.map((s: { id: number; code: string }) => ({ application_id: app.id, service_id: s.id, result: opts.approved.includes(s.code) ? 'approved' : 'rejected', reviewed_at: new Date() })),
  );
  return app as { id: number; number: string };
}

export const pkiFile = (...p: string[]) => path.join(inject('pkiDir'), ...p);
