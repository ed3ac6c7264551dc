import type { Request, Response } from 'express';
import { DomainError, fieldErrorsOf } from './errors';
import { keepValues } from './validation';

export function flash(req: Request, type: 'success' | 'error' | 'info', text: string) {
  if (!req.session) return;
  (req.session.flash ??= []).push({ type, text });
}

/** Parses a route parameter that must be a positive integer id. */
export function idParam(value: unknown): number | null {
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : null;
}

/** A refused form's files are not kept; the form says so beside their field. */
export const FILES_NOT_KEPT = '附件尚未儲存，請重新選擇檔案。';

/**
 * Runs a form submission: on a FormError, or a DomainError about one field, the same view
 * is rendered again (with the error's status) with the values typed (minus `omit`, e.g.
 * passwords), an error summary linking to the field and the message beside it.
 */
export async function submitForm(
  req: Request,
  res: Response,
  view: string,
  locals: Record<string, unknown>,
  action: () => Promise<void>,
  omit: string[] = [],
): Promise<void> {
  try {
    await action();
  } catch (err) {
    const found = fieldErrorsOf(err);
    if (found && err instanceof DomainError) {
      const errors = { ...found };
      // Files sent with a refused form are not kept: each file field says to choose them again.
      for (const file of req.uploads ?? []) errors[file.field] ??= FILES_NOT_KEPT;
      res.status(err.status).render(view, { ...locals, values: keepValues(req.body, omit), errors });
      return;
    }
    throw err;
  }
}
