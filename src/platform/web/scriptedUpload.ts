import type { RequestHandler } from 'express';

/** The header public/js/upload-progress.js sends with a file form it posts for its progress bar. */
export const SCRIPTED_UPLOAD_HEADER = 'x-upload-progress';

/**
 * A file form posted by the upload-progress script: a redirect (the form's success) is answered
 * as `{"location": …}` instead of 303, so the script navigates there itself, as the browser
 * would have. (A script's request follows a redirect on its own, which would spend the flash
 * message on a page the user never sees.) Anything else — the form again with its errors — is
 * the same answer as without the script.
 */
export const answerScriptedUploads: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST' || req.get(SCRIPTED_UPLOAD_HEADER) !== '1') return next();
  res.redirect = ((a: unknown, b?: unknown) => {
    const location = typeof a === 'string' ? a : String(b);
    res.status(200).set('Cache-Control', 'no-store').json({ location });
  }) as typeof res.redirect;
  next();
};
