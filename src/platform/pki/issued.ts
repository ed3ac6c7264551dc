import fs from 'node:fs';
import path from 'node:path';

/**
 * A CA's issuance records as the demo CAs write them (certificate serial / thumbprint → the holder's full national
 * ID), kept next to the CA as `ca/<ca>-issued.json`: what the demo identity check answers from.
 */
export interface IssuanceRecord {
  serialHex: string;
  thumbprint: string;
  cardNumber: string;
  nationalId: string;
}

export const issuedFile = (pkiDir: string, ca: string) => path.join(pkiDir, 'ca', `${ca}-issued.json`);
/** Serial numbers as upper-case hex without leading zeros. */
export const normalSerial = (hex: string) => hex.toUpperCase().replace(/^0+(?=.)/, '');

export function readIssued(pkiDir: string, ca: string): IssuanceRecord[] {
  const data = JSON.parse(fs.readFileSync(issuedFile(pkiDir, ca), 'utf8')) as { certificates?: IssuanceRecord[] };
  if (!Array.isArray(data.certificates)) throw new Error(`${issuedFile(pkiDir, ca)}: no certificates list`);
  return data.certificates;
}

