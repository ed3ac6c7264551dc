export type EtagFn = (body: Buffer | string, encoding?: BufferEncoding) => string | undefined;

const DOCTYPE = '<!DOCTYPE html>';
const DOCTYPE_BYTES = Buffer.from(DOCTYPE);

/** Whether a body sent whole is an HTML page (the layouts all start with the doctype). */
export function isHtmlPage(body: Buffer | string): boolean {
  if (typeof body === 'string') return body.startsWith(DOCTYPE);
  return body.length >= DOCTYPE_BYTES.length && body.subarray(0, DOCTYPE_BYTES.length).equals(DOCTYPE_BYTES);
}

/**
 * Express's ETag function, except for HTML pages: each carries its own CSP nonce, so hashing it
 * only costs a digest of every page and can never answer a 304. A route that sends the same
 * bytes to everyone sets its own ETag (the 事求人 search's kept pages).
 */
export function withoutPageEtags(etag: EtagFn): EtagFn {
  return (body, encoding) => (isHtmlPage(body) ? undefined : etag(body, encoding));
}
