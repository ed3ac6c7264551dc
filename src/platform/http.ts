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
    const errors = fieldErrorsOf(err);
    if (errors && err instanceof DomainError) {
      res.status(err.status).render(view, { ...locals, values: keepValues(req.body, omit), errors });
      return;
    }
    throw err;
  }
}
