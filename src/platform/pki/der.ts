/**
 * DER building blocks (X.690) shared by the CMS messages the bridge signs on the user's PC
 * and the portal's own (cloud delivery): TLVs, OIDs, times, and a certificate's raw issuer
 * and serial (copied byte for byte, so signer lookup never depends on re-encoding).
 */
export function len(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const tlv = (tag: number, ...content: Buffer[]) => {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), len(body.length), body]);
};
export const seq = (...c: Buffer[]) => tlv(0x30, ...c);
export const set = (...c: Buffer[]) => tlv(0x31, ...c);
export const int = (n: number) => tlv(0x02, Buffer.from([n]));
export const octets = (b: Buffer) => tlv(0x04, b);
export const NULL = Buffer.from([0x05, 0x00]);

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) stack.unshift((v & 0x7f) | 0x80);
    out.push(...stack);
  }
  return tlv(0x06, Buffer.from(out));
}

export function utcTime(d: Date): Buffer {
  const p = (n: number) => String(n).padStart(2, '0');
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, 'ascii'));
}

/** One TLV at `offset`: tag, where the content starts and where the element ends. */
function readTlv(der: Buffer, offset: number): { tag: number; start: number; end: number } {
  const tag = der[offset]!;
  let l = der[offset + 1]!;
  let start = offset + 2;
  if (l & 0x80) {
    const n = l & 0x7f;
    l = 0;
    for (let i = 0; i < n; i++) l = l * 256 + der[start + i]!;
    start += n;
  }
  const end = start + l;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, start, end };
}

/** The raw DER of the issuer Name and serial number INTEGER of a certificate. */
export function issuerAndSerial(certDer: Buffer): { issuer: Buffer; serial: Buffer } {
  const cert = readTlv(certDer, 0);
  const tbs = readTlv(certDer, cert.start);
  let at = tbs.start;
  let el = readTlv(certDer, at);
  if (el.tag === 0xa0) {
    at = el.end; // [0] version
    el = readTlv(certDer, at);
  }
  const serial = certDer.subarray(at, el.end);
  const sigAlg = readTlv(certDer, el.end);
  const issuerEl = readTlv(certDer, sigAlg.end);
  return { issuer: certDer.subarray(sigAlg.end, issuerEl.end), serial };
}
