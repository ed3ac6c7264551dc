/**
 * The PKCS#11 layer of the smart-card bridge: slots, tokens, the certificates on a card,
 * signing and raw RSA decryption with the card's private key. Works with any PKCS#11
 * module (SoftHSM2 for development and tests, OpenSC or the card vendor's module).
 *
 * Every card operation opens a session, logs in, works and logs out again inside one
 * synchronous call, so no login state is ever left behind between requests.
 */
import fs from 'node:fs';
import path from 'node:path';
import pkcs11js from 'pkcs11js';
import { describeCertificate, type CertInfo } from './certinfo';

type Handle = Buffer;

/** The PKCS#11 return codes the bridge cares about. */
export const CKR = {
  PIN_INCORRECT: 0xa0,
  PIN_INVALID: 0xa1,
  PIN_LEN_RANGE: 0xa2,
  PIN_EXPIRED: 0xa3,
  PIN_LOCKED: 0xa4,
  USER_ALREADY_LOGGED_IN: 0x100,
  CRYPTOKI_ALREADY_INITIALIZED: 0x191,
} as const;

const CKF_TOKEN_PRESENT = 0x1;
const CKF_TOKEN_INITIALIZED = 0x400;

export type HashAlgorithm = 'SHA256' | 'SHA384' | 'SHA512';

const SIGN_MECHANISM: Record<HashAlgorithm, number> = {
  SHA256: pkcs11js.CKM_SHA256_RSA_PKCS,
  SHA384: pkcs11js.CKM_SHA384_RSA_PKCS,
  SHA512: pkcs11js.CKM_SHA512_RSA_PKCS,
};

/** The PKCS#11 module cannot be loaded or initialised: for the user, "no reader". */
export class NoReaderError extends Error {
  override name = 'NoReaderError';
}

/** C_Login failed; `ckr` is the PKCS#11 return code (CKR.PIN_INCORRECT, CKR.PIN_LOCKED...). */
export class CardLoginError extends Error {
  override name = 'CardLoginError';
  constructor(
    readonly ckr: number,
    message: string,
  ) {
    super(message);
  }
}

/** Another PKCS#11 failure while working with a card (ckr 0 when not a CKR code). */
export class CardOperationError extends Error {
  override name = 'CardOperationError';
  constructor(
    readonly ckr: number,
    message: string,
  ) {
    super(message);
  }
}

/** The card refused to decrypt the data given (C_DecryptInit / C_Decrypt failed after login). */
export class CardDecryptError extends CardOperationError {
  override name = 'CardDecryptError';
}

export interface TokenCertificate {
  /** CKA_ID shared by the certificate, its public key and its private key. */
  id: Buffer;
  label: string;
  der: Buffer;
  info: CertInfo;
}

export interface SlotView {
  slot: Handle;
  slotDescription: string;
  manufacturer: string;
  /** null when no (initialised) token is in the slot. */
  token: { label: string; serialNumber: string; manufacturer: string; model: string; flags: number } | null;
}

export interface Card {
  slot: Handle;
  slotDescription: string;
  label: string;
  /** Token serial number (HiPKI cardSN), 16 characters. */
  serial: string;
  manufacturer: string;
  model: string;
}

const trim = (s: string) => s.replace(/[\s\0]+$/, '');
const ckrOf = (e: unknown) => (e instanceof pkcs11js.Pkcs11Error ? e.code : 0);
const nameOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

// One loaded and initialised module per path and process: C_Initialize may only run once,
// and C_Finalize must wait for the last user (several bridges in one test process).
const modules = new Map<string, { p11: pkcs11js.PKCS11; refs: number }>();

function acquireModule(modulePath: string, softhsmConf: string | null): pkcs11js.PKCS11 {
  const known = modules.get(modulePath);
  if (known) {
    known.refs += 1;
    return known.p11;
  }
  if (path.isAbsolute(modulePath) && !fs.existsSync(modulePath)) throw new NoReaderError(`PKCS#11 module ${modulePath} not found`);
  // SoftHSM2 reads its configuration when initialised.
  if (softhsmConf) process.env.SOFTHSM2_CONF = softhsmConf;
  const p11 = new pkcs11js.PKCS11();
  try {
    p11.load(modulePath);
  } catch (e) {
    throw new NoReaderError(`cannot load PKCS#11 module ${modulePath}: ${nameOf(e)}`);
  }
  try {
    p11.C_Initialize();
  } catch (e) {
    if (ckrOf(e) !== CKR.CRYPTOKI_ALREADY_INITIALIZED) {
      try {
        p11.close();
      } catch {
        /* ignore */
      }
      throw new NoReaderError(`cannot initialise PKCS#11 module ${modulePath}: ${nameOf(e)}`);
    }
  }
  modules.set(modulePath, { p11, refs: 1 });
  return p11;
}

function releaseModule(modulePath: string): void {
  const known = modules.get(modulePath);
  if (!known) return;
  known.refs -= 1;
  if (known.refs > 0) return;
  modules.delete(modulePath);
  try {
    known.p11.C_Finalize();
  } catch {
    /* already finalised */
  }
  try {
    known.p11.close();
  } catch {
    /* ignore */
  }
}

/** DER DigestInfo prefixes (RFC 8017 §9.2) for signing a precomputed hash with CKM_RSA_PKCS. */
const DIGEST_INFO_PREFIX: Record<HashAlgorithm, string> = {
  SHA256: '3031300d060960864801650304020105000420',
  SHA384: '3041300d060960864801650304020205000430',
  SHA512: '3051300d060960864801650304020305000440',
};

export function digestInfo(hash: HashAlgorithm, digest: Buffer): Buffer {
  return Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[hash], 'hex'), digest]);
}

/**
 * The cards behind one PKCS#11 module. The module is loaded lazily on first use, and
 * retried on the next call when that failed (the user may plug in or install later).
 */
export class TokenLayer {
  private p11: pkcs11js.PKCS11 | null = null;
  private closed = false;

  constructor(
    readonly modulePath: string,
    private readonly softhsmConf: string | null = null,
  ) {}

  /** The initialised module; throws NoReaderError when it cannot be loaded. */
  private module(): pkcs11js.PKCS11 {
    if (this.closed) throw new NoReaderError('the bridge is closed');
    if (!this.p11) this.p11 = acquireModule(this.modulePath, this.softhsmConf);
    return this.p11;
  }

  /** Whether the module loads. */
  available(): boolean {
    try {
      this.module();
      return true;
    } catch {
      return false;
    }
  }

  /** Every slot ("reader"), with its token when one is present and initialised. */
  slots(): SlotView[] {
    const p11 = this.module();
    return p11.C_GetSlotList(false).map((slot) => {
      const info = p11.C_GetSlotInfo(slot);
      let token: SlotView['token'] = null;
      try {
        if (info.flags & CKF_TOKEN_PRESENT) {
          const t = p11.C_GetTokenInfo(slot);
          if (t.flags & CKF_TOKEN_INITIALIZED) {
            token = { label: trim(t.label), serialNumber: trim(t.serialNumber), manufacturer: trim(t.manufacturerID), model: trim(t.model), flags: t.flags };
          }
        }
      } catch {
        token = null; // removed meanwhile, or unreadable
      }
      return { slot, slotDescription: trim(info.slotDescription), manufacturer: trim(info.manufacturerID), token };
    });
  }

  /** The initialised tokens in the slots that have one (C_GetSlotList(true)). */
  cards(): Card[] {
    const p11 = this.module();
    const out: Card[] = [];
    for (const slot of p11.C_GetSlotList(true)) {
      try {
        const t = p11.C_GetTokenInfo(slot);
        if (!(t.flags & CKF_TOKEN_INITIALIZED)) continue;
        out.push({
          slot,
          slotDescription: trim(p11.C_GetSlotInfo(slot).slotDescription),
          label: trim(t.label),
          serial: trim(t.serialNumber),
          manufacturer: trim(t.manufacturerID),
          model: trim(t.model),
        });
      } catch {
        /* token removed meanwhile */
      }
    }
    return out;
  }

  private find(session: Handle, template: pkcs11js.Template): Handle[] {
    const p11 = this.module();
    p11.C_FindObjectsInit(session, template);
    try {
      const out: Handle[] = [];
      for (;;) {
        const batch = p11.C_FindObjects(session, 32);
        if (!batch.length) break;
        out.push(...batch);
      }
      return out;
    } finally {
      p11.C_FindObjectsFinal(session);
    }
  }

  /** The X.509 certificates on a token (public objects: no login needed). */
  certificates(slot: Handle): TokenCertificate[] {
    const p11 = this.module();
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    try {
      const out: TokenCertificate[] = [];
      for (const obj of this.find(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
      ])) {
        const attrs = p11.C_GetAttributeValue(session, obj, [{ type: pkcs11js.CKA_VALUE }, { type: pkcs11js.CKA_ID }, { type: pkcs11js.CKA_LABEL }]);
        const der = attrs[0]?.value;
        if (!Buffer.isBuffer(der) || !der.length) continue;
        let info: CertInfo;
        try {
          info = describeCertificate(der);
        } catch {
          continue; // not a certificate we can read
        }
        const id = attrs[1]?.value;
        const label = attrs[2]?.value;
        out.push({ id: Buffer.isBuffer(id) ? id : Buffer.alloc(0), label: Buffer.isBuffer(label) ? label.toString('utf8') : '', der, info });
      }
      return out;
    } finally {
      p11.C_CloseSession(session);
    }
  }

  /**
   * Opens a session, logs the user in with `pin`, runs `fn`, logs out. A failing C_Login
   * throws CardLoginError; other PKCS#11 failures throw CardOperationError.
   */
  withUserSession<T>(slot: Handle, pin: string, fn: (session: Handle, p11: pkcs11js.PKCS11) => T): T {
    const p11 = this.module();
    let session: Handle;
    try {
      session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    } catch (e) {
      throw new CardOperationError(ckrOf(e), `cannot open a session: ${nameOf(e)}`);
    }
    let loggedIn = false;
    try {
      try {
        p11.C_Login(session, pkcs11js.CKU_USER, pin);
      } catch (e) {
        if (ckrOf(e) !== CKR.USER_ALREADY_LOGGED_IN) throw new CardLoginError(ckrOf(e), nameOf(e));
        // Another session of this process is logged in: that says nothing about `pin`.
        // Log the token out and log in again, so a wrong PIN is always refused (and counted).
        try {
          p11.C_Logout(session);
        } catch {
          /* the other session may have logged out meanwhile */
        }
        try {
          p11.C_Login(session, pkcs11js.CKU_USER, pin);
        } catch (again) {
          throw new CardLoginError(ckrOf(again), nameOf(again));
        }
      }
      loggedIn = true;
      try {
        return fn(session, p11);
      } catch (e) {
        if (e instanceof CardOperationError || e instanceof CardLoginError) throw e;
        throw new CardOperationError(ckrOf(e), nameOf(e));
      }
    } finally {
      closeSession(p11, session, loggedIn);
    }
  }

  /** The private key with the certificate's CKA_ID (after login). */
  private privateKey(session: Handle, id: Buffer): Handle {
    const template: pkcs11js.Template = [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }];
    if (id.length) template.push({ type: pkcs11js.CKA_ID, value: id });
    const keys = this.find(session, template);
    if (!keys.length) throw new CardOperationError(0, 'no private key for this certificate');
    if (keys.length > 1 && !id.length) throw new CardOperationError(0, 'several private keys and no CKA_ID to choose');
    return keys[0]!;
  }

  /** Signs `data` with the key of certificate `id`: CKM_SHA{256,384,512}_RSA_PKCS (PKCS#1 v1.5). */
  sign(slot: Handle, id: Buffer, pin: string, data: Buffer, hash: HashAlgorithm = 'SHA256'): Buffer {
    return this.withUserSession(slot, pin, (session) => this.signInSession(session, id, data, hash));
  }

  /** The same, in a session that is already logged in (inside withUserSession / withCardLogin). */
  signInSession(session: Handle, id: Buffer, data: Buffer, hash: HashAlgorithm = 'SHA256'): Buffer {
    const p11 = this.module();
    const key = this.privateKey(session, id);
    p11.C_SignInit(session, { mechanism: SIGN_MECHANISM[hash] }, key);
    return Buffer.from(p11.C_Sign(session, data, Buffer.alloc(1024)));
  }

  /** Signs a DER DigestInfo with CKM_RSA_PKCS (for CMS, where the hash is computed here). */
  signDigestInfo(session: Handle, id: Buffer, info: Buffer): Buffer {
    const p11 = this.module();
    const key = this.privateKey(session, id);
    p11.C_SignInit(session, { mechanism: pkcs11js.CKM_RSA_PKCS }, key);
    return Buffer.from(p11.C_Sign(session, info, Buffer.alloc(1024)));
  }

  /** Raw RSA PKCS#1 v1.5 decryption (CKM_RSA_PKCS) with the key of certificate `id`. */
  decryptRaw(slot: Handle, id: Buffer, pin: string, data: Buffer): Buffer {
    return this.withUserSession(slot, pin, (session) => this.decryptRawInSession(session, id, data));
  }

  /**
   * CKM_RSA_PKCS decryption in a session that is already logged in (inside
   * withUserSession / BridgeService.withCardLogin), e.g. a CMS content-encryption key.
   */
  decryptRawInSession(session: Handle, id: Buffer, data: Buffer): Buffer {
    const p11 = this.module();
    const key = this.privateKey(session, id);
    try {
      p11.C_DecryptInit(session, { mechanism: pkcs11js.CKM_RSA_PKCS }, key);
      return Buffer.from(p11.C_Decrypt(session, data, Buffer.alloc(1024)));
    } catch (e) {
      throw new CardDecryptError(ckrOf(e), `RSA decryption failed: ${nameOf(e)}`);
    }
  }

  /**
   * Logs in as security officer with the SO PIN (PUK) and, when `newPin` is given,
   * sets a new user PIN (C_InitPIN). Throws CardLoginError when the SO PIN is wrong.
   */
  soLogin(slot: Handle, soPin: string, newPin?: string): void {
    const p11 = this.module();
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    let loggedIn = false;
    try {
      try {
        p11.C_Login(session, pkcs11js.CKU_SO, soPin);
        loggedIn = true;
      } catch (e) {
        throw new CardLoginError(ckrOf(e), nameOf(e));
      }
      if (newPin !== undefined) {
        try {
          p11.C_InitPIN(session, newPin);
        } catch (e) {
          throw new CardOperationError(ckrOf(e), `cannot set the new PIN: ${nameOf(e)}`);
        }
      }
    } finally {
      closeSession(p11, session, loggedIn);
    }
  }

  /** Releases the module (finalised when no other user in this process is left). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.p11) releaseModule(this.modulePath);
    this.p11 = null;
  }
}

/** Logs out (when logged in) and closes a session, whatever state the card is in. */
function closeSession(p11: pkcs11js.PKCS11, session: Buffer, loggedIn: boolean): void {
  if (loggedIn) {
    try {
      p11.C_Logout(session);
    } catch {
      /* the card may already have dropped the login */
    }
  }
  try {
    p11.C_CloseSession(session);
  } catch {
    /* already closed */
  }
}
