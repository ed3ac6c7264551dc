import type { Request, Response } from 'express';
import { FormError } from './errors';
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
 * Runs a form submission: on a FormError the same view is rendered again with the
 * values typed (minus `omit`, e.g. passwords), an error summary and per-field messages.
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
    if (err instanceof FormError) {
      res.status(400).render(view, { ...locals, values: keepValues(req.body, omit), errors: err.errors });
      return;
    }
    throw err;
  }
}
