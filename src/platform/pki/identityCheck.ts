/**
 * The certificate authority's identity check: does this card certificate belong to the person
 * with this full national ID? A MOICA certificate carries only the last 4 digits of the ID, so
 * binding a card to a person asks the CA (MOICA offers agencies such a service).
 *
 * - `http`: a JSON service at MOICA_ID_CHECK_URL (contract in docs/OPERATIONS.md):
 *     POST {"serialNumber","issuer","certificate","nationalId"} → 200 {"match": true|false}
 * - `demo`: the demo CA's issuance records (PKI_DIR/ca/moica-issued.json), for development and tests.
 * - `off`: nothing configured in production; card activation is refused.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { normalSerial, readIssued } from './issued';

export interface IdentityQuery {
  /** The card certificate, DER as base64. */
  certB64: string;
  serialHex: string;
  issuerDn: string;
  /** The person's full national ID, from the personnel master. */
  nationalId: string;
}

export interface IdentityCheck {
  readonly kind: 'demo' | 'http' | 'off';
  /**
   * true: the CA issued this certificate to `nationalId`; false: to someone else (or the CA
   * does not know it). Throws IdentityCheckUnavailable when there is no usable answer.
   */
  holds(q: IdentityQuery): Promise<boolean>;
}

export type IdentityCheckConfig =
  | { kind: 'demo' }
  | { kind: 'http'; url: string; timeoutMs: number; caFile?: string }
  | { kind: 'off'; reason: string };

/** No usable answer from the identity check (down, slow, garbage, not configured). */
export class IdentityCheckUnavailable extends Error {
  override name = 'IdentityCheckUnavailable';
  constructor(
    readonly reason: 'off' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}

const MAX_ANSWER_BYTES = 16 * 1024;

export function createIdentityCheck(cfg: IdentityCheckConfig, pkiDir: string): IdentityCheck {
  if (cfg.kind === 'demo') return demoIdentityCheck(pkiDir);
  if (cfg.kind === 'http') return httpIdentityCheck(cfg);
  return {
    kind: 'off',
    async holds() {
      throw new IdentityCheckUnavailable('off', cfg.reason);
    },
  };
}

/** Answers from the demo CA's issuance records (read on each call: tests add cards). */
export function demoIdentityCheck(pkiDir: string): IdentityCheck {
  return {
    kind: 'demo',
    async holds(q) {
      let records;
      try {
        records = readIssued(pkiDir, 'moica');
      } catch (err) {
        throw new IdentityCheckUnavailable('unavailable', `demo issuance records unreadable: ${(err as Error).message}`);
      }
      const serial = normalSerial(q.serialHex);
      const record = records.find((r) => normalSerial(r.serialHex) === serial);
      return Boolean(record) && record!.nationalId === q.nationalId;
    },
  };
}

/** The CA's service over HTTPS (HTTP only outside production), with an overall timeout. */
export function httpIdentityCheck(opts: { url: string; timeoutMs: number; caFile?: string }): IdentityCheck {
  const url = new URL(opts.url);
  const ca = opts.caFile ? fs.readFileSync(opts.caFile) : undefined;
  const client = url.protocol === 'https:' ? https : http;
  return {
    kind: 'http',
    holds(q) {
      const body = JSON.stringify({ serialNumber: normalSerial(q.serialHex), issuer: q.issuerDn, certificate: q.certB64, nationalId: q.nationalId });
      return new Promise<boolean>((resolve, reject) => {
        let settled = false;
        const fail = (message: string) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          req.destroy();
          reject(new IdentityCheckUnavailable('unavailable', message));
        };
        const req = client.request(
          url,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
            ...(ca ? { ca } : {}),
          },
          (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size > MAX_ANSWER_BYTES) return fail('identity check answer too large');
              chunks.push(chunk);
            });
            res.on('error', (err) => fail(`identity check answer broken: ${err.message}`));
            res.on('end', () => {
              if (settled) return;
              if (res.statusCode !== 200) return fail(`identity check answered HTTP ${res.statusCode}`);
              let answer: unknown;
              try {
                answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              } catch {
                return fail('identity check answer is not JSON');
              }
              const match = (answer as { match?: unknown } | null)?.match;
              if (typeof match !== 'boolean') return fail('identity check answer has no boolean "match"');
              settled = true;
              clearTimeout(timer);
              resolve(match);
            });
          },
        );
        const timer = setTimeout(() => fail(`identity check gave no answer within ${opts.timeoutMs} ms`), opts.timeoutMs);
        req.on('error', (err) => fail(`identity check unreachable: ${err.message}`));
        req.end(body);
      });
    },
  };
}
