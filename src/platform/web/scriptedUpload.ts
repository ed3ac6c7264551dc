import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';

/** The header public/js/upload-progress.js sends with a file form it posts for its progress bar. */
export const SCRIPTED_UPLOAD_HEADER = 'x-upload-progress';
/** The address (path and query) of the page the form was on, sent by the script. */
export const SCRIPTED_PAGE_HEADER = 'x-upload-page';
/** The query parameter naming a stored answer: `?r=<id>`. */
export const STORED_ANSWER_PARAM = 'r';
/** Answers kept per session (the newest), and for how long. */
export const STORED_ANSWERS_KEPT = 3;
export const STORED_ANSWER_TTL_MS = 10 * 60_000;

const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** A page answered to a scripted upload, kept for the navigation that shows it. */
export interface StoredAnswer {
  id: string;
  /** Path of the page it is shown at (without query). */
  path: string;
  status: number;
  html: string;
  at: number;
}

declare module 'express-session' {
  interface SessionData {
    scriptedAnswers?: StoredAnswer[];
  }
}

/** A same-origin path and query (never `//host` or `/\host`), or null. */
function localPath(value: string | undefined): URL | null {
  if (!value || value.length > 2000 || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null;
  try {
    const url = new URL(value, 'http://portal.invalid');
    return url.host === 'portal.invalid' ? url : null;
  } catch {
    return null;
  }
}

/**
 * Where a stored answer is shown: the page the form was on (as the script tells), else the
 * address the form was posted to; its token and any older stored answer are left out.
 */
export function answerAddress(req: Request, id: string): string {
  const url = localPath(req.get(SCRIPTED_PAGE_HEADER)) ?? localPath(req.originalUrl)!;
  url.searchParams.delete('_csrf');
  url.searchParams.delete(STORED_ANSWER_PARAM);
  url.searchParams.append(STORED_ANSWER_PARAM, id);
  return url.pathname + url.search;
}

function keep(req: Request, answer: StoredAnswer): void {
  const now = answer.at;
  const kept = (req.session!.scriptedAnswers ?? []).filter((a) => now - a.at < STORED_ANSWER_TTL_MS);
  req.session!.scriptedAnswers = [...kept, answer].slice(-STORED_ANSWERS_KEPT);
}

function answerWith(res: Response, location: string): void {
  res.status(200).set('Cache-Control', 'no-store').type('application/json').json({ location });
}

/**
 * A file form posted by the upload-progress script gets every answer as `{"location": …}`, so
 * the script navigates there itself and each outcome is a real page load with its history entry:
 * - a redirect (the form's success) gives its target, as the browser would have followed it
 *   (a script's request would follow it on its own and spend the flash message unseen);
 * - a page (the form again with its errors and the values typed, an error page) is
 *   kept in the session under a random one-time id and the location is the form's page with
 *   `?r=<id>`, which {@link showStoredAnswers} answers with that page and its status.
 * Other answers (JSON, text), and any answer without a session (a request refused before the
 * session is read), go out as they are.
 */
export const answerScriptedUploads: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST' || req.get(SCRIPTED_UPLOAD_HEADER) !== '1') return next();
  res.redirect = ((a: unknown, b?: unknown) => {
    answerWith(res, typeof a === 'string' ? a : String(b));
  }) as typeof res.redirect;
  // Every page goes out through res.send (a view rendered, the error handler's page).
  const send = res.send.bind(res);
  res.send = ((body?: unknown) => {
    const type = String(res.get('Content-Type') ?? '');
    if (typeof body !== 'string' || (type && !type.startsWith('text/html')) || !req.session) return send(body);
    const id = crypto.randomBytes(16).toString('base64url');
    const location = answerAddress(req, id);
    keep(req, { id, path: location.split('?')[0]!, status: res.statusCode, html: body, at: Date.now() });
    answerWith(res, location);
    return res;
  }) as typeof res.send;
  next();
};

/**
 * Shows a page kept by {@link answerScriptedUploads}: `GET <form page>?r=<id>` of the same
 * session answers the stored page with its status (400 for a form's errors), uncached. It stays
 * readable (reload, back and forward) until it is ten minutes old or three newer ones replace
 * it; after that the address leads to the form's page itself.
 */
export const showStoredAnswers: RequestHandler = (req, res, next) => {
  // Only an address with a query can name a stored answer (most pages have none to parse).
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !req.url.includes('?')) return next();
  const id = req.query[STORED_ANSWER_PARAM];
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) return next();
  const now = Date.now();
  const answer = req.session?.scriptedAnswers?.find((a) => a.id === id && a.path === req.path && now - a.at < STORED_ANSWER_TTL_MS);
  res.set('Cache-Control', 'no-store');
  if (answer) return void res.status(answer.status).type('html').send(answer.html);
  const url = localPath(req.originalUrl)!;
  url.searchParams.delete(STORED_ANSWER_PARAM);
  res.redirect(303, url.pathname + url.search);
};
