import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';

/** What the bridge would answer for a demo card: the signature over the tbs and the certificate. */
export function signAs(card: string, tbs: string, opts: { keyOf?: string } = {}) {
  const dir = path.join(inject('pkiDir'), 'cards');
  const key = fs.readFileSync(path.join(dir, opts.keyOf ?? card, 'key.pem'), 'utf8');
  const certPem = fs.readFileSync(path.join(dir, card, 'cert.pem'), 'utf8');
  const certb64 = certPem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  const signature = crypto.sign('sha256', Buffer.from(tbs, 'utf8'), key).toString('base64');
  return { tbs, signature, certb64 };
}

export function certThumbprint(card: string): string {
  const pem = fs.readFileSync(path.join(inject('pkiDir'), 'cards', card, 'cert.pem'), 'utf8');
  return new crypto.X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}
