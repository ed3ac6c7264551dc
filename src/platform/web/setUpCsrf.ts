import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { csrfSync } from 'csrf-sync';
import type { Config } from '../../config';

const PRE_COOKIE = 'ecpa.pre';
const PRE_COOKIE_PATTERN = /(?:^|;\s*)ecpa\.pre=([A-Za-z0-9_-]{43})(?:;|$)/;

/**
 * CSRF protection in two forms, so that an anonymous visitor costs no stored session:
 * - a signed-in session keeps the synchronizer token in the session (csrf-sync);
 * - a visitor without an account gets a signed double-submit token (OWASP): a random
 *   pre-session cookie `ecpa.pre` (HttpOnly, SameSite=Lax) and, in the form, an HMAC of it
 *   under the session secret. Nothing is written to the database until a form is posted.
 * A signed-in session accepts only its synchronizer token.
 */
export function setUpCsrf(config: Pick<Config, 'sessionSecret' | 'secureCookies'>) {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    // Multipart forms are parsed after this check (by the upload middleware of their
    // route), so they carry the token in the form's action URL instead.
    getTokenFromRequest: (req) => submitted(req),
    errorConfig: { statusCode: 403, message: 'invalid csrf token', code: 'EBADCSRFTOKEN' },
    skipCsrfProtection: (req) => !req.user && preTokenValid(req),
  });
  const key = crypto.createHmac('sha256', config.sessionSecret).update('ecpa csrf pre-session token').digest();
  const sign = (pre: string) => crypto.createHmac('sha256', key).update(pre).digest('base64url');

  function submitted(req: Request): string | undefined {
    if (req.body && typeof req.body._csrf === 'string') return req.body._csrf;
    return req.get('x-csrf-token') ?? (req.is('multipart/form-data') && typeof req.query._csrf === 'string' ? req.query._csrf : undefined);
  }

  function preCookie(req: Request): string | null {
    return PRE_COOKIE_PATTERN.exec(req.headers.cookie ?? '')?.[1] ?? null;
  }

  function preTokenValid(req: Request): boolean {
    const pre = preCookie(req);
    const token = submitted(req);
    if (!pre || !token) return false;
    const expected = Buffer.from(sign(pre));
    const given = Buffer.from(token);
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  }

  /** The anonymous visitor's token, setting the pre-session cookie on first use. */
  function preToken(req: Request, res: Response): string {
    let pre = (res.locals.preSession as string | undefined) ?? preCookie(req);
    if (!pre) {
      pre = crypto.randomBytes(32).toString('base64url');
      if (!res.headersSent) res.cookie(PRE_COOKIE, pre, { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, path: '/' });
    }
    res.locals.preSession = pre;
    return sign(pre);
  }

  /** A response's form token, worked out the first time it is printed (one object per response). */
  class FormToken {
    #token: string | undefined;
    readonly #req: Request;
    readonly #res: Response;
    constructor(req: Request, res: Response) {
      this.#req = req;
      this.#res = res;
    }
    toString(): string {
      return (this.#token ??= this.#req.user ? generateToken(this.#req) : preToken(this.#req, this.#res));
    }
    valueOf(): string {
      return this.toString();
    }
    toJSON(): string {
      return this.toString();
    }
  }

  /**
   * The token for the forms of this response, worked out only when a view prints it (so a
   * page without a form, a redirect or a download sets no cookie): a signed-in session's
   * synchronizer token, or the anonymous visitor's signed one, which stores nothing.
   * `res.locals.csrfToken` is an object that turns into the token when printed (`<%= %>`,
   * `encodeURIComponent`), because Express copies the locals of every render eagerly.
   */
  const provideToken: RequestHandler = (req, res, next) => {
    res.locals.csrfToken = new FormToken(req, res);
    next();
  };

  return { protect: csrfSynchronisedProtection, provideToken };
}
