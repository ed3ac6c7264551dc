import { idParam } from '../platform/http';
import { NotFoundError } from '../platform/errors';

/** A numeric id from the URL, or a 404 saying what was not found. */
export function idOr404(v: unknown, what: string): number {
  const id = idParam(v);
  if (id === null) throw new NotFoundError(what);
  return id;
}
