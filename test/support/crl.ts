import crypto from 'node:crypto';
import { NULL, int, oid, seq, tlv, utcTime } from '../../src/platform/pki/der';

export type CrlAlgorithm = 'sha256' | 'sha384' | 'sha512' | 'pss-sha256' | 'ecdsa-sha256';

const ALG: Record<CrlAlgorithm, Buffer> = {
  sha256: seq(oid('1.2.840.113549.1.1.11'), NULL),
  sha384: seq(oid('1.2.840.113549.1.1.12'), NULL),
  sha512: seq(oid('1.2.840.113549.1.1.13'), NULL),
  'pss-sha256': seq(
    oid('1.2.840.113549.1.1.10'),
    seq(tlv(0xa0, seq(oid('2.16.840.1.101.3.4.2.1'), NULL)), tlv(0xa1, seq(oid('1.2.840.113549.1.1.8'), seq(oid('2.16.840.1.101.3.4.2.1'), NULL))), tlv(0xa2, int(32))),
  ),
  'ecdsa-sha256': seq(oid('1.2.840.10045.4.3.2')),
};

/** A serial number INTEGER from hex (a leading 00 when the high bit is set). */
function serialInt(hex: string): Buffer {
  let b = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

/**
 * A CRL built straight in DER and signed with Node's crypto (node-forge has no CRL writer
 * fast enough for 500 000 entries): `issuer` is the CA's subject Name DER, `key` its private key.
 */
export function buildCrl(opts: {
  issuer: Buffer;
  key: crypto.KeyObject;
  algorithm?: CrlAlgorithm;
  thisUpdate?: Date;
  nextUpdate?: Date | null;
  serials: readonly string[];
  /** Encode thisUpdate with a long-form length (valid BER the CA signed; a re-encoding would differ). */
  longFormTime?: boolean;
}): Buffer {
  const algorithm = opts.algorithm ?? 'sha256';
  const thisUpdate = opts.thisUpdate ?? new Date(Date.now() - 60_000);
  const nextUpdate = opts.nextUpdate === undefined ? new Date(thisUpdate.getTime() + 7 * 86_400_000) : opts.nextUpdate;
  const at = utcTime(new Date(thisUpdate.getTime() - 86_400_000));
  const entries = opts.serials.map((s) => seq(serialInt(s), at));
  let thisTime = utcTime(thisUpdate);
  if (opts.longFormTime) thisTime = Buffer.concat([Buffer.from([0x17, 0x81, thisTime[1]!]), thisTime.subarray(2)]);
  const tbs = seq(int(1), ALG[algorithm], opts.issuer, thisTime, ...(nextUpdate ? [utcTime(nextUpdate)] : []), ...(entries.length ? [tlv(0x30, Buffer.concat(entries))] : []));
  const signature =
    algorithm === 'pss-sha256'
      ? crypto.sign('sha256', tbs, { key: opts.key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
      : crypto.sign(algorithm === 'ecdsa-sha256' ? 'sha256' : algorithm, tbs, opts.key);
  return seq(tbs, ALG[algorithm], tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
}

/** `n` distinct 16-byte serials in hex, upper case, the first byte below 0x80. */
export function serials(n: number, seed = 1): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${(0x10 + (seed % 0x60)).toString(16)}${i.toString(16).padStart(30, '0')}`.toUpperCase());
  return out;
}
