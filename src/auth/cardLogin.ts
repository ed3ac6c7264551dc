import crypto from 'node:crypto';
import type { Db } from '../platform/database';
import type { AuditService } from '../platform/audit';
import type { Identity } from '../platform/identity';
import { AGENCY_NOT_AUTHORIZED, type SignedResponse } from '../platform/identity/accountRules';
import { DomainError } from '../platform/errors';
import { CertificateError, verifySignature, type TrustStore } from '../platform/pki/verify';
import { IdentityCheckUnavailable, type IdentityCheck } from '../platform/pki/identityCheck';
import type { CardType, CertificateFacts } from '../platform/pki/profiles';
import type { AccountRepository } from './repository';
import type { CardRepository } from './cardRepository';
import type { RequestContext } from '../platform/identity/context';
import { agencySessionUser, toSessionUser } from './sessionUser';
import { type SessionCertificate, type SessionUser } from '../platform/identity/sessionUser';

export const CHALLENGE_MINUTES = 5;

export type ChallengePurpose = 'login' | 'bind' | 'sign';

/** Seed 004 (三)(四): the activation errors, word for word. */
export const ACTIVATION_ERRORS = {
  not_in_master:
    '此自訂帳號或身分證字號不存在於本總處公務人力資料庫中，如為現職公務人員，請洽人事人員儘速將您的個人資料報送至本總處完成入檔後，方可登入本總處「人事服務網」。',
  retired: '此身份證字號已停用，可能是此帳號之人事資料為卸職狀態，若有問題請先洽機關所屬人事部門洽詢。',
  not_holder:
    '此身份證字號與使用的自然人憑證序號向憑證中心查詢回應並不是同一個使用者，請確定輸入的eCPA自訂帳號或是身分證字號是否正確。',
} as const;


/** When the certificate authority's identity check cannot answer: nothing is bound. */
export const IDENTITY_CHECK_ERRORS = {
  unavailable: '目前無法向憑證管理中心查詢此憑證之持有人，憑證尚未綁定，請稍後再試。',
  off: '本網站目前無法綁定自然人憑證（尚未設定憑證管理中心身分查驗服務），請改用帳號密碼登入，或洽客服人員。',
} as const;

/** After too many activation attempts for one card or from one address. */
export const ACTIVATION_TOO_MANY = '嘗試次數過多，本次憑證登入已取消，請於 1 小時後再重新插卡登入。';

/** A national ID in an audit entry: the first 2 and last 3 characters only. */
export const maskNationalId = (id: string) => (/^[A-Za-z]\d{9}$/.test(id) ? `${id.slice(0, 2).toUpperCase()}*****${id.slice(-3)}` : id);

const CHALLENGE_ERRORS = {
  tbs_malformed: '登入驗證資料格式錯誤，請重新操作。',
  tbs_unknown: '登入驗證資料不存在，請重新操作。',
  tbs_used: '此登入驗證資料已使用過，請重新操作。',
  tbs_expired: '登入驗證已逾時（5 分鐘），請重新操作。',
  tbs_origin: '登入驗證資料不屬於本網站，請重新操作。',
  tbs_purpose: '登入驗證資料用途不符，請重新操作。',
  tbs_session: '登入驗證資料不是由此瀏覽器取得，請重新操作。',
} as const;

/** The card's encryption certificate (cert2), read with a document signature. */
export const ENC_CERT_ERRORS = {
  enc_cert_missing:
    '無法讀取憑證IC卡中的加密用憑證（用途 keyEncipherment|dataEncipherment）。資料交換檔案只加密給此憑證，請確認插入的是登入時使用的機關憑證IC卡，且憑證元件可讀取卡片後，再操作一次。',
  enc_cert_invalid: '憑證IC卡中的加密用憑證不能使用：',
  enc_cert_other_card: '加密用憑證與簽章用憑證不屬於同一張憑證IC卡，請重新操作。',
} as const;

/** The verified card behind a signature, before it is mapped to a person or agency. */
export interface VerifiedCard extends CertificateFacts {
  cardType: CardType;
  certB64: string;
}

export function sessionCertificate(card: VerifiedCard): SessionCertificate {
  return { thumbprint: card.thumbprint, cardType: card.cardType, cardNumber: card.cardNumber, serialHex: card.serialHex };
}

/** Parses the tbs the portal issued: four lines, purpose / origin / nonce / time. */
export function parseTbs(tbs: string): { purpose: string; origin: string; nonce: string; time: string; digest?: string } | null {
  const lines = tbs.split('\n');
  const head = lines[0]?.match(/^ecpa-(login|bind|sign)$/);
  if (!head) return null;
  const fields: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const m = /^([a-z]+)=(.*)$/.exec(line);
    if (!m) return null;
    fields[m[1]!] = m[2]!;
  }
  if (!fields.origin || !fields.nonce || !fields.time || !/^[A-Za-z0-9_-]{43}$/.test(fields.nonce)) return null;
  return { purpose: head[1]!, origin: fields.origin, nonce: fields.nonce, time: fields.time, digest: fields.digest };
}

export function createCardLoginService(deps: {
  db: Db;
  cards: CardRepository;
  accounts: AccountRepository;
  audit: AuditService;
  trust: () => TrustStore;
  /** The certificate authority's answer to "is this card this national ID's?" */
  identity: IdentityCheck;
  /** Which agencies' certificates may sign in to the portal. */
  grants: Pick<Identity, 'agencyAllowedIn'>;
  origin: string;
  clock?: () => Date;
}) {
  const { db, cards, accounts, audit } = deps;
  const clock = deps.clock ?? (() => new Date());

  const fail = async (code: string, message: string, ctx: RequestContext, details: Record<string, unknown> = {}): Promise<never> => {
    await audit.record({ actor: null, action: 'auth.certificate', outcome: 'failed', ip: ctx.ip, requestId: ctx.requestId, details: { reason: code, ...details } });
    throw new DomainError(code, message, 400);
  };
  /** A refused signature comes before any account is known: counted once per source, reason and minute. */
  const refuse = async (code: string, message: string, ctx: RequestContext, details: Record<string, unknown> = {}): Promise<never> => {
    await audit.recordRefusal({ actor: null, action: 'auth.certificate', outcome: 'failed', reason: code, ip: ctx.ip, requestId: ctx.requestId, details: { reason: code, ...details } });
    throw new DomainError(code, message, 400);
  };

  /**
   * Whether `card` belongs to the person with the full national ID `nationalId` (from the
   * personnel master): an NHI card carries the full ID (signed by its CA); for a MOICA card,
   * which carries only the last 4 digits, the certificate authority's identity check answers.
   * Throws DomainError when the check cannot answer.
   */
  const holds = async (card: VerifiedCard, nationalId: string): Promise<boolean> => {
    if (card.cardType === 'nhi') return card.nationalId === nationalId;
    if (card.cardType !== 'moica') return false;
    if (card.idLast4 !== nationalId.slice(-4)) return false;
    try {
      return await deps.identity.holds({ certB64: card.certB64, serialHex: card.serialHex, issuerDn: card.issuerDn, nationalId });
    } catch (err) {
      if (err instanceof IdentityCheckUnavailable) throw new DomainError(`identity_check_${err.reason}`, IDENTITY_CHECK_ERRORS[err.reason], 400);
      throw err;
    }
  };

  /** Every activation attempt is audited, with the card and never the typed ID in clear. */
  const activationAudit = async (card: VerifiedCard, typed: string, ctx: RequestContext, outcome: 'ok' | 'failed', details: Record<string, unknown>, trx?: Db) =>
    audit.record(
      {
        actor: null,
        action: 'auth.card_activate',
        outcome,
        ip: ctx.ip,
        requestId: ctx.requestId,
        details: { thumbprint: card.thumbprint, cardType: card.cardType, cardNumber: card.cardNumber, typed: maskNationalId(typed), ...details },
      },
      trx,
    );

  return {
    /** A single-use, 5-minute tbs naming the purpose, this portal's origin, a 32-byte nonce and the time. */
    async challenge(purpose: ChallengePurpose, extra: { digest?: string; title?: string } = {}): Promise<{ tbs: string; nonce: string; expiresAt: Date }> {
      const now = clock();
      const nonce = crypto.randomBytes(32).toString('base64url');
      const lines = [`ecpa-${purpose}`, `origin=${deps.origin}`, `nonce=${nonce}`, `time=${now.toISOString()}`];
      if (extra.digest) lines.push(`digest=${extra.digest}`);
      // The document's title, on one line, for the card component's popup to show.
      const title = extra.title?.replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, ' ').trim().slice(0, 100);
      if (title) lines.push(`title=${title}`);
      const tbs = lines.join('\n');
      const expiresAt = new Date(now.getTime() + CHALLENGE_MINUTES * 60_000);
      await cards.insertChallenge({ nonce, purpose, origin: deps.origin, tbs }, expiresAt);
      return { tbs, nonce, expiresAt };
    },

    /**
     * Verifies, in order: the tbs is ours, unused, unexpired and for this origin; the
     * certificate parses, chains to a trusted CA, is valid, not revoked and may sign;
     * the signature is over exactly the tbs. `issued` = the nonces of the challenges this
     * browser session asked for: a tbs fetched by another session is refused (after it is
     * consumed, so a signature taken elsewhere is spent); null only for document signatures,
     * which are bound to the signed-in user and the login card instead.
     */
    async verify(input: SignedResponse, purpose: ChallengePurpose, ctx: RequestContext, issued: readonly string[] | null): Promise<VerifiedCard> {
      const parsed = parseTbs(input.tbs);
      if (!parsed) return refuse('tbs_malformed', CHALLENGE_ERRORS.tbs_malformed, ctx);
      const consumed = await cards.consumeChallenge(parsed.nonce, clock());
      if (consumed.state !== 'ok') return refuse(`tbs_${consumed.state}`, CHALLENGE_ERRORS[`tbs_${consumed.state}`], ctx);
      if (consumed.tbs !== input.tbs) return refuse('tbs_malformed', CHALLENGE_ERRORS.tbs_malformed, ctx);
      if (parsed.origin !== deps.origin || consumed.origin !== deps.origin) return refuse('tbs_origin', CHALLENGE_ERRORS.tbs_origin, ctx, { origin: parsed.origin });
      if (consumed.purpose !== purpose) return refuse('tbs_purpose', CHALLENGE_ERRORS.tbs_purpose, ctx);
      if (issued !== null && !issued.includes(parsed.nonce)) return refuse('tbs_session', CHALLENGE_ERRORS.tbs_session, ctx);
      const certDer = Buffer.from(input.certb64, 'base64');
      let facts: ReturnType<TrustStore['check']>;
      try {
        facts = deps.trust().check(certDer, clock());
      } catch (err) {
        if (err instanceof CertificateError) return refuse(err.code, err.message, ctx);
        throw err;
      }
      const { publicKey, ...rest } = facts;
      if (!verifySignature(publicKey, Buffer.from(input.tbs, 'utf8'), Buffer.from(input.signature, 'base64'))) {
        return refuse('signature_invalid', '憑證簽章驗證失敗，請重新操作。', ctx, { thumbprint: facts.thumbprint });
      }
      return { ...rest, certB64: certDer.toString('base64') };
    },

    /** After verification: a bound person card signs in; an agency card maps by code; otherwise activation. */
    async signIn(card: VerifiedCard, ctx: RequestContext): Promise<{ user: SessionUser } | { activate: true }> {
      const now = clock();
      if (card.cardType === 'gca') {
        const agency = card.agencyCode ? await deps.grants.agencyAllowedIn(card.agencyCode, 'portal') : undefined;
        if (!agency) {
          return fail('agency_not_authorized', AGENCY_NOT_AUTHORIZED, ctx, { agencyCode: card.agencyCode });
        }
        await audit.record({ actor: { accountId: null, label: agency.name }, action: 'auth.login', target: { type: 'agency', id: agency.code }, ip: ctx.ip, requestId: ctx.requestId, details: { method: 'gca', thumbprint: card.thumbprint } });
        return { user: agencySessionUser(agency, sessionCertificate(card), now) };
      }
      const binding = await cards.bindingByThumbprint(card.thumbprint);
      if (!binding) return { activate: true };
      const a = await accounts.findById(binding.accountId);
      if (!a) return { activate: true };
      if (a.status !== '在職') return fail('retired', ACTIVATION_ERRORS.retired, ctx, { accountId: a.id });
      await accounts.recordSuccess(a.id, now, card.cardType, ctx.ip);
      await cards.touchBinding(binding.id, now);
      await audit.record({ actor: { accountId: a.id, label: a.name }, action: 'auth.login', target: { type: 'account', id: a.id }, ip: ctx.ip, requestId: ctx.requestId, details: { method: card.cardType, thumbprint: card.thumbprint } });
      return { user: toSessionUser(a, await accounts.roles(a.id), card.cardType, now, sessionCertificate(card)) };
    },

    /**
     * First certificate login (seed 004 (三)): the typed custom account or national ID must be
     * a serving person of the master and the card's holder; then the card is bound.
     */
    async activate(card: VerifiedCard, accountOrId: string, ctx: RequestContext): Promise<SessionUser> {
      const typed = accountOrId.trim();
      const refuse = async (code: string, message: string, details: Record<string, unknown> = {}): Promise<never> => {
        await activationAudit(card, typed, ctx, 'failed', { reason: code, ...details });
        throw new DomainError(code, message, 400);
      };
      if (card.cardType === 'gca') return refuse('agency_card', AGENCY_NOT_AUTHORIZED);
      const person = /^[A-Za-z]\d{9}$/.test(typed) ? await cards.personByNationalId(typed.toUpperCase()) : await cards.personByUsername(typed);
      if (!person) return refuse('not_in_master', ACTIVATION_ERRORS.not_in_master);
      if (person.status !== '在職') return refuse('retired', ACTIVATION_ERRORS.retired, { personId: person.id });
      // Whatever was typed, the proof is about the person's full national ID in the master.
      let holder: boolean;
      try {
        holder = await holds(card, String(person.nationalId));
      } catch (err) {
        if (err instanceof DomainError) return refuse(err.code, err.message, { personId: person.id });
        throw err;
      }
      if (!holder) return refuse('not_holder', ACTIVATION_ERRORS.not_holder, { personId: person.id });
      const now = clock();
      const accountId = await db.transaction(async (trx) => {
        const id = (await cards.accountIdOfPerson(person.id, trx)) ?? (await cards.createCardAccount(person.id, trx));
        await cards.bind(id, { cardType: card.cardType as 'moica' | 'nhi', issuerDn: card.issuerDn, serialHex: card.serialHex, thumbprint: card.thumbprint, cardNumber: card.cardNumber, notAfter: card.notAfter }, trx);
        await activationAudit(card, typed, ctx, 'ok', { personId: person.id, accountId: id, identityCheck: card.cardType === 'nhi' ? 'nhi_card' : deps.identity.kind }, trx);
        await audit.record({ actor: { accountId: id, label: person.name }, action: 'auth.card_bind', target: { type: 'account', id }, ip: ctx.ip, requestId: ctx.requestId, details: { cardType: card.cardType, thumbprint: card.thumbprint, cardNumber: card.cardNumber, first: true } }, trx);
        return id;
      });
      const a = (await accounts.findById(accountId))!;
      await accounts.recordSuccess(a.id, now, card.cardType, ctx.ip);
      return toSessionUser(a, await accounts.roles(a.id), card.cardType, now, sessionCertificate(card));
    },

    /** Audits an activation attempt refused before it reached the checks (the attempt limit). */
    async activationRefused(card: VerifiedCard, typed: string, reason: string, ctx: RequestContext): Promise<void> {
      await activationAudit(card, typed, ctx, 'failed', { reason });
    },

    /** 自然人憑證上傳: a signed-in person binds a further card of their own (same proof as activation). */
    async bindAnother(user: SessionUser, card: VerifiedCard, ctx: RequestContext): Promise<void> {
      const a = await accounts.findById(user.accountId);
      const refuse = async (code: string, message: string, status: 400 | 409 = 400): Promise<never> => {
        await audit.record({ actor: { accountId: user.accountId, label: user.name }, action: 'auth.card_bind', outcome: 'failed', target: { type: 'account', id: user.accountId }, ip: ctx.ip, requestId: ctx.requestId, details: { reason: code, cardType: card.cardType, thumbprint: card.thumbprint, first: false } });
        throw new DomainError(code, message, status);
      };
      if (!a || card.cardType === 'gca') return refuse('not_holder', ACTIVATION_ERRORS.not_holder);
      let holder: boolean;
      try {
        holder = await holds(card, a.nationalId);
      } catch (err) {
        if (err instanceof DomainError) return refuse(err.code, err.message);
        throw err;
      }
      if (!holder) return refuse('not_holder', ACTIVATION_ERRORS.not_holder);
      if (await cards.bindingByThumbprint(card.thumbprint)) return refuse('already_bound', '此憑證已綁定。', 409);
      await cards.bind(a.id, { cardType: card.cardType as 'moica' | 'nhi', issuerDn: card.issuerDn, serialHex: card.serialHex, thumbprint: card.thumbprint, cardNumber: card.cardNumber, notAfter: card.notAfter });
      await audit.record({ actor: { accountId: a.id, label: a.name }, action: 'auth.card_bind', target: { type: 'account', id: a.id }, ip: ctx.ip, requestId: ctx.requestId, details: { cardType: card.cardType, thumbprint: card.thumbprint, first: false } });
    },

    /**
     * The ENCRYPTION certificate (cert2) of the card behind `card`, as the page read it from
     * the card's listing: trusted, valid, not revoked, for key encipherment, and on the same
     * card (same subject and issuer as the signing certificate). Data for the card are
     * encrypted to it; without it there is nothing to encrypt to (never the signing one).
     */
    async encryptionCertificate(card: VerifiedCard, encCertb64: string, ctx: RequestContext): Promise<{ certB64: string; thumbprint: string }> {
      if (!encCertb64) return fail('enc_cert_missing', ENC_CERT_ERRORS.enc_cert_missing, ctx, { thumbprint: card.thumbprint });
      const der = Buffer.from(encCertb64, 'base64');
      let facts: ReturnType<TrustStore['checkEncryption']>;
      try {
        facts = deps.trust().checkEncryption(der, clock());
      } catch (err) {
        if (err instanceof CertificateError) return fail(`enc_${err.code}`, `${ENC_CERT_ERRORS.enc_cert_invalid}${err.message}`, ctx, { thumbprint: card.thumbprint });
        throw err;
      }
      const subject = (b64: string) => new crypto.X509Certificate(Buffer.from(b64, 'base64')).subject;
      if (facts.issuerDn !== card.issuerDn || subject(card.certB64) !== subject(der.toString('base64'))) {
        return fail('enc_cert_other_card', ENC_CERT_ERRORS.enc_cert_other_card, ctx, { thumbprint: card.thumbprint, encThumbprint: facts.thumbprint });
      }
      return { certB64: der.toString('base64'), thumbprint: facts.thumbprint };
    },

    bindings: (accountId: number) => cards.bindings(accountId),

    /**
     * The signing service other areas use (e.g. the cloud wizard's step 6): a tbs that carries
     * the document digest, signed by the same card as the login.
     */
    async signChallenge(user: SessionUser, digestHex: string, title?: string) {
      if (!user.certificate) throw new DomainError('certificate_required', '此功能限使用憑證登入後操作。', 403);
      if (!/^[0-9a-f]{64}$/.test(digestHex)) throw new DomainError('bad_digest', '文件摘要格式錯誤。', 400);
      return this.challenge('sign', { digest: digestHex, title });
    },
    async verifyDocumentSignature(user: SessionUser, input: SignedResponse, digestHex: string, ctx: RequestContext): Promise<VerifiedCard> {
      if (!user.certificate) throw new DomainError('certificate_required', '此功能限使用憑證登入後操作。', 403);
      const card = await this.verify(input, 'sign', ctx, null);
      if (parseTbs(input.tbs)?.digest !== digestHex) return fail('digest_mismatch', '簽章內容與文件不符，請重新操作。', ctx);
      if (card.thumbprint !== user.certificate.thumbprint) return fail('other_card', '請使用與登入時相同的憑證簽章。', ctx, { thumbprint: card.thumbprint });
      return card;
    },
  };
}

export type CardLoginService = ReturnType<typeof createCardLoginService>;
