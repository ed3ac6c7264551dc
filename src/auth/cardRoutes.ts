import express, { type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Passport } from 'passport';
import type { AuthRouteDeps } from './deps';
import type { Config } from '../config';
import { ctxOf } from '../platform/identity/context';
import { flash } from '../platform/http';
import { DomainError } from '../platform/errors';
import { requireUser, safeReturnTo } from '../platform/identity/guards';
import { text } from '../platform/validation';
import { PgRateLimitStore } from '../platform/web/rateLimitStore';
import { ACTIVATION_TOO_MANY, type VerifiedCard } from './cardLogin';
import type { SessionUser } from '../platform/identity/sessionUser';
import { under, type GatedRouter } from '../platform/web/under';

const signedSchema = z.object({
  // Browsers send a textarea's or hidden field's line breaks as CRLF; the card signed LF.
  tbs: z.string().min(1).max(2000).transform((s) => s.replace(/\r\n/g, '\n')),
  signature: z.string().min(1).max(2000).regex(/^[A-Za-z0-9+/=]+$/),
  certb64: z.string().min(1).max(20000).regex(/^[A-Za-z0-9+/=]+$/),
  cardSN: z.string().max(64).optional(),
  returnTo: z.string().optional(),
});

const activateSchema = z.object({ accountOrId: text('自訂帳號或身分證字號', { max: 30 }) });

const CARD_LABEL: Record<string, string> = { moica: '自然人憑證', gca: '機關憑證', nhi: '健保卡' };

/** 憑證登入 (natural-person, agency and NHI cards through the bridge), activation, 自然人憑證上傳. */
/** Challenges a session may have open at once (several tabs, a retry). */
const MAX_SESSION_CHALLENGES = 5;

export function cardRoutes(services: AuthRouteDeps, config: Config, passport: InstanceType<typeof Passport>, limits: { challengeLimiter: RequestHandler }): GatedRouter {
  const { cardLogin } = services;
  const router = express.Router();

  const page = (req: express.Request, extra: object = {}) => ({
    title: '憑證登入',
    card: req.query.card === 'nhi' ? 'nhi' : 'moica',
    bridgeOrigin: config.bridgeOrigin,
    values: { returnTo: safeReturnTo(req.query.returnTo ?? req.body?.returnTo) },
    ...extra,
  });

  const logIn = (req: express.Request, user: SessionUser) =>
    new Promise<void>((resolve, reject) =>
      req.logIn(user, (err) => {
        if (err) return reject(err);
        req.session.createdAt = Date.now();
        req.session.lastSeenAt = Date.now();
        services.forgetCaches();
        resolve();
      }),
    );

  router.get('/login/certificate', (req, res) => res.render('auth/certificate', page(req)));

  // A challenge is good only in the browser session that asked for it (the last few kept).
  const rememberChallenge = (req: express.Request, nonce: string) => {
    req.session.cardChallenges = [...(req.session.cardChallenges ?? []), nonce].slice(-MAX_SESSION_CHALLENGES);
  };
  const issuedChallenges = (req: express.Request): string[] => req.session.cardChallenges ?? [];

  // The tbs the card signs: JSON for the page's script, rate limited.
  router.post('/login/certificate/challenge', limits.challengeLimiter, async (req, res) => {
    const { tbs, nonce, expiresAt } = await cardLogin.challenge('login');
    rememberChallenge(req, nonce);
    res.json({ tbs, expiresAt, bridgeOrigin: config.bridgeOrigin });
  });

  router.post('/login/certificate', async (req, res) => {
    const parsed = signedSchema.safeParse(req.body);
    // Named for the metrics (ecpa_card_logins_total{result}).
    res.locals.cardLoginResult = 'incomplete';
    if (!parsed.success) return res.status(400).render('auth/certificate', page(req, { failure: '憑證登入資料不完整，請重新操作。' }));
    try {
      const card = await cardLogin.verify(parsed.data, 'login', ctxOf(req), issuedChallenges(req));
      const result = await cardLogin.signIn(card, ctxOf(req));
      res.locals.cardLoginResult = 'activate' in result ? 'activate' : 'ok';
      if ('activate' in result) {
        req.session.pendingCard = card;
        return res.redirect(303, '/login/certificate/activate');
      }
      await logIn(req, result.user);
      res.redirect(303, result.user.kind === 'agency' ? '/agency' : safeReturnTo(parsed.data.returnTo));
    } catch (err) {
      res.locals.cardLoginResult = err instanceof DomainError ? err.code : 'error';
      if (err instanceof DomainError) return res.status(400).render('auth/certificate', page(req, { failure: err.message }));
      throw err;
    }
  });

  // --- First certificate login: identify yourself once (seed 004 (三)) ---
  const pending = (req: express.Request): VerifiedCard | null => req.session.pendingCard ?? null;
  const needPending: RequestHandler = (req, res, next) => (pending(req) ? next() : res.redirect(303, '/login/certificate'));
  // Attempts are limited per card (its thumbprint) and per address, an hour each; past the
  // limit the pending card is dropped, so a new attempt needs a new signature and still counts.
  const activationLimiter = (prefix: string, limit: number, keyGenerator?: (req: express.Request) => string) =>
    rateLimit({
      windowMs: 60 * 60_000,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      store: new PgRateLimitStore(services.db, prefix),
      ...(keyGenerator ? { keyGenerator } : {}),
      handler: (req, res, next) => {
        const card = pending(req)!;
        delete req.session.pendingCard;
        const typed = typeof req.body?.accountOrId === 'string' ? req.body.accountOrId.slice(0, 30) : '';
        cardLogin
          .activationRefused(card, typed, `rate_limited_${prefix.replace('activate-', '')}`, ctxOf(req))
          .then(() => res.status(429).render('auth/activate-failed', { title: '憑證檢測結果', reason: ACTIVATION_TOO_MANY, back: '/login/certificate' }))
          .catch(next);
      },
    });
  const perIp = activationLimiter('activate-ip', config.cardActivationPerIp);
  const perCard = activationLimiter('activate-card', config.cardActivationPerCard, (req) => pending(req)!.thumbprint);

  router.get('/login/certificate/activate', (req, res) => {
    const card = pending(req);
    if (!card) return res.redirect(303, '/login/certificate');
    res.render('auth/activate', { title: '身分驗證', card, cardLabel: CARD_LABEL[card.cardType] });
  });
  router.post('/login/certificate/activate', needPending, perIp, perCard, async (req, res) => {
    const card = pending(req);
    if (!card) return res.redirect(303, '/login/certificate');
    const parsed = activateSchema.safeParse(req.body);
    const values = { accountOrId: typeof req.body?.accountOrId === 'string' ? req.body.accountOrId : '' };
    if (!parsed.success) {
      await cardLogin.activationRefused(card, values.accountOrId.slice(0, 30), 'invalid_input', ctxOf(req));
      return res.status(400).render('auth/activate', { title: '身分驗證', card, cardLabel: CARD_LABEL[card.cardType], values, errors: { accountOrId: parsed.error.issues[0]!.message } });
    }
    try {
      const user = await cardLogin.activate(card, parsed.data.accountOrId, ctxOf(req));
      delete req.session.pendingCard;
      await logIn(req, user);
      res.redirect(303, '/my');
    } catch (err) {
      if (err instanceof DomainError) return res.status(400).render('auth/activate-failed', { title: '憑證檢測結果', reason: err.message });
      throw err;
    }
  });

  // --- 自然人憑證上傳: bind a further card ---
  router.get('/my/cards', requireUser, async (req, res) => {
    res.render('auth/cards', { title: '自然人憑證上傳', bindings: await cardLogin.bindings(req.user!.accountId), bridgeOrigin: config.bridgeOrigin, cardLabel: CARD_LABEL });
  });
  router.post('/my/cards/challenge', requireUser, limits.challengeLimiter, async (req, res) => {
    const { tbs, nonce, expiresAt } = await cardLogin.challenge('bind');
    rememberChallenge(req, nonce);
    res.json({ tbs, expiresAt, bridgeOrigin: config.bridgeOrigin });
  });
  router.post('/my/cards', requireUser, async (req, res) => {
    const parsed = signedSchema.safeParse(req.body);
    const render = async (failure: string) =>
      res.status(400).render('auth/cards', { title: '自然人憑證上傳', bindings: await cardLogin.bindings(req.user!.accountId), bridgeOrigin: config.bridgeOrigin, cardLabel: CARD_LABEL, failure });
    if (!parsed.success) return render('憑證資料不完整，請重新操作。');
    try {
      const card = await cardLogin.verify(parsed.data, 'bind', ctxOf(req), issuedChallenges(req));
      await cardLogin.bindAnother(req.user!, card, ctxOf(req));
      flash(req, 'success', `已綁定${CARD_LABEL[card.cardType]}（卡號 ${card.cardNumber ?? '—'}）。`);
      res.redirect(303, '/my/cards');
    } catch (err) {
      if (err instanceof DomainError) return render(err.message);
      throw err;
    }
  });

  return under({ prefixes: ['/login', '/my/cards'] }, router);
}

declare module 'express-session' {
  interface SessionData {
    pendingCard?: VerifiedCard;
    /** Nonces of the card challenges this session asked for (the last MAX_SESSION_CHALLENGES). */
    cardChallenges?: string[];
  }
}
