import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';
import pkcs11js from 'pkcs11js';

export const DEFAULT_PKCS11_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export function softhsmInstalled(modulePath = DEFAULT_PKCS11_MODULE): boolean {
  return fs.existsSync(modulePath) && fs.existsSync('/usr/bin/softhsm2-util');
}

/** Writes a SoftHSM2 configuration whose token folder lives under `dir`; returns its path. */
export function writeSoftHsmConfig(dir: string): string {
  const tokens = path.join(dir, 'tokens');
  fs.mkdirSync(tokens, { recursive: true });
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(conf, `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
  return conf;
}

export function initToken(conf: string, label: string, pin: string, soPin: string): void {
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', soPin], {
    env: { ...process.env, SOFTHSM2_CONF: conf },
    stdio: 'pipe',
  });
}

const bn = (b: forge.jsbn.BigInteger) => {
  const hex = b.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
};

/**
 * Puts an RSA private key, its public key and the certificate on a token under one
 * CKA_ID, as a card issuer would. Runs in this process through pkcs11js.
 */
export function importToToken(
  modulePath: string,
  conf: string,
  tokenLabel: string,
  pin: string,
  key: forge.pki.rsa.PrivateKey,
  certDer: Buffer,
  subjectDer: Buffer,
  label: string,
): void {
  const previous = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = conf;
  const p11 = new pkcs11js.PKCS11();
  p11.load(modulePath);
  p11.C_Initialize();
  try {
    const slot = p11
      .C_GetSlotList(true)
      .find((s) => p11.C_GetTokenInfo(s).label.trim() === tokenLabel);
    if (!slot) throw new Error(`token ${tokenLabel} not found`);
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_RW_SESSION | pkcs11js.CKF_SERIAL_SESSION);
    p11.C_Login(session, pkcs11js.CKU_USER, pin);
    // CKA_ID: SHA-1 of the modulus, shared by key, public key and certificate.
    const id = crypto.createHash('sha1').update(bn(key.n)).digest();
    const a = (type: number, value: boolean | number | string | Buffer) => ({ type, value });
    const common = [a(pkcs11js.CKA_TOKEN, true), a(pkcs11js.CKA_ID, id), a(pkcs11js.CKA_LABEL, label)];
    const create = (objectClass: number, ...attributes: ReturnType<typeof a>[]) =>
      p11.C_CreateObject(session, [...common, a(pkcs11js.CKA_CLASS, objectClass), ...attributes]);
    const rsaPublic = [a(pkcs11js.CKA_KEY_TYPE, pkcs11js.CKK_RSA), a(pkcs11js.CKA_MODULUS, bn(key.n)), a(pkcs11js.CKA_PUBLIC_EXPONENT, bn(key.e))];
    create(
      pkcs11js.CKO_PRIVATE_KEY,
      ...rsaPublic,
      ...[pkcs11js.CKA_PRIVATE, pkcs11js.CKA_SENSITIVE, pkcs11js.CKA_SIGN, pkcs11js.CKA_DECRYPT, pkcs11js.CKA_UNWRAP].map((t) => a(t, true)),
      a(pkcs11js.CKA_SUBJECT, subjectDer),
      ...([
        [pkcs11js.CKA_PRIVATE_EXPONENT, key.d],
        [pkcs11js.CKA_PRIME_1, key.p],
        [pkcs11js.CKA_PRIME_2, key.q],
        [pkcs11js.CKA_EXPONENT_1, key.dP],
        [pkcs11js.CKA_EXPONENT_2, key.dQ],
        [pkcs11js.CKA_COEFFICIENT, key.qInv],
      ] as const).map(([t, v]) => a(t, bn(v))),
    );
    create(pkcs11js.CKO_PUBLIC_KEY, ...rsaPublic, a(pkcs11js.CKA_VERIFY, true), a(pkcs11js.CKA_ENCRYPT, true));
    create(pkcs11js.CKO_CERTIFICATE, a(pkcs11js.CKA_CERTIFICATE_TYPE, pkcs11js.CKC_X_509), a(pkcs11js.CKA_SUBJECT, subjectDer), a(pkcs11js.CKA_VALUE, certDer));
    p11.C_Logout(session);
    p11.C_CloseSession(session);
  } finally {
    p11.C_Finalize();
    if (previous === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previous;
  }
}
