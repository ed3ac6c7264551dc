/**
 * The bridge's protocol logic (HiPKI local sign server): tbsPackage in, result JSON out,
 * plus the /pkcs11info listing, decrypting delivered data files (CMS EnvelopedData) and
 * the unlock with the SO PIN. No HTTP here.
 */
import { z } from 'zod';
import type { BridgeConfig } from './config';
import { LAST_ERROR, MAX_PIN_LENGTH, MAX_PIN_TRIES, RET, RET_MESSAGES, SERVER_VERSION } from './codes';
import { cmsSignedData } from './cms';
import { EnvelopeError, cardKeyAdapter, checkSupported, decryptContent, findRecipient, parseEnvelopedData, unwrapKey, type EnvelopedMessage, type Recipient } from './envelope';
import { hipkiCert, type HipkiCert } from './certinfo';
import { PinCounterStore } from './state';
import { CKR, CardDecryptError, CardLoginError, CardOperationError, NoReaderError, TokenLayer, digestInfo, type Card, type HashAlgorithm, type TokenCertificate } from './token';

export type BridgeFunc = 'MakeSignature' | 'GetUserCert' | 'CheckEnvir';

/**
 * What the popup posts back (HiPKI): `func` is "sign" for MakeSignature (and for any
 * request that is not one of the listing functions), "pkcs11info" for GetUserCert and
 * CheckEnvir, whose answer is the /pkcs11info?withcert=true listing.
 */
export type ReplyFunc = 'sign' | 'pkcs11info' | 'decrypt';

/** The answer to MakeSignature (HiPKI field names). */
export interface BridgeResult {
  func: ReplyFunc;
  ret_code: number;
  last_error: number | string;
  serverVersion: string;
  nonce?: string;
  /** base64: PKCS#1 v1.5 signature, or DER CMS SignedData for signatureType PKCS7. */
  signature?: string;
  /** base64 DER of the signing certificate. */
  certb64?: string;
  cardSN?: string;
  /** Plain-words explanation (zh-TW), not part of HiPKI; for logs and tools. */
  message?: string;
}

/** The tbsPackage a portal page posts to the popup (HiPKI fields, plus card choice). */
export const tbsPackageSchema = z.object({
  func: z.string().max(64),
  tbs: z.string().max(60 * 1024).optional(),
  tbsEncoding: z.string().max(16).optional(),
  hashAlgorithm: z.string().max(16).optional(),
  /** Checked against MAX_PIN_LENGTH when signing (a card answers a long PIN with CKR_PIN_LEN_RANGE). */
  pin: z.string().max(4096).optional(),
  signatureType: z.string().max(16).optional(),
  withCardSN: z.union([z.string().max(8), z.boolean()]).optional(),
  nonce: z.union([z.string().max(1024), z.number()]).optional(),
  /** Optional: the card to use, by token serial number or by token label. */
  cardSN: z.string().max(64).optional(),
  tokenLabel: z.string().max(64).optional(),
});
export type TbsPackage = z.infer<typeof tbsPackageSchema>;

export type Pkcs11InfoCert = HipkiCert;

/** A token as HiPKI lists it: the card number is `serialNumber`; `certs` only withcert. */
export interface Pkcs11InfoToken {
  label: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  certs?: Pkcs11InfoCert[];
}

/** GET /pkcs11info and the popup's GetUserCert / CheckEnvir answer (func "pkcs11info"). */
export interface Pkcs11Info {
  func?: 'pkcs11info';
  ret_code: number;
  last_error: number;
  serverVersion: string;
  modulePath: string;
  nonce?: string;
  message?: string;
  slots: {
    slotDescription: string;
    /** null: an empty reader. */
    token: Pkcs11InfoToken | null;
  }[];
}

/** A data file to decrypt with a card (POST /decrypt and `npm run bridge -- decrypt`). */
export interface DecryptRequest {
  pin?: string;
  /** The card to use, by token serial number or label; default: the card the file is for. */
  cardSN?: string;
  tokenLabel?: string;
  /** The CMS EnvelopedData: DER, BER or PEM bytes. */
  data: Buffer;
}

export interface DecryptResult {
  /** "decrypt", as the HiPKI component answers DecryptData (clients switch on it). */
  func: 'decrypt';
  ret_code: number;
  last_error: number | string;
  serverVersion: string;
  /** The decrypted content (on success). */
  plaintext?: Buffer;
  /** The card used (once one was chosen). */
  cardSN?: string;
  tokenLabel?: string;
  message?: string;
}

/** A protocol-level refusal: becomes ret_code / last_error in the answer. */
export class BridgeRefusal extends Error {
  constructor(
    readonly retCode: number,
    readonly lastError: number | string = 0,
    message?: string,
  ) {
    super(message ?? RET_MESSAGES[retCode] ?? 'error');
  }
}

function envelopeRefusal(e: EnvelopeError): BridgeRefusal {
  const code = e.kind === 'unsupported' ? RET.DECRYPT_UNSUPPORTED : e.kind === 'decrypt' ? RET.DECRYPT_FAILED : RET.DECRYPT_MALFORMED;
  return new BridgeRefusal(code, 0, `${RET_MESSAGES[code]}：${e.message}`);
}

const HASHES: Record<string, HashAlgorithm> = { SHA256: 'SHA256', SHA384: 'SHA384', SHA512: 'SHA512' };
/** The functions answered with the pkcs11info listing. */
const LISTING_FUNCS = new Set(['GetUserCert', 'CheckEnvir']);
/** DecryptData: the component answers it with func "decrypt" (this bridge opens files only through POST /decrypt). */
export const replyFunc = (func: unknown): ReplyFunc =>
  typeof func === 'string' && LISTING_FUNCS.has(func) ? 'pkcs11info' : func === 'DecryptData' ? 'decrypt' : 'sign';
const truthy = (v: string | boolean | undefined) => v === true || (typeof v === 'string' && v.toLowerCase() === 'true');

/**
 * What a portal challenge (the tbs eCPA-style portals issue: a first line `ecpa-<purpose>`,
 * then `key=value` lines) says about itself: the purpose, the site it was issued for and,
 * for a document, its title and digest. null for any other tbs.
 */
export function describeChallenge(tbs: Buffer): { purpose: string; origin?: string; title?: string; digest?: string } | null {
  const text = tbs.toString('utf8');
  const head = /^ecpa-(login|bind|sign)\n/.exec(text);
  if (!head) return null;
  const field = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1];
  return { purpose: head[1]!, origin: field('origin'), title: field('title'), digest: field('digest') };
}

/** The certificate a card signs with: digitalSignature first, then nonRepudiation, then any. */
export function signingCertificate(certs: TokenCertificate[]): TokenCertificate | undefined {
  return (
    certs.find((c) => c.info.keyUsage.includes('digitalSignature')) ??
    certs.find((c) => c.info.keyUsage.includes('nonRepudiation')) ??
    certs[0]
  );
}

export class BridgeService {
  readonly store: PinCounterStore;

  constructor(
    readonly config: BridgeConfig,
    readonly token: TokenLayer = new TokenLayer(config.modulePath, config.softhsmConf),
  ) {
    this.store = new PinCounterStore(config.stateFile);
  }

  private base(pkg?: Partial<TbsPackage>): BridgeResult {
    const out: BridgeResult = { func: replyFunc(pkg?.func), ret_code: RET.OK, last_error: 0, serverVersion: SERVER_VERSION };
    if (pkg?.nonce !== undefined) out.nonce = String(pkg.nonce);
    return out;
  }

  private fail(pkg: Partial<TbsPackage> | undefined, retCode: number, lastError: number | string = 0, message?: string): BridgeResult {
    return { ...this.base(pkg), ret_code: retCode, last_error: lastError, message: message ?? RET_MESSAGES[retCode] };
  }

  private inserted(card: { label: string; serial: string }): boolean {
    return !this.config.cards || this.config.cards.includes(card.label) || this.config.cards.includes(card.serial);
  }

  /** The readers (slots). Throws BridgeRefusal(NO_READER) when the module is missing or has none. */
  private readers() {
    let slots;
    try {
      slots = this.token.slots();
    } catch (e) {
      throw new BridgeRefusal(RET.NO_READER, 0, e instanceof NoReaderError ? `${RET_MESSAGES[RET.NO_READER]}：${e.message}` : undefined);
    }
    if (!slots.length) throw new BridgeRefusal(RET.NO_READER);
    return slots;
  }

  /** The cards "in the reader": initialised tokens, limited by BRIDGE_CARDS. */
  presentCards(): Card[] {
    this.readers();
    return this.token.cards().filter((c) => this.inserted(c));
  }

  /** The card a request asks for (serial or label), else the first with a certificate. */
  private chooseCard(pkg: TbsPackage, picked?: string): { card: Card; cert: TokenCertificate } {
    const cards = this.presentCards();
    if (!cards.length) throw new BridgeRefusal(RET.NO_CARD);
    const wanted = picked ?? pkg.cardSN ?? pkg.tokenLabel;
    const candidates = wanted ? cards.filter((c) => c.serial === wanted || c.label === wanted) : cards;
    for (const card of candidates) {
      const cert = signingCertificate(this.token.certificates(card.slot));
      if (cert) return { card, cert };
    }
    throw new BridgeRefusal(RET.NO_CARD, 0, wanted ? `${RET_MESSAGES[RET.NO_CARD]}（${wanted}）` : undefined);
  }

  /**
   * Logs in to `card` with `pin` and runs `fn`, with the bridge's wrong-PIN counter:
   * a locked card is refused without calling C_Login; a right PIN resets the counter.
   * For signing and for decrypting data files.
   */
  withCardLogin<T>(card: Card, pin: string, fn: (session: Buffer) => T): T {
    if (this.store.locked(card.serial)) throw new BridgeRefusal(RET.LOGIN_FAILED, LAST_ERROR.LOCKED, '憑證卡片已鎖定');
    try {
      return this.token.withUserSession(card.slot, pin, (session) => {
        this.store.reset(card.serial);
        return fn(session);
      });
    } catch (e) {
      if (e instanceof CardLoginError) {
        if (e.ckr === CKR.PIN_INCORRECT || e.ckr === CKR.PIN_INVALID || e.ckr === CKR.PIN_LEN_RANGE) {
          const failures = this.store.recordFailure(card.serial, card.label);
          const left = MAX_PIN_TRIES - failures;
          const lastError = left <= 0 ? LAST_ERROR.LOCKED : left === 1 ? LAST_ERROR.ONE_TRY_LEFT : LAST_ERROR.TWO_TRIES_LEFT;
          throw new BridgeRefusal(RET.LOGIN_FAILED, lastError, left <= 0 ? '憑證密碼錯誤，卡片已鎖定' : `憑證密碼錯誤，尚可嘗試 ${left} 次`);
        }
        if (e.ckr === CKR.PIN_LOCKED) {
          this.store.lock(card.serial, card.label);
          throw new BridgeRefusal(RET.LOGIN_FAILED, LAST_ERROR.LOCKED, '憑證卡片已鎖定');
        }
        throw new BridgeRefusal(RET.LOGIN_FAILED, e.ckr || LAST_ERROR.WRONG_PIN, `${RET_MESSAGES[RET.LOGIN_FAILED]}：${e.message}`);
      }
      if (e instanceof CardOperationError) throw new BridgeRefusal(RET.CARD_ERROR, e.ckr, `${RET_MESSAGES[RET.CARD_ERROR]}：${e.message}`);
      if (e instanceof NoReaderError) throw new BridgeRefusal(RET.NO_READER);
      throw e;
    }
  }

  /** Handles one tbsPackage (already parsed JSON). `picked` = the card chosen in the popup. */
  handle(input: unknown, picked?: string, requester?: string): BridgeResult | Pkcs11Info {
    const parsed = tbsPackageSchema.safeParse(input);
    if (!parsed.success) {
      const pkg = input && typeof input === 'object' ? (input as Partial<TbsPackage>) : undefined;
      const safe = pkg ? { func: typeof pkg.func === 'string' ? pkg.func.slice(0, 64) : undefined, nonce: typeof pkg.nonce === 'string' || typeof pkg.nonce === 'number' ? pkg.nonce : undefined } : undefined;
      const issue = parsed.error.issues[0];
      return this.fail(safe, RET.BAD_REQUEST, 0, `${RET_MESSAGES[RET.BAD_REQUEST]}${issue ? `：${issue.path.join('.') || 'tbsPackage'} ${issue.message}` : ''}`);
    }
    const pkg = parsed.data;
    try {
      switch (pkg.func) {
        case 'MakeSignature':
          return this.makeSignature(pkg, picked, requester);
        case 'GetUserCert':
        case 'CheckEnvir':
          return this.listing(pkg, picked);
        default:
          return this.fail(pkg, RET.NOT_SUPPORTED, 0, `${RET_MESSAGES[RET.NOT_SUPPORTED]}（func ${pkg.func}）`);
      }
    } catch (e) {
      if (e instanceof BridgeRefusal) return this.fail(pkg, e.retCode, e.lastError, e.message);
      return this.fail(pkg, RET.CARD_ERROR, 0, `${RET_MESSAGES[RET.CARD_ERROR]}：${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private makeSignature(pkg: TbsPackage, picked?: string, requester?: string): BridgeResult {
    if (pkg.tbs === undefined || pkg.tbs === '') throw new BridgeRefusal(RET.NO_TBS);
    const encoding = (pkg.tbsEncoding ?? 'NONE').toUpperCase();
    let data: Buffer;
    if (encoding === 'NONE') data = Buffer.from(pkg.tbs, 'utf8');
    else if (encoding === 'BASE64') {
      const b64 = pkg.tbs.replace(/\s+/g, '');
      if (!b64 || b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new BridgeRefusal(RET.BASE64_DECODE);
      data = Buffer.from(pkg.tbs, 'base64');
    } else throw new BridgeRefusal(RET.BAD_REQUEST, 0, `${RET_MESSAGES[RET.BAD_REQUEST]}（tbsEncoding ${pkg.tbsEncoding}）`);
    // A portal challenge is signed only for the site it names (no relaying by another site).
    const challenge = describeChallenge(data);
    if (challenge && requester && challenge.origin !== requester) {
      throw new BridgeRefusal(RET.CHALLENGE_ORIGIN, 0, `${RET_MESSAGES[RET.CHALLENGE_ORIGIN]}（${challenge.origin ?? '未註明網站'}，要求來源 ${requester}）`);
    }
    const hash = HASHES[(pkg.hashAlgorithm ?? 'SHA256').toUpperCase().replace(/-/g, '')];
    if (!hash) throw new BridgeRefusal(RET.BAD_REQUEST, 0, `${RET_MESSAGES[RET.BAD_REQUEST]}（hashAlgorithm ${pkg.hashAlgorithm}）`);
    const signatureType = (pkg.signatureType ?? 'PKCS1').toUpperCase();
    if (signatureType !== 'PKCS1' && signatureType !== 'PKCS7') throw new BridgeRefusal(RET.SIGNATURE_TYPE, 0, `${RET_MESSAGES[RET.SIGNATURE_TYPE]}（signatureType ${pkg.signatureType}）`);
    if (!pkg.pin) throw new BridgeRefusal(RET.NO_PIN);
    // What a card answers to an over-long PIN (CKR_PIN_LEN_RANGE); it is not a try at the PIN.
    if (pkg.pin.length > MAX_PIN_LENGTH) throw new BridgeRefusal(RET.LOGIN_FAILED, LAST_ERROR.PIN_LEN_RANGE, '憑證密碼長度不正確');

    const { card, cert } = this.chooseCard(pkg, picked);
    const now = Date.now();
    if (now < Date.parse(cert.info.notBefore)) throw new BridgeRefusal(RET.CERT_NOT_YET_VALID);
    if (now > Date.parse(cert.info.notAfter)) throw new BridgeRefusal(RET.CERT_EXPIRED);

    const signature =
      signatureType === 'PKCS1'
        ? this.withCardLogin(card, pkg.pin, (session) => this.token.signInSession(session, cert.id, data, hash))
        : this.withCardLogin(card, pkg.pin, (session) =>
            cmsSignedData(data, cert.der, hash, (digest) => this.token.signDigestInfo(session, cert.id, digestInfo(hash, digest))),
          );
    const out: BridgeResult = { ...this.base(pkg), signature: signature.toString('base64'), certb64: cert.der.toString('base64') };
    if (truthy(pkg.withCardSN)) out.cardSN = card.serial;
    return out;
  }

  /**
   * Decrypts a delivered data file (CMS EnvelopedData) with the card's private key: the
   * card whose certificate is a recipient of the file (or the one asked for), with the
   * same PIN counter, lock and validity rules as signing. Never throws.
   */
  decrypt(req: DecryptRequest): DecryptResult {
    const base = { func: 'decrypt', ret_code: RET.OK, last_error: 0, serverVersion: SERVER_VERSION } as DecryptResult;
    let chosen: Card | undefined;
    const fail = (retCode: number, lastError: number | string = 0, message?: string): DecryptResult => ({
      ...base,
      ret_code: retCode,
      last_error: lastError,
      message: message ?? RET_MESSAGES[retCode],
      ...(chosen ? { cardSN: chosen.serial, tokenLabel: chosen.label } : {}),
    });
    try {
      let env: EnvelopedMessage;
      try {
        env = parseEnvelopedData(req.data);
      } catch (e) {
        if (e instanceof EnvelopeError) throw envelopeRefusal(e);
        throw e;
      }
      if (!req.pin) throw new BridgeRefusal(RET.NO_PIN);
      const { card, cert, recipient } = this.chooseRecipientCard(env, req.cardSN ?? req.tokenLabel);
      chosen = card;
      try {
        checkSupported(env, recipient);
      } catch (e) {
        if (e instanceof EnvelopeError) throw envelopeRefusal(e);
        throw e;
      }
      const now = Date.now();
      if (now < Date.parse(cert.info.notBefore)) throw new BridgeRefusal(RET.CERT_NOT_YET_VALID);
      if (now > Date.parse(cert.info.notAfter)) throw new BridgeRefusal(RET.CERT_EXPIRED);

      // The card unwraps the content-encryption key (CKM_RSA_PKCS) through forge's
      // private-key interface; a refusal of the wrapped key itself (bad PKCS#1 padding,
      // wrong length: a damaged file) is told apart from other card failures.
      const unwrapped = this.withCardLogin(card, req.pin, (session) => {
        try {
          return { key: unwrapKey(recipient, cardKeyAdapter((wrapped) => this.token.decryptRawInSession(session, cert.id, wrapped))) };
        } catch (e) {
          if (e instanceof CardDecryptError) return { refused: e };
          throw e;
        }
      });
      if (unwrapped.refused) {
        throw new BridgeRefusal(RET.DECRYPT_FAILED, unwrapped.refused.ckr, `${RET_MESSAGES[RET.DECRYPT_FAILED]}（卡片無法解開加密金鑰：${unwrapped.refused.message}）`);
      }
      const key = unwrapped.key!;
      let plaintext: Buffer;
      try {
        plaintext = decryptContent(env, key);
      } catch (e) {
        if (e instanceof EnvelopeError) throw envelopeRefusal(e);
        throw e;
      }
      return { ...base, plaintext, cardSN: card.serial, tokenLabel: card.label };
    } catch (e) {
      if (e instanceof BridgeRefusal) return fail(e.retCode, e.lastError, e.message);
      return fail(RET.CARD_ERROR, 0, `${RET_MESSAGES[RET.CARD_ERROR]}：${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * The card and certificate a data file is for: among the cards asked for (serial or
   * label) or else all cards in the readers, the first certificate that is a recipient.
   * Every certificate on a card counts (real cards carry a separate encryption certificate).
   */
  private chooseRecipientCard(env: EnvelopedMessage, wanted?: string): { card: Card; cert: TokenCertificate; recipient: Recipient } {
    const cards = this.presentCards();
    if (!cards.length) throw new BridgeRefusal(RET.NO_CARD);
    const candidates = wanted ? cards.filter((c) => c.serial === wanted || c.label === wanted) : cards;
    if (!candidates.length) throw new BridgeRefusal(RET.NO_CARD, 0, `${RET_MESSAGES[RET.NO_CARD]}（${wanted}）`);
    for (const card of candidates) {
      for (const cert of this.token.certificates(card.slot)) {
        const recipient = findRecipient(env, cert.der);
        if (recipient) return { card, cert, recipient };
      }
    }
    throw new BridgeRefusal(
      RET.NO_RECIPIENT,
      0,
      wanted ? `${RET_MESSAGES[RET.NO_RECIPIENT]}（卡片 ${wanted}）` : '讀卡機中沒有此檔案收件者的憑證卡片，無法解密',
    );
  }

  /** GetUserCert / CheckEnvir: the /pkcs11info?withcert=true listing, posted back as func "pkcs11info". */
  private listing(pkg: TbsPackage, picked?: string): Pkcs11Info {
    const info = this.pkcs11Info(true, picked ?? pkg.cardSN ?? pkg.tokenLabel);
    const out: Pkcs11Info = { func: 'pkcs11info', ...info };
    if (pkg.nonce !== undefined) out.nonce = String(pkg.nonce);
    return out;
  }

  /**
   * GET /pkcs11info: readers (slots), the token in each (null for an empty reader) and,
   * withCert, the token's certificates inside it, as HiPKI lists them. `only` (a card's
   * serial or label) limits the listing to that card, as when one was picked in the popup.
   */
  pkcs11Info(withCert: boolean, only?: string): Pkcs11Info {
    const info: Pkcs11Info = { func: 'pkcs11info', ret_code: RET.OK, last_error: 0, serverVersion: SERVER_VERSION, modulePath: this.config.modulePath, slots: [] };
    let slots;
    try {
      slots = this.readers();
    } catch (e) {
      if (e instanceof BridgeRefusal) return { ...info, ret_code: e.retCode, message: e.message };
      throw e;
    }
    for (const s of slots) {
      const present = s.token && this.inserted({ label: s.token.label, serial: s.token.serialNumber }) ? s.token : null;
      const token = present && (!only || present.serialNumber === only || present.label === only) ? present : null;
      if (only && !token) continue;
      const entry: Pkcs11Info['slots'][number] = {
        slotDescription: s.slotDescription,
        token: token ? { label: token.label, serialNumber: token.serialNumber, manufacturer: token.manufacturer, model: token.model } : null,
      };
      if (withCert && entry.token) {
        try {
          // cert1 the signing certificate, then the encryption one, as on real cards.
          const rank = (c: TokenCertificate) => (c.info.keyUsage.includes('digitalSignature') ? 0 : c.info.keyUsage.includes('keyEncipherment') ? 1 : 2);
          const certs = [...this.token.certificates(s.slot)].sort((a, b) => rank(a) - rank(b));
          entry.token.certs = certs.map((c, i) => hipkiCert(c.der, c.info, i));
        } catch {
          entry.token.certs = [];
        }
      }
      info.slots.push(entry);
    }
    if (!info.slots.some((s) => s.token)) {
      info.ret_code = RET.NO_CARD;
      info.message = RET_MESSAGES[RET.NO_CARD];
    }
    return info;
  }

  /**
   * The unlock route: verifies the SO PIN (PUK) with C_Login(CKU_SO) on the card named by
   * label or serial, optionally sets a new user PIN, and resets the wrong-PIN counter.
   * A wrong SO PIN keeps the card locked.
   */
  unlock(cardName: string, soPin: string, newPin?: string): { ok: boolean; message: string; label?: string; serial?: string } {
    let cards: Card[];
    try {
      this.readers();
      cards = this.token.cards();
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
    const card = cards.find((c) => c.label === cardName || c.serial === cardName);
    if (!card) return { ok: false, message: `找不到憑證卡片「${cardName}」（請以卡片標籤或序號指定）` };
    const who = { label: card.label, serial: card.serial };
    if (!soPin) return { ok: false, message: '請輸入 SO PIN（PUK）', ...who };
    try {
      this.token.soLogin(card.slot, soPin, newPin);
    } catch (e) {
      if (e instanceof CardLoginError && (e.ckr === CKR.PIN_INCORRECT || e.ckr === CKR.PIN_INVALID || e.ckr === CKR.PIN_LEN_RANGE)) {
        return { ok: false, message: `SO PIN（PUK）錯誤，卡片 ${card.label}（${card.serial}）未解鎖`, ...who };
      }
      if (e instanceof CardLoginError && e.ckr === CKR.PIN_LOCKED) return { ok: false, message: `卡片 ${card.label} 的 SO PIN（PUK）已鎖定，請洽發卡單位`, ...who };
      return { ok: false, message: `解鎖失敗：${e instanceof Error ? e.message : String(e)}`, ...who };
    }
    this.store.reset(card.serial);
    return { ok: true, message: `卡片 ${card.label}（${card.serial}）已解鎖${newPin !== undefined ? '，並已設定新的憑證密碼' : ''}`, ...who };
  }

  close(): void {
    this.token.close();
  }
}
