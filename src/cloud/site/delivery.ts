/**
 * 資料交換 下載 (單次服務): the approved services' rows of the applying agency as one UTF-8
 * CSV (a section per service, columns from the data dictionary), streamed through the CMS
 * EnvelopedData (AES-256) for the ENCRYPTION certificate (cert2, keyEncipherment|
 * dataEncipherment) of the agency card the application was signed with, into the upload store; the platform signs the finished file (detached .p7s) and registers its
 * fingerprint for /verify.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Db } from '../../platform/database';
import { detachedSignature, envelopeStream, pemToDer } from './cms';
import { dictionaryFields, physicalColumnNames, rowsAfter } from './deliveryRepository';

export interface DeliveredService {
  code: string;
  name: string;
  tableName: string | null;
}

const BATCH = 5000;

/**
 * An application filed before the card's encryption certificate was read with the signature:
 * its file is refused (never encrypted to the signing certificate or anything weaker); the
 * agency files the application again with the card, which reads cert2 this time.
 */
export const NO_ENCRYPTION_CERTIFICATE =
  '此申請案未登錄機關憑證IC卡的加密用憑證，無法產製加密檔案。資料交換檔案只加密給機關憑證的加密用憑證：請以機關憑證IC卡重新提出申請（簽章時會一併讀取加密用憑證），或洽系統管理員。';

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  const s = v instanceof Date ? v.toISOString().slice(0, 10) : String(v);
  // Formula-looking cells are prefixed so a spreadsheet shows them as text.
  const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Physical columns per table: the schema changes only with a migration (and a restart). */
const physicalCache = new Map<string, Promise<Set<string>>>();
function physicalColumns(db: Db, tableName: string): Promise<Set<string>> {
  let hit = physicalCache.get(tableName);
  if (!hit) {
    hit = physicalColumnNames(db, tableName);
    hit.catch(() => physicalCache.delete(tableName));
    physicalCache.set(tableName, hit);
  }
  return hit;
}

/** The delivered columns of a table: the dictionary's delivered fields that really exist, in order. */
export async function deliveredColumns(db: Db, tableName: string): Promise<Array<{ column: string; label: string }>> {
  const [fields, physical] = await Promise.all([
    dictionaryFields(db, tableName),
    physicalColumns(db, tableName),
  ]);
  return fields.filter((f) => physical.has(f.column) && f.column !== 'id');
}

/** Whether a table carries agency_id (then only the agency's own rows are delivered). */
export async function hasAgencyColumn(db: Db, tableName: string): Promise<boolean> {
  return (await physicalColumns(db, tableName)).has('agency_id');
}

/** The CSV text of the delivery, produced batch by batch (rows read as arrays: less garbage). */
export async function* deliveryCsv(db: Db, services: DeliveredService[], agencyId: number, counter: { rows: number }): AsyncGenerator<Buffer> {
  yield Buffer.from('\ufeff');
  for (const s of services) {
    if (!s.tableName) continue;
    const cols = await deliveredColumns(db, s.tableName);
    const scoped = (await hasAgencyColumn(db, s.tableName)) ? agencyId : null;
    yield Buffer.from(`#${csvCell(s.code)},${csvCell(s.name)}\r\n${cols.map((c) => csvCell(c.column)).join(',')}\r\n`);
    let after = 0;
    for (;;) {
      const rows = await rowsAfter(db, s.tableName, cols.map((c) => c.column), after, BATCH, scoped);
      if (!rows.length) break;
      const out: string[] = new Array(rows.length);
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        let line = '';
        for (let c = 1; c < r.length; c++) line += (c > 1 ? ',' : '') + csvCell(r[c]);
        out[i] = line;
      }
      counter.rows += rows.length;
      after = Number(rows[rows.length - 1]![0]);
      yield Buffer.from(out.join('\r\n') + '\r\n');
    }
    yield Buffer.from('\r\n');
  }
}

export interface BuiltFile {
  tempPath: string;
  size: number;
  sha256: string;
  rows: number;
  signature: Buffer;
}

/**
 * Streams `source` through the envelope into a file under `dir`; returns its digest and the
 * platform's detached signature over it.
 */
export async function buildEncryptedFile(
  source: AsyncIterable<Buffer>,
  recipientCertPem: string,
  signer: { certPem: string; key: crypto.KeyObject },
  dir: string,
  counter: { rows: number },
): Promise<BuiltFile> {
  await fs.promises.mkdir(dir, { recursive: true });
  const tempPath = path.join(dir, `delivery-${crypto.randomUUID()}`);
  const hash = crypto.createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(Readable.from(source), envelopeStream(pemToDer(recipientCertPem)), tap, fs.createWriteStream(tempPath, { mode: 0o600 }));
  } catch (e) {
    await fs.promises.rm(tempPath, { force: true });
    throw e;
  }
  const digest = hash.digest();
  const signature = detachedSignature(digest, pemToDer(signer.certPem), signer.key);
  return { tempPath, size, sha256: digest.toString('hex'), rows: counter.rows, signature };
}

/** certb64 (base64 DER) as kept with the application → PEM. */
export function certb64ToPem(certb64: string): string {
  const b64 = certb64.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}
