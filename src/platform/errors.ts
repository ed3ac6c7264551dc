/** A failure the user can act on; carries a stable code and, for forms, the field. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 403 | 404 | 409 | 413 | 422 | 429 = 400,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class NotFoundError extends DomainError {
  constructor(message = '查無資料') {
    super('not_found', message, 404);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = '您沒有權限使用此功能') {
    super('forbidden', message, 403);
  }
}

/** Validation errors of a whole form: field → message (`field` is the first of them). */
export class FormError extends DomainError {
  constructor(readonly errors: Record<string, string>) {
    super('invalid_form', Object.values(errors)[0] ?? '資料有誤', 400, Object.keys(errors)[0]);
  }
}

/** The field → message map a form shows for an error, or null when it is about no one input. */
export function fieldErrorsOf(err: unknown): Record<string, string> | null {
  if (err instanceof FormError) return err.errors;
  if (err instanceof DomainError && err.field) return { [err.field]: err.message };
  return null;
}
