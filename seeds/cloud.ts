import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { prng } from './demo';
import { counter } from '../src/platform/counter';
import { taipeiToday } from '../src/platform/dates';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

interface DemoApplication {
  agency: string;
  kind: 'file' | 'ws';
  submitted: string;
  from: string;
  to: string;
  services: string[];
  /** One result per service: approved / rejected / pending. */
  results: Array<'approved' | 'rejected' | 'pending'>;
  contact: [name: string, phone: string, email: string];
}

const DEMO_APPS: DemoApplication[] = [
  { agency: 'A096C0000Q', kind: 'ws', submitted: '2026-10-05T09:12:00+08:00', from: '2026-10-10', to: '2027-12-31', services: ['SQ_MA_001', 'SQ_TA_001', 'SQ_COM_01'], results: ['approved', 'approved', 'approved'], contact: ['林怡君', '02-28227101#2101', 'hr@ntunhs.edu.tw'] },
  { agency: 'A096C0000Q', kind: 'file', submitted: '2026-10-12T14:30:00+08:00', from: '2026-10-15', to: '2027-06-30', services: ['SQ_PA_001', 'SQ_TA_002'], results: ['approved', 'rejected'], contact: ['林怡君', '02-28227101#2101', 'hr@ntunhs.edu.tw'] },
  { agency: 'A096C0000Q', kind: 'file', submitted: '2026-11-02T10:05:00+08:00', from: '2026-11-10', to: '2027-03-31', services: ['SQ_TA_003'], results: ['pending'], contact: ['陳志明', '02-28227101#2102', 'hr2@ntunhs.edu.tw'] },
  { agency: 'A096C0000Q', kind: 'ws', submitted: '2026-11-05T16:40:00+08:00', from: '2026-11-10', to: '2027-11-09', services: ['SQ_TA_004'], results: ['rejected'], contact: ['陳志明', '02-28227101#2102', 'hr2@ntunhs.edu.tw'] },
  { agency: '376470000A', kind: 'file', submitted: '2026-10-20T11:00:00+08:00', from: '2026-10-25', to: '2027-10-24', services: ['SQ_TA_001', 'SQ_TA_005', 'SQ_TA_006'], results: ['approved', 'approved', 'approved'], contact: ['張雅婷', '02-23979298#301', 'it@dgpa.gov.tw'] },
  { agency: '376470000A', kind: 'ws', submitted: '2026-11-08T09:30:00+08:00', from: '2026-11-15', to: '2027-11-14', services: ['SQ_MA_002', 'SQ_TA_007', 'SQ_TA_008'], results: ['pending', 'pending', 'pending'], contact: ['張雅婷', '02-23979298#301', 'it@dgpa.gov.tw'] },
  { agency: '301000000A', kind: 'ws', submitted: '2026-10-28T15:20:00+08:00', from: '2026-11-01', to: '2027-10-31', services: ['SQ_PA_001', 'SQ_PA_002'], results: ['approved', 'rejected'], contact: ['黃建國', '02-23565000#120', 'personnel@moi.gov.tw'] },
  { agency: '301000000A', kind: 'file', submitted: '2026-11-12T08:50:00+08:00', from: '2026-11-20', to: '2027-02-28', services: ['SQ_MA_001'], results: ['rejected'], contact: ['黃建國', '02-23565000#120', 'personnel@moi.gov.tw'] },
  { agency: '301000000A', kind: 'file', submitted: '2026-11-18T13:15:00+08:00', from: '2026-12-01', to: '2027-05-31', services: ['SQ_TA_002', 'SQ_TA_003'], results: ['pending', 'pending'], contact: ['黃建國', '02-23565000#120', 'personnel@moi.gov.tw'] },
];

/** The newest application above is of this day; the demo moves them all as many days as the loading day is after it. */
const LAID_OUT_ON = '2026-11-20';
const DAY = 86_400_000;

/** The applications laid out relative to `today` (never earlier than written). */
export function appsAsOf(today: string): typeof DEMO_APPS {
  const shift = Math.max(0, Math.round((Date.parse(today) - Date.parse(LAID_OUT_ON)) / DAY)) * DAY;
  const day = (iso: string) => new Date(Date.parse(iso) + shift).toISOString().slice(0, 10);
  return DEMO_APPS.map((a) => ({ ...a, submitted: new Date(Date.parse(a.submitted) + shift).toISOString(), from: day(a.from), to: day(a.to) }));
}

function status(results: string[]): string {
  if (results.some((r) => r === 'pending')) return 'pending';
  if (results.every((r) => r === 'approved')) return 'approved';
  if (results.every((r) => r === 'rejected')) return 'rejected';
  return 'partial';
}

/**
 * Demo applications of a few agencies in every status and both kinds. They were filed
 * before the card PKI of this install existed, so they carry no card signature
 * (tbs 'demo-seed', no certificate); applications made through the wizard do.
 */
export async function seedCloudDemo(db: Knex): Promise<Record<string, number> | null> {
  if (await db('cloud_application').first('id')) return null;
  const APPS = appsAsOf(taipeiToday());
  const services = new Map<string, number>((await db('cloud_service').select('id', 'code')).map((s: { id: number; code: string }) => [s.code, s.id]));
  if (services.size === 0) return null;
  const agencies = new Map<string, { id: number; name: string }>(
    (await db('agency').whereIn('code', [...new Set(APPS.map((a) => a.agency))]).select('id', 'code', 'name')).map((a: { id: number; code: string; name: string }) => [a.code, a]),
  );
  const admin = await db('account').where({ username: 'mocs.admin' }).first('id');
  const r = prng(2025);
  const code = () => Array.from({ length: 16 }, () => ALPHABET[r.int(0, 31)]).join('').match(/.{4}/g)!.join('-');
  const serial: Record<string, number> = {};
  let n = 0;
  await db.transaction(async (trx) => {
    for (const a of APPS) {
      const agency = agencies.get(a.agency);
      if (!agency) continue;
      const prefix = a.kind === 'ws' ? 'APSQ' : 'APFQ';
      serial[prefix] = (serial[prefix] ?? 0) + 1;
      const number = `${prefix}115${String(serial[prefix]).padStart(5, '0')}`;
      const verificationCode = code();
      const digest = crypto.createHash('sha256').update(`${number}|${agency.name}|${a.submitted}`).digest('hex');
      const st = status(a.results);
      const reviewed = st !== 'pending';
      const [row] = await trx('cloud_application')
        .insert({
          number,
          kind: a.kind,
          agency_id: agency.id,
          contact_name: a.contact[0],
          contact_phone: a.contact[1],
          contact_email: a.contact[2],
          period_from: a.from,
          period_to: a.to,
          purpose: a.kind === 'ws' ? '人事管理系統即時查詢銓審及退撫資料' : '年度人事資料清查比對',
          legal_basis: '公務人員任用法、個人資料保護法第16條',
          specific_purpose: '人事管理（002）',
          system_name: a.kind === 'ws' ? 'WebHR 人事管理系統' : '人事資料比對作業',
          os: r.pick(['Windows Server 2022', 'Red Hat Enterprise Linux 9', 'Ubuntu 24.04']),
          language: r.pick(['Java', 'C#', 'TypeScript', 'Python']),
          database_name: r.pick(['Oracle 19c', 'SQL Server 2022', 'PostgreSQL 16']),
          computer_name: `hr-${a.agency.toLowerCase().slice(0, 6)}-${r.int(1, 9)}`,
          ip_addresses: [`10.${r.int(1, 250)}.${r.int(1, 250)}.${r.int(2, 250)}`, '127.0.0.1'],
          user_scopes: a.kind === 'ws' ? ['internal', 'external'] : ['internal'],
          conditions: a.kind === 'file' ? '申請一次性現職人員基本資料，以本機關人員為限。' : null,
          status: st,
          digest,
          tbs: 'demo-seed',
          signature: '',
          certb64: '',
          cert_thumbprint: '',
          card_number: null,
          verification_code: verificationCode,
          submitted_at: a.submitted,
          review_note: reviewed ? (st === 'approved' ? '符合申請資格，准予介接。' : st === 'rejected' ? '申請用途與所申請資料不符。' : '部分服務非執行職務必要，僅核准部分服務。') : null,
          reviewed_by: reviewed ? (admin?.id ?? null) : null,
          reviewer_name: reviewed ? '銓敘部管理者' : null,
          reviewed_at: reviewed ? new Date(new Date(a.submitted).getTime() + 2 * 86400_000) : null,
        })
        .returning('id');
      await trx('cloud_application_service').insert(
        a.services.map((s, i) => ({
          application_id: row.id,
          service_id: services.get(s),
          result: a.results[i],
          note: a.results[i] === 'rejected' ? '非執行職務必要範圍' : null,
          reviewed_at: a.results[i] === 'pending' ? null : new Date(new Date(a.submitted).getTime() + 2 * 86400_000),
        })),
      );
      await trx('issued_document').insert({
        code: verificationCode,
        kind: 'cloud_application',
        title: `人事雲端服務平台資料交換服務申請表 ${number}`,
        issuer_name: agency.name,
        issuer_agency_id: agency.id,
        issued_at: a.submitted,
        sha256: digest,
        signer: agency.name,
        area: 'cloud',
      });
      n++;
    }
    for (const [prefix, last] of Object.entries(serial)) {
      await counter.raiseTo(trx, 'cloud.application', `${prefix}115`, last);
    }
  });
  return { applications: n };
}
